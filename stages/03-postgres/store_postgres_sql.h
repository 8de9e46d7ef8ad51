/*
 * store_postgres_sql.h - every SQL statement the PostgreSQL store runs, by name.
 *
 * Internal to stage 03 (the store and its tests). Each statement is prepared
 * once per connection under its name and then executed with
 * PQexecPrepared-style calls: values only ever travel as parameters, never
 * inside SQL text, so no input can change what a statement does.
 * X(NAME, parameter count, "sql")
 */
#ifndef SANTA_STORE_POSTGRES_SQL_H
#define SANTA_STORE_POSTGRES_SQL_H

#define POSTGRES_STORE_QUERIES(X)                                                                  \
    X(BEGIN, 0, "BEGIN")                                                                           \
    X(COMMIT, 0, "COMMIT")                                                                         \
    X(ROLLBACK, 0, "ROLLBACK")                                                                     \
    X(SCHEMA_VERSION, 0, "SELECT coalesce(max(version), 0) FROM schema_migrations")                \
    X(EXCHANGE_INSERT, 7,                                                                          \
      "INSERT INTO exchanges (id, name, budget, exchange_date, no_mutual, admin_hash,"             \
      " invite_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)")                                         \
    X(EXCHANGE_GET, 1,                                                                             \
      "SELECT name, budget, exchange_date, no_mutual, drawn, admin_hash, invite_hash,"             \
      " participant_count FROM exchanges WHERE id = $1")                                           \
    X(EXCHANGE_STATE, 1,                                                                           \
      "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = $1")                   \
    X(EXCHANGE_LOCK, 1,                                                                            \
      "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = $1 FOR UPDATE")        \
    X(EXCHANGE_SET_DRAWN, 2, "UPDATE exchanges SET drawn = $2 WHERE id = $1")                      \
    X(PRINCIPAL_FIND, 1,                                                                           \
      "SELECT 1, id, NULL FROM exchanges WHERE admin_hash = $1"                                    \
      " UNION ALL SELECT 2, exchange_id, id FROM participants WHERE token_hash = $1 LIMIT 1")      \
    /* After a lost connection: did our write commit? (ids are random and                          \
     * chosen before the write, so the row's id says whose it is.) */                              \
    X(EXCHANGE_OUTCOME, 2, "SELECT admin_hash = $2 FROM exchanges WHERE id = $1")                  \
    X(PARTICIPANT_OUTCOME, 3,                                                                      \
      "SELECT seq FROM participants WHERE id = $1 AND exchange_id = $2 AND token_hash = $3")       \
    X(EMAIL_TAKEN, 2, "SELECT 1 FROM participants WHERE exchange_id = $1 AND email_key = $2")      \
    X(PARTICIPANT_INSERT, 7,                                                                       \
      "INSERT INTO participants (id, exchange_id, name, email, email_key, wishlist, token_hash)"   \
      " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq")                                        \
    X(PARTICIPANT_LIST, 3,                                                                         \
      "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"             \
      " WHERE exchange_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")                                \
    X(PARTICIPANT_GET, 2,                                                                          \
      "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"             \
      " WHERE id = $2 AND exchange_id = $1")                                                       \
    X(PARTICIPANT_EXISTS, 2, "SELECT 1 FROM participants WHERE id = $2 AND exchange_id = $1")      \
    X(PARTICIPANT_DELETE, 2, "DELETE FROM participants WHERE id = $2 AND exchange_id = $1")        \
    X(WISHLIST_SET, 3, "UPDATE participants SET wishlist = $3 WHERE id = $2 AND exchange_id = $1") \
    X(EXCLUSION_INSERT, 3,                                                                         \
      "INSERT INTO exclusions (exchange_id, giver_id, receiver_id) VALUES ($1, $2, $3)"            \
      " ON CONFLICT DO NOTHING")                                                                   \
    X(DRAW_PARTICIPANTS, 1,                                                                        \
      "SELECT id, name FROM participants WHERE exchange_id = $1 ORDER BY seq")                     \
    X(DRAW_EXCLUSIONS, 1, "SELECT giver_id, receiver_id FROM exclusions WHERE exchange_id = $1")   \
    /* All pairs in one round trip: two parallel text arrays, unnested. */                         \
    X(ASSIGNMENTS_INSERT, 3,                                                                       \
      "INSERT INTO assignments (exchange_id, giver_id, recipient_id)"                              \
      " SELECT $1, g, r FROM unnest($2::text[], $3::text[]) AS t(g, r)")                           \
    X(ASSIGNMENTS_DELETE, 1, "DELETE FROM assignments WHERE exchange_id = $1")                     \
    /* The whole reveal in one round trip and one snapshot: exchange (no row:                      \
     * not found), giver (NULL: not found), drawn, recipient. */                                   \
    X(ASSIGNMENT_REVEAL, 2,                                                                        \
      "SELECT e.drawn, g.name, r.id, r.name, r.wishlist FROM exchanges AS e"                       \
      " LEFT JOIN participants AS g ON g.id = $2 AND g.exchange_id = e.id"                         \
      " LEFT JOIN assignments AS a ON a.giver_id = g.id AND a.exchange_id = e.id"                  \
      " LEFT JOIN participants AS r ON r.id = a.recipient_id"                                      \
      " WHERE e.id = $1")                                                                          \
    /* One row per POST .../reminders, whatever the exchange's size: the                           \
     * worker expands it into outbox rows (BATCH_*). */                                            \
    X(REMINDERS_QUEUE, 3,                                                                          \
      "INSERT INTO reminder_batches (exchange_id, traceparent, mails) VALUES ($1, $2, $3)")        \
    /* Mails in unexpanded batches count too: the depth is the same before                         \
     * and after a worker expands one. */                                                          \
    X(REMINDERS_PENDING, 0,                                                                        \
      "SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL)"             \
      " + (SELECT coalesce(sum(mails), 0) FROM reminder_batches)")                                 \
    /* The worker's expansion of a batch (store_postgres_batch.c), in one                          \
     * BEGIN ... COMMIT: the oldest batch nobody holds, deleted (the row                           \
     * lock lasts until COMMIT; ROLLBACK, or a dead worker's lost                                  \
     * connection, brings it back); the exchange FOR SHARE, which waits for                        \
     * a join or removal in progress (READ COMMITTED gives the next                                \
     * statement a snapshot taken after it); then one outbox row per                               \
     * participant present, with the batch's traceparent and enqueue time. */                      \
    X(BATCH_TAKE, 0,                                                                               \
      "DELETE FROM reminder_batches WHERE id = (SELECT id FROM reminder_batches"                   \
      " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"                                               \
      " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_at")                       \
    X(BATCH_LOCK, 1, "SELECT 1 FROM exchanges WHERE id = $1 FOR SHARE")                            \
    X(BATCH_EXPAND, 3,                                                                             \
      "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at)"      \
      " SELECT exchange_id, id, email, 'reminder', nullif($2, ''), $3::timestamptz"                \
      " FROM participants WHERE exchange_id = $1 ORDER BY seq")                                    \
    /* santa-worker-03-postgres's queue (store_postgres_outbox.c). One                             \
     * statement claims: the due rows, in the order of the partial index                           \
     * outbox_due, locked with SKIP LOCKED (a row another claim holds is                           \
     * skipped, not waited for) and leased in the same UPDATE; attempts counts                     \
     * the claim being made. */                                                                    \
    X(OUTBOX_CLAIM, 3,                                                                             \
      "WITH due AS ("                                                                              \
      " SELECT id FROM outbox"                                                                     \
      " WHERE sent_at IS NULL AND dead_at IS NULL AND next_at <= now()"                            \
      " AND (lease_until IS NULL OR lease_until <= now())"                                         \
      " ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"                                     \
      " UPDATE outbox AS o SET lease_until = now() + $3 * interval '1 millisecond',"               \
      " claimed_by = $1, attempts = o.attempts + 1"                                                \
      " FROM due, exchanges AS e, participants AS p"                                               \
      " WHERE o.id = due.id AND e.id = o.exchange_id AND p.id = o.participant_id"                  \
      " RETURNING o.id, o.exchange_id, o.participant_id, o.email, o.attempts,"                     \
      " (extract(epoch FROM o.queued_at) * 1000)::bigint, coalesce(o.traceparent, ''),"            \
      " e.name, coalesce(e.budget, ''), e.exchange_date, p.name")                                  \
    X(OUTBOX_DONE, 1,                                                                              \
      "UPDATE outbox SET sent_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1")    \
    X(OUTBOX_RETRY, 3,                                                                             \
      "UPDATE outbox SET next_at = now() + $2 * interval '1 millisecond', lease_until = NULL,"     \
      " last_error = $3 WHERE id = $1")                                                            \
    X(OUTBOX_DEAD, 2,                                                                              \
      "UPDATE outbox SET dead_at = now(), lease_until = NULL, last_error = $2 WHERE id = $1")      \
    /* The depth as REMINDERS_PENDING counts it, and the age in ms of the                          \
     * oldest mail waiting (0: none). */                                                           \
    X(OUTBOX_STATS, 0,                                                                             \
      "SELECT sum(n), greatest(coalesce("                                                          \
      "(extract(epoch FROM now() - min(oldest)) * 1000)::bigint, 0), 0)"                           \
      " FROM (SELECT count(*) AS n, min(queued_at) AS oldest FROM outbox"                          \
      " WHERE sent_at IS NULL AND dead_at IS NULL"                                                 \
      " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_at) FROM reminder_batches) AS q")

enum postgres_store_query {
#define POSTGRES_STORE_QUERY_ENUM(name, n, sql) POSTGRES_Q_##name,
    POSTGRES_STORE_QUERIES(POSTGRES_STORE_QUERY_ENUM)
#undef POSTGRES_STORE_QUERY_ENUM
        POSTGRES_Q_COUNT
};

/* The text of each query, indexed by enum postgres_store_query. */
extern const char *const postgres_store_sql[POSTGRES_Q_COUNT];
/* Its name ("EXCHANGE_GET"): the prepared statement's name, and for logs. */
extern const char *const postgres_store_sql_name[POSTGRES_Q_COUNT];
/* How many $n parameters it takes. */
extern const int postgres_store_sql_params[POSTGRES_Q_COUNT];

#endif /* SANTA_STORE_POSTGRES_SQL_H */
