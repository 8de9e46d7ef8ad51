-- The outbox becomes a job queue for santa-worker-02-sqlite
-- (worker_sqlite.c): attempts, when a job is next due, who holds it until
-- when (a lease, so a killed worker's jobs come back), the last error, a
-- dead-letter mark, and the enqueuing request's trace context. SQLite's
-- ALTER TABLE adds one column at a time.
ALTER TABLE outbox ADD COLUMN queued_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox (next_at_ms, id) WHERE sent_at IS NULL AND dead_at IS NULL;
