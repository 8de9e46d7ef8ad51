/*
 * santa-worker-02-sqlite - sends the reminders stage 02 queued in its outbox
 * table (worker.h; the columns come from migration
 * 002_outbox_worker.sql).
 *
 * Claiming: BEGIN IMMEDIATE takes SQLite's one write lock at the start of
 * the transaction, so two workers (processes or threads) never read the same
 * due rows and both lease them: the second waits for the first's COMMIT
 * (busy timeout), then sees the leases. It is also the stage's limit: every
 * claim, done and retry is a write, and SQLite has one writer at a time,
 * shared with the web server's joins.
 *
 * POST .../reminders queues one batch row (migration 4); each claim first
 * expands the oldest batch into outbox rows (store_sqlite_batch.h), so a
 * worker is never idle while a batch waits. The single writer is also why
 * no worker skips a batch another holds (PostgreSQL's SKIP LOCKED): the
 * second waits for the lock, then finds the batch gone.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/worker.h"
#include "store_sqlite_batch.h"
#include "store_sqlite_conn.h"
#include "store_sqlite_schema.h"

/* This back end's options (config.h rows), owned by main(). */
struct sqlite_worker_options {
    char data_dir[SANTA_CONFIG_STR];
};

static const struct santa_option sqlite_opts[] = {
    {"data", "SANTA_DATA", SANTA_OPT_STRING, "santa-data", 0, 0, 0,
     offsetof(struct sqlite_worker_options, data_dir), "DIR",
     "stage 02's data folder (santa.db must exist: the server creates it)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

enum { Q_DUE, Q_LEASE, Q_DONE, Q_RETRY, Q_DEAD, Q_STATS, Q_COUNT };

static const char *const sql[Q_COUNT] = {
    [Q_DUE] = "SELECT o.id, o.exchange_id, o.participant_id, o.email, o.attempts, o.queued_ms,"
              " coalesce(o.traceparent, ''), e.name, coalesce(e.budget, ''), e.exchange_date,"
              " p.name"
              " FROM outbox AS o JOIN exchanges AS e ON e.id = o.exchange_id"
              " JOIN participants AS p ON p.id = o.participant_id"
              " WHERE o.sent_at IS NULL AND o.dead_at IS NULL AND o.next_at_ms <= ?1"
              " AND o.lease_until_ms <= ?1 ORDER BY o.next_at_ms, o.id LIMIT ?2",
    [Q_LEASE] = "UPDATE outbox SET lease_until_ms = ?2, claimed_by = ?3, attempts = attempts + 1"
                " WHERE id = ?1",
    [Q_DONE] = "UPDATE outbox SET sent_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
               " lease_until_ms = 0, last_error = NULL WHERE id = ?1",
    [Q_RETRY] = "UPDATE outbox SET next_at_ms = ?2, lease_until_ms = 0, last_error = ?3"
                " WHERE id = ?1",
    [Q_DEAD] = "UPDATE outbox SET dead_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
               " lease_until_ms = 0, last_error = ?3 WHERE id = ?1 AND ?2 >= 0",
    /* Unexpanded batches count with their mails (the store's REMINDERS_PENDING). */
    [Q_STATS] = "SELECT sum(n), coalesce(min(oldest), 0)"
                " FROM (SELECT count(*) AS n, min(queued_ms) AS oldest FROM outbox"
                " WHERE sent_at IS NULL AND dead_at IS NULL"
                " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_ms) FROM reminder_batches)",
};

struct sqlite_queue {
    struct santa_queue base;
    sqlite3 *db;
    sqlite3_stmt *st[Q_COUNT];
    const struct santa_worker_config *cfg;
};

static struct sqlite_queue *queue_of(struct santa_queue *q)
{
    return (struct sqlite_queue *)q;
}

static enum santa_status failed(struct sqlite_queue *q, const char *what)
{
    santa_log(SANTA_LOG_WARN, "worker sqlite: %s: %s", what, sqlite3_errmsg(q->db));
    if (!sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return SANTA_UNAVAILABLE;
}

static void col(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs,
                                     uint32_t max, uint32_t *n)
{
    struct sqlite_queue *q = queue_of(base);
    *n = 0;
    struct sqlite_batch b;
    if (sqlite_store_batch_expand(q->db, &b) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    int64_t now = santa_wall_ms();
    if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return failed(q, "begin claim");
    sqlite3_stmt *s = q->st[Q_DUE];
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, max);
    int rc;
    while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct santa_job *j = &jobs[*n];
        memset(j, 0, sizeof *j);
        snprintf(j->id, sizeof j->id, "%lld", (long long)sqlite3_column_int64(s, 0));
        col(s, 1, j->exchange_id, sizeof j->exchange_id);
        col(s, 2, j->participant_id, sizeof j->participant_id);
        col(s, 3, j->to_email, sizeof j->to_email);
        j->attempts = (uint32_t)sqlite3_column_int(s, 4) + 1;
        j->queued_ms = sqlite3_column_int64(s, 5);
        col(s, 6, j->traceparent, sizeof j->traceparent);
        col(s, 7, j->exchange_name, sizeof j->exchange_name);
        col(s, 8, j->budget, sizeof j->budget);
        col(s, 9, j->exchange_date, sizeof j->exchange_date);
        col(s, 10, j->to_name, sizeof j->to_name);
        /* The row id is the job's identity: a retry sends the same Message-ID. */
        snprintf(j->key, sizeof j->key, "reminder.%s.%s", j->id, j->exchange_id);
        (*n)++;
    }
    sqlite3_reset(s);
    sqlite3_stmt *l = q->st[Q_LEASE];
    for (uint32_t i = 0; i < *n; i++) {
        sqlite3_reset(l);
        sqlite3_bind_int64(l, 1, strtoll(jobs[i].id, NULL, 10));
        sqlite3_bind_int64(l, 2, now + q->cfg->lease_ms);
        sqlite3_bind_text(l, 3, q->cfg->name, -1, SQLITE_STATIC);
        if (sqlite3_step(l) != SQLITE_DONE) {
            sqlite3_reset(l);
            *n = 0;
            return failed(q, "lease");
        }
    }
    sqlite3_reset(l);
    if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        *n = 0;
        return failed(q, "commit claim");
    }
    return SANTA_OK;
}

/* One UPDATE of a job's row, in its own (autocommit) transaction. */
static enum santa_status update(struct sqlite_queue *q, int which, const struct santa_job *j,
                                int64_t at, const char *error)
{
    sqlite3_stmt *u = q->st[which];
    sqlite3_reset(u);
    sqlite3_bind_int64(u, 1, strtoll(j->id, NULL, 10));
    if (which != Q_DONE) {
        sqlite3_bind_int64(u, 2, at);
        sqlite3_bind_text(u, 3, error, -1, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(u);
    sqlite3_reset(u);
    return rc == SQLITE_DONE ? SANTA_OK : failed(q, "update job");
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    return update(queue_of(base), Q_DONE, j, 0, NULL);
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j,
                                    bool dead, uint32_t delay_ms, const char *error)
{
    return update(queue_of(base), dead ? Q_DEAD : Q_RETRY, j, santa_wall_ms() + delay_ms, error);
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    struct sqlite_queue *q = queue_of(base);
    sqlite3_stmt *s = q->st[Q_STATS];
    sqlite3_reset(s);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return failed(q, "stats");
    }
    *depth = (uint64_t)sqlite3_column_int64(s, 0);
    int64_t oldest = sqlite3_column_int64(s, 1), now = santa_wall_ms();
    *oldest_age_ms = *depth && oldest > 0 && oldest < now ? (uint64_t)(now - oldest) : 0;
    sqlite3_reset(s);
    return SANTA_OK;
}

static void queue_close(struct santa_queue *base)
{
    struct sqlite_queue *q = queue_of(base);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    sqlite3_close(q->db);
    santa_free(q);
}

static const struct santa_queue_ops sqlite_queue_ops = {
    .name = "sqlite",
    .claim = queue_claim,
    .done = queue_done,
    .fail = queue_fail,
    .stats = queue_stats,
    .close = queue_close,
};

static enum santa_status queue_open(const struct santa_worker_config *cfg,
                                    struct santa_queue **out, char *err, size_t errlen)
{
    *out = NULL;
    const struct sqlite_worker_options *o = cfg->backend;
    char path[SANTA_CONFIG_STR + 16];
    snprintf(path, sizeof path, "%s/santa.db", o->data_dir);
    struct sqlite_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &sqlite_queue_ops;
    q->cfg = cfg;
    /* The server creates and migrates the database; a worker that finds an
     * older schema brings it up to date (the same migrations, same lock). */
    enum santa_status st = sqlite_store_connect(path, false, &q->db, err, errlen);
    if (st == SANTA_OK)
        st = sqlite_store_schema_migrate(q->db, err, errlen);
    for (int i = 0; st == SANTA_OK && i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(q->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL) !=
            SQLITE_OK) {
            snprintf(err, errlen, "cannot prepare the worker's SQL: %s", sqlite3_errmsg(q->db));
            st = SANTA_UNAVAILABLE;
        }
    if (st != SANTA_OK) {
        queue_close(&q->base);
        return st;
    }
    *out = &q->base;
    return SANTA_OK;
}

int main(int argc, char **argv)
{
    struct sqlite_worker_options o = {{0}};
    return santa_worker_main(argc, argv, "santa-worker-02-sqlite", sqlite_opts, &o, queue_open);
}
