/*
 * store_sqlite_sql.c - SQLite's dialect: the text of each statement of
 * sql_store_query.h that SQLite says its own way, by name. The others are
 * plain SQL both databases read alike, written once in sql_store_query.c.
 *
 * Each statement is prepared once per connection and cached
 * (store_sqlite_conn.c), and the tests run EXPLAIN QUERY PLAN over every
 * statement the store runs, to prove that no lookup scans a table. Values
 * only ever reach SQLite through sqlite3_bind_*, never by building SQL, as
 * $1, $2, ... in the order of sql_store_query.h: PostgreSQL's spelling,
 * which SQLite takes as named parameters (store_sqlite_conn.c binds them by
 * name), so a statement both say alike is one text for both.
 *
 * What SQLite says differently from PostgreSQL
 * (stages/03-postgres/store_postgres_sql.c): BEGIN IMMEDIATE takes the one
 * write lock, so EXCHANGE_LOCK and BATCH_LOCK lock nothing more; there is no
 * SKIP LOCKED (the claim waits for the lock instead); time is milliseconds
 * since the epoch in integer columns (NOW_MS); booleans are 0 and 1.
 */
#include "store_sqlite_sql.h"

/* The time now, in ms since the epoch. SQLite's 'now' is one value for a
 * whole statement, so every use in one statement agrees. */
#define NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

/* The updated row's exchange id, in RETURNING. There the row's columns
 * carry no type affinity, and without the CAST SQLite would not use the
 * exchanges index to match them: a full scan per claimed row (58 ms a
 * claim over 200,000 exchanges, against 1 ms with it). */
#define EXCHANGE_OF_ROW "CAST(outbox.exchange_id AS TEXT)"

const char *const sqlite_store_sql[SQL_Q_COUNT] = {
    [SQL_Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [SQL_Q_SCHEMA_VERSION] = "PRAGMA user_version",
    [SQL_Q_EXCHANGE_INSERT] =
        "INSERT INTO exchanges (id, name, budget, exchange_date, no_mutual, drawn, admin_hash,"
        " invite_hash) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    /* No row lock to ask for: a write transaction's BEGIN IMMEDIATE already
     * holds the database's one write lock, so nothing can change the row
     * before COMMIT. */
    [SQL_Q_EXCHANGE_LOCK] =
        "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = $1",
    [SQL_Q_EXCLUSION_INSERT] =
        "INSERT OR IGNORE INTO exclusions (exchange_id, giver_id, receiver_id)"
        " VALUES ($1, $2, $3)",
    /* All pairs in one statement, from one JSON array of [giver, recipient]. */
    [SQL_Q_ASSIGNMENTS_INSERT] =
        "INSERT INTO assignments (exchange_id, giver_id, recipient_id)"
        " SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($2)",
    /* One row per POST .../reminders, whatever the exchange's size: the
     * worker expands it into outbox rows (BATCH_*). */
    [SQL_Q_REMINDERS_QUEUE] =
        "INSERT INTO reminder_batches (exchange_id, traceparent, mails, queued_ms)"
        " VALUES ($1, $2, $3, " NOW_MS ")",
    /* The worker's expansion of a batch (sql_store_batch.c), in one
     * BEGIN IMMEDIATE: the oldest batch, deleted (ROLLBACK, or a dead
     * worker's unfinished transaction, brings it back), then one outbox
     * row per participant present, with the batch's traceparent and
     * enqueue time. min(id) reads one entry of the primary key, as ORDER BY
     * id LIMIT 1 would, but EXPLAIN calls it a SEARCH where the other is a
     * SCAN (stage 03 needs the row form, for SKIP LOCKED). */
    [SQL_Q_BATCH_TAKE] =
        "DELETE FROM reminder_batches WHERE id = (SELECT min(id) FROM reminder_batches)"
        " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_ms",
    /* Nothing to lock: BEGIN IMMEDIATE holds the write lock, so no join or
     * removal commits before the INSERT; the exchange is read, no more. */
    [SQL_Q_BATCH_LOCK] = "SELECT 1 FROM exchanges WHERE id = $1",
    [SQL_Q_BATCH_EXPAND] =
        "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at,"
        " queued_ms) SELECT exchange_id, id, email, 'reminder', nullif($2, ''),"
        " strftime('%Y-%m-%dT%H:%M:%SZ', CAST($3 AS INTEGER) / 1000, 'unixepoch'),"
        " CAST($3 AS INTEGER) FROM participants WHERE exchange_id = $1 ORDER BY seq",
    /* santa-worker-02-sqlite's queue (sql_store_outbox.c). One UPDATE picks
     * the due rows in the order of the partial index outbox_due and leases
     * them; RETURNING hands them back (attempts counts this claim). SQLite
     * cannot join in RETURNING, hence the subqueries. */
    [SQL_Q_OUTBOX_CLAIM] =
        "UPDATE outbox SET lease_until_ms = " NOW_MS
        " + $3, claimed_by = $1, attempts = attempts + 1"
        " WHERE id IN (SELECT o.id FROM outbox AS o"
        " JOIN exchanges AS e ON e.id = o.exchange_id JOIN participants AS p ON p.id = "
        "o.participant_id"
        " WHERE o.sent_at IS NULL AND o.dead_at IS NULL AND o.next_at_ms <= " NOW_MS
        " AND o.lease_until_ms <= " NOW_MS " ORDER BY o.next_at_ms, o.id LIMIT $2)"
        " RETURNING id, exchange_id, participant_id, email, attempts, queued_ms,"
        " coalesce(traceparent, ''),"
        " (SELECT e.name FROM exchanges AS e WHERE e.id = " EXCHANGE_OF_ROW "),"
        " (SELECT coalesce(e.budget, '') FROM exchanges AS e WHERE e.id = " EXCHANGE_OF_ROW "),"
        " (SELECT e.exchange_date FROM exchanges AS e WHERE e.id = " EXCHANGE_OF_ROW "),"
        " (SELECT p.name FROM participants AS p"
        " WHERE p.id = CAST(outbox.participant_id AS TEXT))",
    [SQL_Q_OUTBOX_DONE] = "UPDATE outbox SET sent_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
                          " lease_until_ms = 0, last_error = NULL WHERE id = $1",
    [SQL_Q_OUTBOX_RETRY] = "UPDATE outbox SET next_at_ms = " NOW_MS
                           " + $2, lease_until_ms = 0, last_error = $3 WHERE id = $1",
    [SQL_Q_OUTBOX_DEAD] = "UPDATE outbox SET dead_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
                          " lease_until_ms = 0, last_error = $2 WHERE id = $1",
    /* The depth as REMINDERS_PENDING counts it, and the age in ms of the
     * oldest mail waiting (0: none, or only rows from before queued_ms). */
    [SQL_Q_OUTBOX_STATS] =
        "SELECT sum(n), CASE WHEN min(oldest) > 0 THEN"
        " max(" NOW_MS " - min(oldest), 0)"
        " ELSE 0 END"
        " FROM (SELECT count(*) AS n, min(queued_ms) AS oldest FROM outbox"
        " WHERE sent_at IS NULL AND dead_at IS NULL"
        " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_ms) FROM reminder_batches)",
};
