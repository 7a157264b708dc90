-- Up Migration
CREATE TABLE catalog.products (
  id          uuid PRIMARY KEY,
  sku         text NOT NULL CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The oversell guard: no transaction can commit a negative stock.
  stock       integer NOT NULL CHECK (stock >= 0),
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- Soft delete keeps reservations of existing orders valid.
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX products_sku_live_key ON catalog.products (sku) WHERE deleted_at IS NULL;
CREATE INDEX products_created_at_id_idx ON catalog.products (created_at, id) WHERE deleted_at IS NULL;

-- Stock held for an order. Keyed by order id, so a retried reservation never reserves twice.
CREATE TABLE catalog.reservations (
  order_id         uuid NOT NULL,
  product_id       uuid NOT NULL REFERENCES catalog.products (id),
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  currency         char(3) NOT NULL,
  status           text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'released')),
  created_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  released_at      timestamptz,
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX reservations_open_idx ON catalog.reservations (created_at) WHERE status = 'reserved';

-- Down Migration
DROP TABLE catalog.reservations;
DROP TABLE catalog.products;
