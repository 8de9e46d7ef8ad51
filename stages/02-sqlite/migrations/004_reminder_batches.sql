-- POST .../reminders records ONE row here ("remind every participant of
-- exchange X"), whatever the exchange's size: the request's work no longer
-- grows with the participants (10,000 outbox rows took 21-64 ms of it).
-- santa-worker-02-sqlite expands a batch into outbox rows, one per
-- participant present at that moment, in one BEGIN IMMEDIATE transaction
-- that also deletes the batch (store_sqlite_batch.h): the oldest first, by
-- id, the primary key, so no other index is needed for that; exchange_id's
-- index serves the foreign key. A worker killed in the middle rolls all of
-- it back: expansion happens exactly once.
--  mails        participants when queued: the queue depth until expansion
--  traceparent  the request's, copied to every outbox row (the mails' spans
--               join the request's trace)
--  queued_ms    the outbox rows' queued_ms and queued_at (its second):
--               enqueue-to-sent still counts from the request
CREATE TABLE reminder_batches (
  id          integer PRIMARY KEY,
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  mails       integer NOT NULL CHECK (mails > 0),
  traceparent text,
  queued_ms   integer NOT NULL
);
CREATE INDEX reminder_batches_exchange ON reminder_batches (exchange_id);
