/*
 * store_sqlite_sql.h - every SQL statement the SQLite store runs, by name.
 *
 * Internal to stage 02 (the store and its tests). Keeping the text in one
 * table means each statement is prepared once per connection and cached, and
 * the tests can run EXPLAIN QUERY PLAN over every one of them to prove that
 * no lookup scans a table. The text is constant: values only ever reach
 * SQLite through sqlite3_bind_*, never by building SQL.
 */
#ifndef SANTA_STORE_SQLITE_SQL_H
#define SANTA_STORE_SQLITE_SQL_H

/* X(NAME, "sql") */
#define SQLITE_STORE_QUERIES(X)                                                                    \
    X(BEGIN_READ, "BEGIN")                                                                         \
    X(BEGIN_WRITE, "BEGIN IMMEDIATE")                                                              \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")                                                                        \
    X(SCHEMA_VERSION, "PRAGMA user_version")                                                       \
    X(EXCHANGE_INSERT,                                                                             \
      "INSERT INTO exchanges (id, name, budget, exchange_date, no_mutual, drawn, admin_hash,"      \
      " invite_hash) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)")                                      \
    X(EXCHANGE_GET,                                                                                \
      "SELECT name, budget, exchange_date, no_mutual, drawn, admin_hash, invite_hash,"             \
      " participant_count FROM exchanges WHERE id = ?1")                                           \
    X(EXCHANGE_STATE, "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = ?1")   \
    X(EXCHANGE_SET_DRAWN, "UPDATE exchanges SET drawn = ?2 WHERE id = ?1")                         \
    X(PRINCIPAL_FIND,                                                                              \
      "SELECT 1, id, NULL FROM exchanges WHERE admin_hash = ?1"                                    \
      " UNION ALL SELECT 2, exchange_id, id FROM participants WHERE token_hash = ?1 LIMIT 1")      \
    X(EMAIL_TAKEN, "SELECT 1 FROM participants WHERE exchange_id = ?1 AND email_key = ?2")         \
    X(PARTICIPANT_INSERT, "INSERT INTO participants"                                               \
                          " (id, exchange_id, name, email, email_key, wishlist, token_hash)"       \
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                  \
    X(PARTICIPANT_LIST,                                                                            \
      "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"             \
      " WHERE exchange_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")                                \
    X(PARTICIPANT_GET,                                                                             \
      "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"             \
      " WHERE id = ?2 AND exchange_id = ?1")                                                       \
    X(PARTICIPANT_EXISTS, "SELECT 1 FROM participants WHERE id = ?2 AND exchange_id = ?1")         \
    X(PARTICIPANT_DELETE, "DELETE FROM participants WHERE id = ?2 AND exchange_id = ?1")           \
    X(WISHLIST_SET, "UPDATE participants SET wishlist = ?3 WHERE id = ?2 AND exchange_id = ?1")    \
    X(EXCLUSION_INSERT, "INSERT OR IGNORE INTO exclusions (exchange_id, giver_id, receiver_id)"    \
                        " VALUES (?1, ?2, ?3)")                                                    \
    X(DRAW_PARTICIPANTS, "SELECT id, name FROM participants WHERE exchange_id = ?1 ORDER BY seq")  \
    X(DRAW_EXCLUSIONS, "SELECT giver_id, receiver_id FROM exclusions WHERE exchange_id = ?1")      \
    X(ASSIGNMENT_INSERT,                                                                           \
      "INSERT INTO assignments (exchange_id, giver_id, recipient_id) VALUES (?1, ?2, ?3)")         \
    X(ASSIGNMENTS_DELETE, "DELETE FROM assignments WHERE exchange_id = ?1")                        \
    /* The whole reveal in one statement and one snapshot: exchange (no row:                       \
     * not found), giver (NULL: not found), drawn, recipient. */                                   \
    X(ASSIGNMENT_REVEAL,                                                                           \
      "SELECT e.drawn, g.name, r.id, r.name, r.wishlist FROM exchanges AS e"                       \
      " LEFT JOIN participants AS g ON g.id = ?2 AND g.exchange_id = e.id"                         \
      " LEFT JOIN assignments AS a ON a.giver_id = g.id AND a.exchange_id = e.id"                  \
      " LEFT JOIN participants AS r ON r.id = a.recipient_id"                                      \
      " WHERE e.id = ?1")                                                                          \
    /* One row per POST .../reminders, whatever the exchange's size: the                           \
     * worker expands it into outbox rows (BATCH_*). */                                            \
    X(REMINDERS_QUEUE,                                                                             \
      "INSERT INTO reminder_batches (exchange_id, traceparent, mails, queued_ms)"                  \
      " VALUES (?1, ?2, ?3, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))")          \
    /* Mails in unexpanded batches count too: the depth is the same before                         \
     * and after a worker expands one. The outbox's count is on the partial                        \
     * index outbox_due: only the waiting rows. */                                                 \
    X(REMINDERS_PENDING,                                                                           \
      "SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL)"             \
      " + (SELECT coalesce(sum(mails), 0) FROM reminder_batches)")                                 \
    /* The worker's expansion of a batch (store_sqlite_batch.c), in one                            \
     * BEGIN IMMEDIATE: the oldest batch, deleted (ROLLBACK, or a dead                             \
     * worker's unfinished transaction, brings it back), then one outbox                           \
     * row per participant present, with the batch's traceparent and                               \
     * enqueue time. min(id) reads one entry of the primary key, as ORDER BY                       \
     * id LIMIT 1 would, but EXPLAIN calls it a SEARCH where the other is a                        \
     * SCAN (stage 03 needs the row form, for SKIP LOCKED). */                                     \
    X(BATCH_TAKE, "DELETE FROM reminder_batches WHERE id = (SELECT min(id) FROM reminder_batches)" \
                  " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_ms")           \
    X(BATCH_EXPAND,                                                                                \
      "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at,"      \
      " queued_ms) SELECT exchange_id, id, email, 'reminder', nullif(?2, ''),"                     \
      " strftime('%Y-%m-%dT%H:%M:%SZ', CAST(?3 AS INTEGER) / 1000, 'unixepoch'),"                  \
      " CAST(?3 AS INTEGER) FROM participants WHERE exchange_id = ?1 ORDER BY seq")                \
    /* santa-worker-02-sqlite's queue (store_sqlite_outbox.c). The due rows                        \
     * come in the order of the partial index outbox_due; attempts counts                          \
     * the claim being made. */                                                                    \
    X(OUTBOX_DUE,                                                                                  \
      "SELECT o.id, o.exchange_id, o.participant_id, o.email, o.attempts + 1, o.queued_ms,"        \
      " coalesce(o.traceparent, ''), e.name, coalesce(e.budget, ''), e.exchange_date, p.name"      \
      " FROM outbox AS o JOIN exchanges AS e ON e.id = o.exchange_id"                              \
      " JOIN participants AS p ON p.id = o.participant_id"                                         \
      " WHERE o.sent_at IS NULL AND o.dead_at IS NULL AND o.next_at_ms <= ?1"                      \
      " AND o.lease_until_ms <= ?1 ORDER BY o.next_at_ms, o.id LIMIT ?2")                          \
    X(OUTBOX_LEASE, "UPDATE outbox SET lease_until_ms = ?2, claimed_by = ?3,"                      \
                    " attempts = attempts + 1 WHERE id = ?1")                                      \
    X(OUTBOX_DONE, "UPDATE outbox SET sent_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"            \
                   " lease_until_ms = 0, last_error = NULL WHERE id = ?1")                         \
    X(OUTBOX_RETRY,                                                                                \
      "UPDATE outbox SET next_at_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"  \
      " + ?2, lease_until_ms = 0, last_error = ?3 WHERE id = ?1")                                  \
    X(OUTBOX_DEAD, "UPDATE outbox SET dead_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"            \
                   " lease_until_ms = 0, last_error = ?2 WHERE id = ?1")                           \
    /* The depth as REMINDERS_PENDING counts it, and the age in ms of the                          \
     * oldest mail waiting (0: none, or only rows from before queued_ms). */                       \
    X(OUTBOX_STATS,                                                                                \
      "SELECT sum(n), CASE WHEN min(oldest) > 0 THEN"                                              \
      " max(CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - min(oldest), 0)"          \
      " ELSE 0 END"                                                                                \
      " FROM (SELECT count(*) AS n, min(queued_ms) AS oldest FROM outbox"                          \
      " WHERE sent_at IS NULL AND dead_at IS NULL"                                                 \
      " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_ms) FROM reminder_batches)")

enum sqlite_store_query {
#define SQLITE_STORE_QUERY_ENUM(name, sql) SQLITE_Q_##name,
    SQLITE_STORE_QUERIES(SQLITE_STORE_QUERY_ENUM)
#undef SQLITE_STORE_QUERY_ENUM
        SQLITE_Q_COUNT
};

/* The text of each query, indexed by enum sqlite_store_query. */
extern const char *const sqlite_store_sql[SQLITE_Q_COUNT];
/* Its name ("EXCHANGE_GET"), for logs and test messages. */
extern const char *const sqlite_store_sql_name[SQLITE_Q_COUNT];

#endif /* SANTA_STORE_SQLITE_SQL_H */
