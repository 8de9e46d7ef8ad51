-- 001_schema.sql - stage 02's whole model. Never edit a shipped migration:
-- a database that ran it will not run it again; add 002_... instead.
--
-- Notes on the choices:
--  - Hashes are BLOBs (32 bytes), compared by the UNIQUE index.
--  - participants.seq is the rowid; AUTOINCREMENT so a removed last
--    participant's seq is never handed out again (a cursor keeps meaning
--    "after this person").
--  - Every foreign key column has an index: the lookups need them, and so
--    does SQLite itself when it checks or cascades a delete.
--  - exclusions are keyed (giver, receiver), so adding one twice is a no-op
--    with INSERT OR IGNORE; removing a participant cascades to them.

CREATE TABLE exchanges (
  id                text PRIMARY KEY NOT NULL,
  name              text NOT NULL,
  budget            text,
  exchange_date     text NOT NULL DEFAULT '',
  no_mutual         integer NOT NULL DEFAULT 0,
  drawn             integer NOT NULL DEFAULT 0,
  participant_count integer NOT NULL DEFAULT 0,
  admin_hash        blob NOT NULL,
  invite_hash       blob NOT NULL
);
CREATE UNIQUE INDEX exchanges_admin_hash ON exchanges (admin_hash);

CREATE TABLE participants (
  seq         integer PRIMARY KEY AUTOINCREMENT,
  id          text NOT NULL UNIQUE,
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  name        text NOT NULL,
  email       text NOT NULL,
  email_key   text NOT NULL,
  wishlist    text NOT NULL DEFAULT '',
  token_hash  blob NOT NULL,
  UNIQUE (exchange_id, email_key)
);
CREATE UNIQUE INDEX participants_token_hash ON participants (token_hash);
CREATE INDEX participants_exchange_seq ON participants (exchange_id, seq);

-- Counting an exchange's participants is a range over the index: 100,000
-- entries for a full exchange, at every join (the EXCHANGE_FULL check).
-- The count is kept in the exchange row instead, by triggers, so it is
-- changed in the same transaction as the row it counts and no code path
-- can forget it.
CREATE TRIGGER participants_count_insert AFTER INSERT ON participants BEGIN
  UPDATE exchanges SET participant_count = participant_count + 1 WHERE id = NEW.exchange_id;
END;
CREATE TRIGGER participants_count_delete AFTER DELETE ON participants BEGIN
  UPDATE exchanges SET participant_count = participant_count - 1 WHERE id = OLD.exchange_id;
END;

CREATE TABLE exclusions (
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  giver_id    text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  receiver_id text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  PRIMARY KEY (giver_id, receiver_id)
) WITHOUT ROWID;
CREATE INDEX exclusions_receiver ON exclusions (receiver_id);
CREATE INDEX exclusions_exchange ON exclusions (exchange_id);

CREATE TABLE assignments (
  giver_id     text PRIMARY KEY NOT NULL REFERENCES participants(id),
  exchange_id  text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  recipient_id text NOT NULL REFERENCES participants(id)
) WITHOUT ROWID;
CREATE INDEX assignments_exchange ON assignments (exchange_id);
CREATE INDEX assignments_recipient ON assignments (recipient_id);

-- Read by a sender that is not part of this stage; the partial index finds
-- unsent mail without a scan.
CREATE TABLE outbox (
  id             integer PRIMARY KEY,
  exchange_id    text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  participant_id text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  email          text NOT NULL,
  kind           text NOT NULL DEFAULT 'reminder',
  queued_at      text NOT NULL,
  sent_at        text
);
CREATE INDEX outbox_exchange ON outbox (exchange_id);
CREATE INDEX outbox_participant ON outbox (participant_id);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
