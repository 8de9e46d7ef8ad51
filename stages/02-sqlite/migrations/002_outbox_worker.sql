-- The outbox becomes a job queue for santa-worker-02-sqlite
-- (worker_sqlite.c): attempts, when a job is next due, who holds it until
-- when (a lease, so a killed worker's jobs come back), the last error, a
-- dead-letter mark, and the enqueuing request's trace context. SQLite's
-- ALTER TABLE adds one column at a time.
ALTER TABLE outbox ADD COLUMN queued_ms integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN traceparent text;
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_at_ms integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until_ms integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_by text;
ALTER TABLE outbox ADD COLUMN last_error text;
ALTER TABLE outbox ADD COLUMN dead_at text;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox (next_at_ms, id) WHERE sent_at IS NULL AND dead_at IS NULL;
