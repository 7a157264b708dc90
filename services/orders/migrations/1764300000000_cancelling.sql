-- Up Migration
-- contract: nothing the previous release uses; its status CHECK is replaced by a wider one that still admits every
-- value the previous release writes.
-- A cancel whose stock could not be returned at once stays `cancelling` until the reconciler returns it.
ALTER TABLE orders.orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders.orders ADD CONSTRAINT orders_status_check CHECK (status IN ('confirmed', 'cancelling', 'cancelled'));
CREATE INDEX orders_cancelling_idx ON orders.orders (created_at, id) WHERE status = 'cancelling';

-- Down Migration
DROP INDEX orders.orders_cancelling_idx;
UPDATE orders.orders SET status = 'confirmed' WHERE status = 'cancelling';
ALTER TABLE orders.orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders.orders ADD CONSTRAINT orders_status_check CHECK (status IN ('confirmed', 'cancelled'));
