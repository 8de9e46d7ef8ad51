/*
 * santa-worker-03-postgres - sends the reminders stage 03 queued in its
 * outbox table (worker.h).
 *
 * The queue is the store itself: each queue instance (one per worker
 * thread) opens stage 03's store on the server's database, as the server
 * does (migrations included, so a worker started first finds the columns
 * it needs), and its operations are the store's outbox operations
 * (store_postgres_outbox.h: how a claim works, and why it is durable once
 * answered).
 */
#include <stddef.h>
#include <stdio.h>

#include "santa/alloc.h"
#include "santa/worker.h"
#include "store_postgres.h"
#include "store_postgres_outbox.h"

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

struct postgres_queue {
    struct santa_queue base;
    struct santa_store *store;
    const struct santa_worker_config *cfg;
};

static struct postgres_queue *queue_of(struct santa_queue *q)
{
    return (struct postgres_queue *)q;
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs, uint32_t max,
                                     uint32_t *n)
{
    struct postgres_queue *q = queue_of(base);
    return postgres_store_outbox_claim(q->store, q->cfg->name, q->cfg->lease_ms, jobs, max, n);
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    return postgres_store_outbox_done(queue_of(base)->store, j);
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j, bool dead,
                                    uint32_t delay_ms, const char *error)
{
    return postgres_store_outbox_fail(queue_of(base)->store, j, dead, delay_ms, error);
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    return postgres_store_outbox_stats(queue_of(base)->store, depth, oldest_age_ms);
}

static void queue_close(struct santa_queue *base)
{
    struct postgres_queue *q = queue_of(base);
    santa_store_close(q->store);
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

static enum santa_status queue_open(const struct santa_worker_config *cfg, struct santa_queue **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    const struct postgres_worker_options *o = cfg->backend;
    /* statement_timeout 10 s, not the server's 2 s: no client waits on a
     * worker, and one batch's expansion is one INSERT of up to a full
     * exchange's rows. */
    struct postgres_store_options so = {.conninfo = o->conninfo, .statement_timeout_ms = 10000};
    struct postgres_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &postgres_queue_ops;
    q->cfg = cfg;
    enum santa_status st = postgres_store_open(&so, &q->store, err, errlen);
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
    return santa_worker_main(argc, argv, "santa-worker-03-postgres", postgres_opts, &o, queue_open);
}
