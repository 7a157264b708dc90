-- Up Migration
-- contract: nothing the previous release uses; its status CHECK is replaced by a wider one that still admits every
-- value the previous release writes.
-- A reservation's life ends explicitly: committed with its order, or released. Only `reserved` rows are unresolved,
-- and the reconciler reads them through this partial index however many committed ones accumulate.
ALTER TABLE catalog.reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE catalog.reservations
  ADD CONSTRAINT reservations_status_check CHECK (status IN ('reserved', 'committed', 'released'));
ALTER TABLE catalog.reservations ADD COLUMN committed_at timestamptz;
DROP INDEX catalog.reservations_open_idx;
CREATE INDEX reservations_unresolved_idx ON catalog.reservations (created_at, order_id) WHERE status = 'reserved';

-- Down Migration
DROP INDEX catalog.reservations_unresolved_idx;
CREATE INDEX reservations_open_idx ON catalog.reservations (created_at) WHERE status = 'reserved';
ALTER TABLE catalog.reservations DROP COLUMN committed_at;
UPDATE catalog.reservations SET status = 'reserved' WHERE status = 'committed';
ALTER TABLE catalog.reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE catalog.reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('reserved', 'released'));
