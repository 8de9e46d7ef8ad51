-- POST .../reminders for 10,000 participants writes 10,000 outbox rows in
-- one INSERT ... SELECT. Most of its time went to what a queue row does not
-- need:
--  * a foreign-key check per row and per key, each confirming what the
--    SELECT had just read from participants in the same transaction;
--  * outbox_participant: a random text key, so each batch writes all over
--    an index that grows with every batch ever queued.
-- SQLite cannot drop a foreign key, so the table is rebuilt without them
-- (the columns of 001 and 002, in their order).
-- What they gave is kept another way: rows are only ever written from
-- participants, under the write lock; exchanges are never deleted; the
-- trigger below removes a participant's rows with the participant, as the
-- cascade did; it finds them through outbox_exchange.
CREATE TABLE outbox_new (
  id             integer PRIMARY KEY,
  exchange_id    text NOT NULL,
  participant_id text NOT NULL,
  email          text NOT NULL,
  kind           text NOT NULL DEFAULT 'reminder',
  queued_at      text NOT NULL,
  sent_at        text,
  queued_ms      integer NOT NULL DEFAULT 0,
  traceparent    text,
  attempts       integer NOT NULL DEFAULT 0,
  next_at_ms     integer NOT NULL DEFAULT 0,
  lease_until_ms integer NOT NULL DEFAULT 0,
  claimed_by     text,
  last_error     text,
  dead_at        text
);
INSERT INTO outbox_new SELECT id, exchange_id, participant_id, email, kind, queued_at,
  sent_at, queued_ms, traceparent, attempts, next_at_ms, lease_until_ms, claimed_by,
  last_error, dead_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_exchange ON outbox (exchange_id);
CREATE INDEX outbox_due ON outbox (next_at_ms, id) WHERE sent_at IS NULL AND dead_at IS NULL;

CREATE TRIGGER participants_outbox AFTER DELETE ON participants BEGIN
  DELETE FROM outbox WHERE exchange_id = OLD.exchange_id AND participant_id = OLD.id;
END;
