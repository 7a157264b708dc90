-- Up Migration
-- Group reservation in sets: the same answers as before (1764400000000_reserve-many.sql says what each means), from
-- four statements per group instead of four per order. Every named live product is locked in id order and read once;
-- the group's existing reservations are read once; each order, in the order given, is checked against the stock its
-- products have left after the orders held before it, kept in the function's own arrays; then one UPDATE takes each
-- product's stock once (the sum of its held lines) and one INSERT records every held line. A hot product every order
-- names gets one new row version per group instead of one per order. The locks, their order, and the CHECK on stock
-- that backs every decrement are as before.
CREATE OR REPLACE FUNCTION catalog.reserve_many(
  p_orders uuid[], p_products uuid[], p_quantities int[], p_prices bigint[], p_currencies text[]
) RETURNS TABLE (order_id uuid, outcome text, product_id uuid, available int)
LANGUAGE plpgsql AS $$
DECLARE
  n int := cardinality(p_orders);
  i int := 1;
  first_line int;
  j int;
  k int;
  -- The locked live products, in id order: k = array_position(ids, a product id).
  ids uuid[];
  stocks int[];
  prices bigint[];
  currencies text[];
  -- Orders that hold a reservation already, and the held lines.
  taken uuid[];
  held boolean[] := array_fill(false, ARRAY[n]);
BEGIN
  SELECT coalesce(array_agg(p.id), '{}'), array_agg(p.stock), array_agg(p.price_cents), array_agg(p.currency::text)
    INTO ids, stocks, prices, currencies
    FROM (SELECT l.id, l.stock, l.price_cents, l.currency FROM catalog.products l
          WHERE l.id = ANY(p_products) AND l.deleted_at IS NULL ORDER BY l.id FOR NO KEY UPDATE) p;
  SELECT coalesce(array_agg(r.order_id), '{}') INTO taken
    FROM catalog.reservations r WHERE r.order_id = ANY(p_orders);
  WHILE i <= n LOOP
    order_id := p_orders[i];
    first_line := i;
    WHILE i <= n AND p_orders[i] = order_id LOOP
      i := i + 1;
    END LOOP;
    outcome := 'held';
    product_id := NULL;
    available := NULL;
    IF order_id = ANY(taken) THEN
      outcome := 'exists';
    ELSE
      FOR j IN first_line .. i - 1 LOOP
        k := array_position(ids, p_products[j]);
        IF k IS NULL THEN
          outcome := 'unknown-product';
        ELSIF prices[k] <> p_prices[j] OR currencies[k] <> p_currencies[j] THEN
          outcome := 'repriced';
        ELSIF stocks[k] < p_quantities[j] THEN
          outcome := 'insufficient-stock';
          available := stocks[k];
        END IF;
        IF outcome <> 'held' THEN
          product_id := p_products[j];
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF outcome = 'held' THEN
      FOR j IN first_line .. i - 1 LOOP
        k := array_position(ids, p_products[j]);
        stocks[k] := stocks[k] - p_quantities[j];
        held[j] := true;
      END LOOP;
      taken := taken || order_id;
    END IF;
    RETURN NEXT;
  END LOOP;
  UPDATE catalog.products p SET stock = p.stock - h.quantity, updated_at = now()
    FROM (SELECT l.product_id, sum(l.quantity)::int AS quantity
          FROM unnest(p_products, p_quantities, held) AS l(product_id, quantity, held)
          WHERE l.held GROUP BY l.product_id) h
    WHERE p.id = h.product_id;
  INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency)
    SELECT l.order_id, l.product_id, l.quantity, l.price, l.currency
    FROM unnest(p_orders, p_products, p_quantities, p_prices, p_currencies, held)
      AS l(order_id, product_id, quantity, price, currency, held)
    WHERE l.held;
END
$$;

-- Down Migration
-- The function as 1764400000000_reserve-many.sql made it: statements per order and per line.
CREATE OR REPLACE FUNCTION catalog.reserve_many(
  p_orders uuid[], p_products uuid[], p_quantities int[], p_prices bigint[], p_currencies text[]
) RETURNS TABLE (order_id uuid, outcome text, product_id uuid, available int)
LANGUAGE plpgsql AS $$
DECLARE
  n int := cardinality(p_orders);
  i int := 1;
  first_line int;
  j int;
  row_stock int;
  row_price bigint;
  row_currency text;
BEGIN
  PERFORM 1 FROM catalog.products p
    WHERE p.id = ANY(p_products) AND p.deleted_at IS NULL
    ORDER BY p.id FOR NO KEY UPDATE;
  WHILE i <= n LOOP
    order_id := p_orders[i];
    first_line := i;
    WHILE i <= n AND p_orders[i] = order_id LOOP
      i := i + 1;
    END LOOP;
    outcome := 'held';
    product_id := NULL;
    available := NULL;
    IF EXISTS (SELECT 1 FROM catalog.reservations r WHERE r.order_id = reserve_many.order_id) THEN
      outcome := 'exists';
    ELSE
      FOR j IN first_line .. i - 1 LOOP
        SELECT p.stock, p.price_cents, p.currency INTO row_stock, row_price, row_currency
          FROM catalog.products p WHERE p.id = p_products[j] AND p.deleted_at IS NULL;
        IF NOT FOUND THEN
          outcome := 'unknown-product';
        ELSIF row_price <> p_prices[j] OR row_currency <> p_currencies[j] THEN
          outcome := 'repriced';
        ELSIF row_stock < p_quantities[j] THEN
          outcome := 'insufficient-stock';
          available := row_stock;
        END IF;
        IF outcome <> 'held' THEN
          product_id := p_products[j];
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF outcome = 'held' THEN
      FOR j IN first_line .. i - 1 LOOP
        UPDATE catalog.products p SET stock = p.stock - p_quantities[j], updated_at = now() WHERE p.id = p_products[j];
        INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency)
          VALUES (reserve_many.order_id, p_products[j], p_quantities[j], p_prices[j], p_currencies[j]);
      END LOOP;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
