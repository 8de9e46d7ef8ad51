/*
 * santa-worker-03-postgres - sends the reminders stage 03 queued in its
 * outbox table (worker.h; the columns come from migration
 * 002_outbox_worker.sql).
 *
 * Claiming is one statement: the due rows are picked with FOR UPDATE SKIP
 * LOCKED and leased in the same UPDATE, so workers never wait for each
 * other (a row another claim has locked is skipped, not waited for) and
 * never take the same row; done, retry and dead-letter are one UPDATE each.
 * Unlike SQLite, claims of several workers run side by side.
 *
 * POST .../reminders queues one batch row (migration 004); each claim first
 * expands the oldest batch nobody holds into outbox rows
 * (store_postgres_batch.h), so a worker is never idle while a batch waits.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/worker.h"
#include "store_postgres.h"
#include "store_postgres_batch.h"
#include "store_postgres_conn.h"

/* This back end's options (config.h rows), owned by main(). */
struct postgres_worker_options {
    char conninfo[SANTA_CONFIG_STR];
};

static const struct santa_option postgres_opts[] = {
    {"pg", "SANTA_PG", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct postgres_worker_options, conninfo), "CONNINFO",
     "PostgreSQL connection (libpq conninfo or postgresql:// URI); empty: PGHOST, PGPORT, ..."},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

static const char sql_claim[] =
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
    " e.name, coalesce(e.budget, ''), e.exchange_date, p.name";
static const char sql_done[] =
    "UPDATE outbox SET sent_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1";
static const char sql_retry[] =
    "UPDATE outbox SET next_at = now() + $2 * interval '1 millisecond', lease_until = NULL,"
    " last_error = $3 WHERE id = $1";
static const char sql_dead[] =
    "UPDATE outbox SET dead_at = now(), lease_until = NULL, last_error = $3"
    " WHERE id = $1 AND $2::bigint >= 0";
/* Unexpanded batches count with their mails (the store's REMINDERS_PENDING). */
static const char sql_stats[] =
    "SELECT sum(n), coalesce((extract(epoch FROM now() - min(oldest)) * 1000)::bigint, 0)"
    " FROM (SELECT count(*) AS n, min(queued_at) AS oldest FROM outbox"
    " WHERE sent_at IS NULL AND dead_at IS NULL"
    " UNION ALL SELECT coalesce(sum(mails), 0), min(queued_at) FROM reminder_batches) AS q";

struct postgres_queue {
    struct santa_queue base;
    PGconn *pg;
    const struct santa_worker_config *cfg;
};

static struct postgres_queue *queue_of(struct santa_queue *q)
{
    return (struct postgres_queue *)q;
}

/* Runs sql; on a lost connection reconnects once for the next call. */
static PGresult *run(struct postgres_queue *q, const char *sql, int n, const char *const *v)
{
    if (PQstatus(q->pg) != CONNECTION_OK)
        PQreset(q->pg);
    PGresult *r = PQexecParams(q->pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        santa_log(SANTA_LOG_WARN, "worker postgres: %s", PQerrorMessage(q->pg));
        PQclear(r);
        return NULL;
    }
    return r;
}

static void col(PGresult *r, int row, int c, char *out, size_t cap)
{
    snprintf(out, cap, "%s", PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c));
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs,
                                     uint32_t max, uint32_t *n)
{
    struct postgres_queue *q = queue_of(base);
    *n = 0;
    struct postgres_batch b;
    if (postgres_store_batch_expand(q->pg, &b) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    char lim[16], lease[16];
    snprintf(lim, sizeof lim, "%u", max);
    snprintf(lease, sizeof lease, "%u", q->cfg->lease_ms);
    const char *v[] = {q->cfg->name, lim, lease};
    PGresult *r = run(q, sql_claim, 3, v);
    if (!r)
        return SANTA_UNAVAILABLE;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && (uint32_t)i < max; i++) {
        struct santa_job *j = &jobs[i];
        memset(j, 0, sizeof *j);
        col(r, i, 0, j->id, sizeof j->id);
        col(r, i, 1, j->exchange_id, sizeof j->exchange_id);
        col(r, i, 2, j->participant_id, sizeof j->participant_id);
        col(r, i, 3, j->to_email, sizeof j->to_email);
        j->attempts = (uint32_t)strtoul(PQgetvalue(r, i, 4), NULL, 10);
        j->queued_ms = strtoll(PQgetvalue(r, i, 5), NULL, 10);
        col(r, i, 6, j->traceparent, sizeof j->traceparent);
        col(r, i, 7, j->exchange_name, sizeof j->exchange_name);
        col(r, i, 8, j->budget, sizeof j->budget);
        col(r, i, 9, j->exchange_date, sizeof j->exchange_date);
        col(r, i, 10, j->to_name, sizeof j->to_name);
        /* The row id is the job's identity: a retry sends the same Message-ID. */
        snprintf(j->key, sizeof j->key, "reminder.%s.%s", j->id, j->exchange_id);
        (*n)++;
    }
    PQclear(r);
    return SANTA_OK;
}

static enum santa_status update(struct postgres_queue *q, const char *sql, int n,
                                const char *const *v)
{
    PGresult *r = run(q, sql, n, v);
    PQclear(r);
    return r ? SANTA_OK : SANTA_UNAVAILABLE;
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    const char *v[] = {j->id};
    return update(queue_of(base), sql_done, 1, v);
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j,
                                    bool dead, uint32_t delay_ms, const char *error)
{
    char delay[16];
    snprintf(delay, sizeof delay, "%u", delay_ms);
    const char *v[] = {j->id, delay, error};
    return update(queue_of(base), dead ? sql_dead : sql_retry, 3, v);
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    PGresult *r = run(queue_of(base), sql_stats, 0, NULL);
    if (!r)
        return SANTA_UNAVAILABLE;
    *depth = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    long long age = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    *oldest_age_ms = age > 0 ? (uint64_t)age : 0;
    PQclear(r);
    return SANTA_OK;
}

static void queue_close(struct santa_queue *base)
{
    struct postgres_queue *q = queue_of(base);
    PQfinish(q->pg);
    santa_free(q);
}

static const struct santa_queue_ops postgres_queue_ops = {
    .name = "postgres",
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
    /* The same migrations as the server, so a worker started first (or
     * alone) finds the outbox columns it needs. */
    const char *conninfo = ((const struct postgres_worker_options *)cfg->backend)->conninfo;
    int applied = 0;
    struct postgres_store_options so = {.conninfo = conninfo};
    enum santa_status st = postgres_store_migrate(&so, &applied, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct postgres_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &postgres_queue_ops;
    q->cfg = cfg;
    st = postgres_store_connect(conninfo, 10000, &q->pg, err, errlen);
    if (st != SANTA_OK) {
        santa_free(q);
        return st;
    }
    *out = &q->base;
    return SANTA_OK;
}

int main(int argc, char **argv)
{
    struct postgres_worker_options o = {{0}};
    return santa_worker_main(argc, argv, "santa-worker-03-postgres", postgres_opts, &o,
                             queue_open);
}
