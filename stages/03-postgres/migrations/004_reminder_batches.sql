-- POST .../reminders records ONE row here ("remind every participant of
-- exchange X"), whatever the exchange's size: the request's work no longer
-- grows with the participants (10,000 outbox rows took 60-70 ms of it).
-- santa-worker-03-postgres expands a batch into outbox rows, one per
-- participant present at that moment, in one transaction that also deletes
-- the batch: it claims the row with FOR UPDATE SKIP LOCKED (two workers
-- never expand the same batch), locks the exchange FOR SHARE (a concurrent
-- removal commits before or after, never in between, so no row outlives
-- its participant), then one INSERT ... SELECT. A worker killed in the
-- middle rolls all of it back: expansion happens exactly once.
--  mails        participants when queued: the queue depth until expansion
--  traceparent  the request's, copied to every outbox row (the mails' spans
--               join the request's trace)
--  queued_at    copied to every outbox row too: enqueue-to-sent still
--               counts from the request
CREATE TABLE reminder_batches (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  mails       integer NOT NULL CHECK (mails > 0),
  traceparent text,
  queued_at   timestamptz NOT NULL DEFAULT now()
);
