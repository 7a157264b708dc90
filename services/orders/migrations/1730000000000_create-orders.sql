-- Up Migration
CREATE TABLE orders.orders (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL,
  status       text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
  total_cents  bigint NOT NULL CHECK (total_cents >= 0),
  currency     char(3) NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz
);
CREATE INDEX orders_created_at_id_idx ON orders.orders (created_at, id);
CREATE INDEX orders_user_created_at_id_idx ON orders.orders (user_id, created_at, id);

CREATE TABLE orders.order_items (
  order_id         uuid NOT NULL REFERENCES orders.orders (id) ON DELETE CASCADE,
  position         smallint NOT NULL,
  product_id       uuid NOT NULL,
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, product_id)
);

-- Idempotency-Key records: the first response is stored and replayed; an in-flight attempt holds a lease.
CREATE TABLE orders.idempotency_keys (
  key             text PRIMARY KEY CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash    text NOT NULL,
  state           text NOT NULL CHECK (state IN ('in_flight', 'completed')),
  response_status integer,
  response_body   jsonb,
  locked_until    timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  expires_at      timestamptz NOT NULL
);
CREATE INDEX idempotency_keys_expires_at_idx ON orders.idempotency_keys (expires_at);

-- Down Migration
DROP TABLE orders.idempotency_keys;
DROP TABLE orders.order_items;
DROP TABLE orders.orders;
