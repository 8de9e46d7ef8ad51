-- 001_schema.sql - stage 03's whole model. Never edit a shipped migration:
-- a database that ran it will not run it again; add 002_... instead.
--
-- Notes on the choices:
--  - Hashes are bytea (32 bytes), found through UNIQUE indexes.
--  - participants.seq is an identity column: never handed out twice, so a
--    paging cursor keeps meaning "after this person" after a removal.
--  - participant_count lives in the exchange row and is kept by triggers in
--    the same transaction as the row it counts: the EXCHANGE_FULL check reads
--    one row instead of counting up to 100,000 index entries at every join.
--  - Every write that changes an exchange's membership or draw first locks
--    the exchange row (SELECT ... FOR UPDATE); that one lock, always taken
--    first, serialises them per exchange without deadlock cycles.

CREATE TABLE exchanges (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  budget            text,
  exchange_date     text NOT NULL DEFAULT '',
  no_mutual         boolean NOT NULL DEFAULT false,
  drawn             boolean NOT NULL DEFAULT false,
  participant_count integer NOT NULL DEFAULT 0 CHECK (participant_count >= 0),
  admin_hash        bytea NOT NULL UNIQUE,
  invite_hash       bytea NOT NULL
);

CREATE TABLE participants (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          text NOT NULL UNIQUE,
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  name        text NOT NULL,
  email       text NOT NULL,
  email_key   text NOT NULL,
  wishlist    text NOT NULL DEFAULT '',
  token_hash  bytea NOT NULL UNIQUE,
  UNIQUE (exchange_id, email_key)
);
CREATE INDEX participants_exchange_seq ON participants (exchange_id, seq);

CREATE FUNCTION participants_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE exchanges SET participant_count = participant_count + 1 WHERE id = NEW.exchange_id;
  ELSE
    UPDATE exchanges SET participant_count = participant_count - 1 WHERE id = OLD.exchange_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER participants_count AFTER INSERT OR DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION participants_count();

CREATE TABLE exclusions (
  exchange_id text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  giver_id    text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  receiver_id text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  PRIMARY KEY (giver_id, receiver_id)
);
CREATE INDEX exclusions_receiver ON exclusions (receiver_id);
CREATE INDEX exclusions_exchange ON exclusions (exchange_id);

CREATE TABLE assignments (
  giver_id     text PRIMARY KEY REFERENCES participants(id),
  exchange_id  text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  recipient_id text NOT NULL REFERENCES participants(id)
);
CREATE INDEX assignments_exchange ON assignments (exchange_id);
CREATE INDEX assignments_recipient ON assignments (recipient_id);

-- Read by a sender that is not part of this stage; the partial index finds
-- unsent mail without a scan.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  exchange_id    text NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  participant_id text NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
  email          text NOT NULL,
  kind           text NOT NULL DEFAULT 'reminder',
  queued_at      timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz
);
CREATE INDEX outbox_exchange ON outbox (exchange_id);
CREATE INDEX outbox_participant ON outbox (participant_id);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
