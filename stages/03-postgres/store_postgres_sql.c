/*
 * store_postgres_sql.c - PostgreSQL's dialect: the text of each statement
 * of sql_store_query.h that PostgreSQL says its own way, by name. The others
 * are plain SQL both databases read alike, written once in stage 02's
 * sql_store_query.c.
 *
 * Each statement is prepared once per connection under its name and then
 * run with PQsendQueryPrepared (store_postgres_conn.c): values only ever
 * travel as parameters ($1, $2, ... in the order of sql_store_query.h),
 * never inside SQL text, so no input can change what a statement does.
 * Transactions run at READ COMMITTED, reads and writes alike: a write takes
 * its row lock first (EXCHANGE_LOCK), a read of several statements is short.
 *
 * What PostgreSQL says differently from SQLite
 * (stages/02-sqlite/store_sqlite_sql.c): writers lock rows, not the
 * database (EXCHANGE_LOCK's FOR UPDATE, BATCH_LOCK's FOR SHARE); claims
 * skip what another worker holds (SKIP LOCKED); RETURNING and now() save
 * round trips; time is timestamptz, booleans are booleans.
 */
#include "store_postgres_sql.h"

const char *const postgres_store_sql[SQL_Q_COUNT] = {
    [SQL_Q_BEGIN_WRITE] = "BEGIN",
    [SQL_Q_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [SQL_Q_EXCHANGE_INSERT] =
        "INSERT INTO exchanges (id, name, budget, exchange_date, no_mutual, admin_hash,"
        " invite_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [SQL_Q_EXCHANGE_LOCK] =
        "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = $1 FOR UPDATE",
    [SQL_Q_EXCLUSION_INSERT] =
        "INSERT INTO exclusions (exchange_id, giver_id, receiver_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
    /* All pairs in one round trip, from one JSON array of [giver, recipient]. */
    [SQL_Q_ASSIGNMENTS_INSERT] =
        "INSERT INTO assignments (exchange_id, giver_id, recipient_id)"
        " SELECT $1, pair->>0, pair->>1 FROM jsonb_array_elements($2::jsonb) AS t(pair)",
    /* One row per POST .../reminders, whatever the exchange's size: the
     * worker expands it into outbox rows (BATCH_*). */
    [SQL_Q_REMINDERS_QUEUE] =
        "INSERT INTO reminder_batches (exchange_id, traceparent, mails) VALUES ($1, $2, $3)",
    /* The worker's expansion of a batch (sql_store_batch.c), in one BEGIN
     * ... COMMIT: the oldest batch nobody holds, deleted (the row
     * lock lasts until COMMIT; ROLLBACK, or a dead worker's lost
     * connection, brings it back); the exchange FOR SHARE, which waits for
     * a join or removal in progress (READ COMMITTED gives the next
     * statement a snapshot taken after it); then one outbox row per
     * participant present, with the batch's traceparent and enqueue time. */
    [SQL_Q_BATCH_TAKE] = "DELETE FROM reminder_batches WHERE id = (SELECT id FROM reminder_batches"
                         " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                         " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_at",
    [SQL_Q_BATCH_LOCK] = "SELECT 1 FROM exchanges WHERE id = $1 FOR SHARE",
    [SQL_Q_BATCH_EXPAND] =
        "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at)"
        " SELECT exchange_id, id, email, 'reminder', nullif($2, ''), $3::timestamptz"
        " FROM participants WHERE exchange_id = $1 ORDER BY seq",
    /* santa-worker-03-postgres's queue (sql_store_outbox.c). One statement
     * claims: the due rows, in the order of the partial index
     * outbox_due, locked with SKIP LOCKED (a row another claim holds is
     * skipped, not waited for) and leased in the same UPDATE; attempts counts
     * the claim being made. */
    [SQL_Q_OUTBOX_CLAIM] =
        "WITH due AS ("
        " SELECT id FROM outbox"
        " WHERE sent_at IS NULL AND dead_at IS NULL AND next_at <= now()"
        " AND (lease_until IS NULL OR lease_until <= now())"
        " ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " UPDATE outbox AS o SET lease_until = now() + $3 * interval '1 millisecond',"
        " claimed_by = $1, attempts = o.attempts + 1"
        " FROM due, exchanges AS e, participants AS p"
        " WHERE o.id = due.id AND e.id = o.exchange_id AND p.id = o.participant_id"
        " RETURNING o.id, o.exchange_id, o.participant_id, o.email, o.attempts,"
        " (extract(epoch FROM o.queued_at) * 1000)::bigint, coalesce(o.traceparent, ''),"
        " e.name, coalesce(e.budget, ''), e.exchange_date, p.name",
    [SQL_Q_OUTBOX_DONE] =
        "UPDATE outbox SET sent_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1",
    [SQL_Q_OUTBOX_RETRY] =
        "UPDATE outbox SET next_at = now() + $2 * interval '1 millisecond', lease_until = NULL,"
        " last_error = $3 WHERE id = $1",
    [SQL_Q_OUTBOX_DEAD] =
        "UPDATE outbox SET dead_at = now(), lease_until = NULL, last_error = $2 WHERE id = $1",
    /* The depth as REMINDERS_PENDING counts it, and the age in ms of the
     * oldest mail waiting (0: none). */
    [SQL_Q_OUTBOX_STATS] =
        "SELECT sum(n), greatest(coalesce("
        "(extract(epoch FROM now() - min(oldest)) * 1000)::bigint, 0), 0)"
        " FROM (SELECT count(*) AS n, min(queued_at) AS oldest FROM outbox"
        " WHERE sent_at IS NULL AND dead_at IS NULL"
        " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_at) FROM reminder_batches) AS q",
};
