/*
 * store_sqlite_schema.c - ordered migrations, applied by user_version.
 * See store_sqlite_schema.h.
 *
 * Never edit a migration that has shipped: a database that already ran it
 * would not run it again. Add a new one at the end instead.
 */
#include "store_sqlite_schema.h"

#include <stdbool.h>
#include <stdio.h>

/* Migration 1: the whole model. Notes on the choices:
 *  - Hashes are BLOBs (32 bytes), compared by the UNIQUE index.
 *  - participants.seq is the rowid; AUTOINCREMENT so a removed last
 *    participant's seq is never handed out again (a cursor keeps meaning
 *    "after this person").
 *  - Every foreign key column has an index: the lookups need them, and so
 *    does SQLite itself when it checks or cascades a delete.
 *  - exclusions are keyed (giver, receiver), so adding one twice is a no-op
 *    with INSERT OR IGNORE; removing a participant cascades to them. */
static const char migration_1[] =
    "CREATE TABLE exchanges ("
    "  id            TEXT PRIMARY KEY NOT NULL,"
    "  name          TEXT NOT NULL,"
    "  budget        TEXT,"
    "  exchange_date TEXT NOT NULL DEFAULT '',"
    "  no_mutual     INTEGER NOT NULL DEFAULT 0,"
    "  drawn         INTEGER NOT NULL DEFAULT 0,"
    "  participant_count INTEGER NOT NULL DEFAULT 0,"
    "  admin_hash    BLOB NOT NULL,"
    "  invite_hash   BLOB NOT NULL"
    ");"
    "CREATE UNIQUE INDEX exchanges_admin_hash ON exchanges(admin_hash);"

    "CREATE TABLE participants ("
    "  seq         INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id          TEXT NOT NULL UNIQUE,"
    "  exchange_id TEXT NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
    "  name        TEXT NOT NULL,"
    "  email       TEXT NOT NULL,"
    "  email_key   TEXT NOT NULL,"
    "  wishlist    TEXT NOT NULL DEFAULT '',"
    "  token_hash  BLOB NOT NULL,"
    "  UNIQUE (exchange_id, email_key)"
    ");"
    "CREATE UNIQUE INDEX participants_token_hash ON participants(token_hash);"
    "CREATE INDEX participants_exchange_seq ON participants(exchange_id, seq);"
    /* Counting an exchange's participants is a range over the index: 100,000
     * entries for a full exchange, at every join (the EXCHANGE_FULL check).
     * The count is kept in the exchange row instead, by triggers, so it is
     * changed in the same transaction as the row it counts and no code path
     * can forget it. */
    "CREATE TRIGGER participants_count_insert AFTER INSERT ON participants BEGIN"
    "  UPDATE exchanges SET participant_count = participant_count + 1"
    "   WHERE id = NEW.exchange_id;"
    "END;"
    "CREATE TRIGGER participants_count_delete AFTER DELETE ON participants BEGIN"
    "  UPDATE exchanges SET participant_count = participant_count - 1"
    "   WHERE id = OLD.exchange_id;"
    "END;"

    "CREATE TABLE exclusions ("
    "  exchange_id TEXT NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
    "  giver_id    TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,"
    "  receiver_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (giver_id, receiver_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX exclusions_receiver ON exclusions(receiver_id);"
    "CREATE INDEX exclusions_exchange ON exclusions(exchange_id);"

    "CREATE TABLE assignments ("
    "  giver_id     TEXT PRIMARY KEY NOT NULL REFERENCES participants(id),"
    "  exchange_id  TEXT NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
    "  recipient_id TEXT NOT NULL REFERENCES participants(id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX assignments_exchange ON assignments(exchange_id);"
    "CREATE INDEX assignments_recipient ON assignments(recipient_id);"

    /* The outbox is read by a sender that is not part of this stage; its
     * partial index lets that sender find unsent mail without a scan. */
    "CREATE TABLE outbox ("
    "  id             INTEGER PRIMARY KEY,"
    "  exchange_id    TEXT NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
    "  participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,"
    "  email          TEXT NOT NULL,"
    "  kind           TEXT NOT NULL DEFAULT 'reminder',"
    "  queued_at      TEXT NOT NULL,"
    "  sent_at        TEXT"
    ");"
    "CREATE INDEX outbox_exchange ON outbox(exchange_id);"
    "CREATE INDEX outbox_participant ON outbox(participant_id);"
    "CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL;"

    "PRAGMA user_version = 1;";

/* Migration 2: the outbox becomes a job queue for santa-worker-02-sqlite
 * (worker_sqlite.c): attempts, when a job is next due, who holds it until
 * when (a lease, so a killed worker's jobs come back), the last error, a
 * dead-letter mark, and the enqueuing request's trace context. */
static const char migration_2[] =
    "ALTER TABLE outbox ADD COLUMN queued_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN traceparent TEXT;"
    "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN next_at_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
    "ALTER TABLE outbox ADD COLUMN last_error TEXT;"
    "ALTER TABLE outbox ADD COLUMN dead_at TEXT;"
    "DROP INDEX outbox_unsent;"
    "CREATE INDEX outbox_due ON outbox(next_at_ms, id) WHERE sent_at IS NULL AND dead_at IS NULL;"
    "PRAGMA user_version = 2;";

/* Migration 3: queueing 10,000 reminders (one INSERT ... SELECT) spent most
 * of its time on what a queue row does not need: a foreign-key check per
 * row and per key, each confirming what the SELECT had just read from
 * participants in the same transaction, and outbox_participant, a random
 * text key, so every batch wrote all over an index that grows with every
 * batch ever queued. SQLite cannot drop a foreign key, so the table is
 * rebuilt without them (the columns of migrations 1 and 2, in their order).
 * What they gave is kept another way: rows are only ever written from
 * participants, under the write lock; exchanges are never deleted; the
 * trigger removes a participant's rows with the participant, as the cascade
 * did, finding them through outbox_exchange. */
static const char migration_3[] =
    "CREATE TABLE outbox_new ("
    "  id             INTEGER PRIMARY KEY,"
    "  exchange_id    TEXT NOT NULL,"
    "  participant_id TEXT NOT NULL,"
    "  email          TEXT NOT NULL,"
    "  kind           TEXT NOT NULL DEFAULT 'reminder',"
    "  queued_at      TEXT NOT NULL,"
    "  sent_at        TEXT,"
    "  queued_ms      INTEGER NOT NULL DEFAULT 0,"
    "  traceparent    TEXT,"
    "  attempts       INTEGER NOT NULL DEFAULT 0,"
    "  next_at_ms     INTEGER NOT NULL DEFAULT 0,"
    "  lease_until_ms INTEGER NOT NULL DEFAULT 0,"
    "  claimed_by     TEXT,"
    "  last_error     TEXT,"
    "  dead_at        TEXT"
    ");"
    "INSERT INTO outbox_new SELECT id, exchange_id, participant_id, email, kind, queued_at,"
    " sent_at, queued_ms, traceparent, attempts, next_at_ms, lease_until_ms, claimed_by,"
    " last_error, dead_at FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    "CREATE INDEX outbox_exchange ON outbox(exchange_id);"
    "CREATE INDEX outbox_due ON outbox(next_at_ms, id) WHERE sent_at IS NULL AND dead_at IS NULL;"
    "CREATE TRIGGER participants_outbox AFTER DELETE ON participants BEGIN"
    "  DELETE FROM outbox WHERE exchange_id = OLD.exchange_id AND participant_id = OLD.id;"
    "END;"
    "PRAGMA user_version = 3;";

/* Migration 4: POST .../reminders records ONE row here ("remind every
 * participant of exchange X"), whatever the exchange's size: the request's
 * work no longer grows with the participants (10,000 outbox rows took
 * 21-64 ms of it). santa-worker-02-sqlite expands a batch into outbox rows,
 * one per participant present at that moment, in one BEGIN IMMEDIATE
 * transaction that also deletes the batch (store_sqlite_batch.h): the
 * oldest first, by id, the primary key, so no other index is needed for
 * that; exchange_id's index serves the foreign key. A worker killed in the
 * middle rolls all of it back: expansion happens exactly once.
 *  mails        participants when queued: the queue depth until expansion
 *  traceparent  the request's, copied to every outbox row (the mails' spans
 *               join the request's trace)
 *  queued_ms    the outbox rows' queued_ms and queued_at (its second):
 *               enqueue-to-sent still counts from the request */
static const char migration_4[] =
    "CREATE TABLE reminder_batches ("
    "  id          INTEGER PRIMARY KEY,"
    "  exchange_id TEXT NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
    "  mails       INTEGER NOT NULL CHECK (mails > 0),"
    "  traceparent TEXT,"
    "  queued_ms   INTEGER NOT NULL"
    ");"
    "CREATE INDEX reminder_batches_exchange ON reminder_batches(exchange_id);"
    "PRAGMA user_version = 4;";

static const char *const migrations[] = {
    migration_1,
    migration_2,
    migration_3,
    migration_4,
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

int sqlite_store_schema_version(void)
{
    return MIGRATION_COUNT;
}

static int read_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *version = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Inside the migration transaction: checks the version, applies what is
 * missing. */
static bool migrate_tx(sqlite3 *db, char *err, size_t errlen)
{
    int version = 0;
    if (read_user_version(db, &version) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
        return false;
    }
    if (version > MIGRATION_COUNT) {
        snprintf(err, errlen, "database schema version %d is newer than this program's (%d)",
                 version, MIGRATION_COUNT);
        return false;
    }
    for (int v = version + 1; v <= MIGRATION_COUNT; v++) {
        if (sqlite3_exec(db, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "schema migration %d failed: %s", v, sqlite3_errmsg(db));
            return false;
        }
    }
    return true;
}

enum santa_status sqlite_store_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
    /* IMMEDIATE: two processes opening a fresh database at once must not
     * both create the tables; the second waits, then sees the new version. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot start the migration transaction: %s", sqlite3_errmsg(db));
        return SANTA_UNAVAILABLE;
    }
    /* All pending migrations in one transaction: a failure leaves the
     * schema exactly as it was. */
    bool ok = migrate_tx(db, err, errlen);
    if (ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot commit the schema migration: %s", sqlite3_errmsg(db));
        ok = false;
    }
    if (!ok && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ok ? SANTA_OK : SANTA_UNAVAILABLE;
}
