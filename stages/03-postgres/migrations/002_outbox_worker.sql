-- The outbox becomes a job queue for santa-worker-03-postgres
-- (worker_postgres.c): attempts, when a job is next due, who holds it until
-- when (a lease, so a killed worker's jobs come back), the last error, a
-- dead-letter mark, and the enqueuing request's trace context.
ALTER TABLE outbox
  ADD COLUMN traceparent text,
  ADD COLUMN attempts    integer NOT NULL DEFAULT 0,
  ADD COLUMN next_at     timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN claimed_by  text,
  ADD COLUMN last_error  text,
  ADD COLUMN dead_at     timestamptz;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE sent_at IS NULL AND dead_at IS NULL;
