-- Up Migration
-- Group reservation: many orders' holds in one statement and one commit, so a product every order names is locked
-- once per group instead of once per order. Lines arrive flattened and sorted by product id within each order:
-- p_orders[i] is the order of line i, and an order's lines are consecutive. Every product named is locked first, in
-- id order (as a single reservation locks them, so the two never deadlock); then each order, in the order given, is
-- held whole or not at all against the stock left by the orders before it. One row per order:
--   held                the stock was taken and the lines recorded `reserved`;
--   exists              the order already holds a reservation (a retry): nothing taken;
--   unknown-product     product_id is not a live product;
--   repriced            product_id's price or currency is not the one the lines were accepted at;
--   insufficient-stock  product_id has `available`, fewer than the line asks.
CREATE FUNCTION catalog.reserve_many(
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

-- Down Migration
DROP FUNCTION catalog.reserve_many(uuid[], uuid[], int[], bigint[], text[]);
