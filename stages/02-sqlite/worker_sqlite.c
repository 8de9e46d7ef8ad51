/*
 * santa-worker-02-sqlite - sends the reminders stage 02 queued in its outbox
 * table (worker.h).
 *
 * The queue is the store itself: each queue instance (one per worker
 * thread) opens stage 02's store on the server's database, as the server
 * does (migrations included, so a worker finds the columns it needs), and
 * its operations are the store's outbox operations (store_sqlite_outbox.h:
 * how a claim works, and why it is durable once answered).
 */
#include <stddef.h>
#include <stdio.h>

#include "santa/alloc.h"
#include "santa/worker.h"
#include "store_sqlite.h"
#include "store_sqlite_outbox.h"

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

struct sqlite_queue {
    struct santa_queue base;
    struct santa_store *store;
    const struct santa_worker_config *cfg;
};

static struct sqlite_queue *queue_of(struct santa_queue *q)
{
    return (struct sqlite_queue *)q;
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs, uint32_t max,
                                     uint32_t *n)
{
    struct sqlite_queue *q = queue_of(base);
    return sqlite_store_outbox_claim(q->store, q->cfg->name, q->cfg->lease_ms, jobs, max, n);
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    return sqlite_store_outbox_done(queue_of(base)->store, j);
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j, bool dead,
                                    uint32_t delay_ms, const char *error)
{
    return sqlite_store_outbox_fail(queue_of(base)->store, j, dead, delay_ms, error);
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    return sqlite_store_outbox_stats(queue_of(base)->store, depth, oldest_age_ms);
}

static void queue_close(struct santa_queue *base)
{
    struct sqlite_queue *q = queue_of(base);
    santa_store_close(q->store);
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

static enum santa_status queue_open(const struct santa_worker_config *cfg, struct santa_queue **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    const struct sqlite_worker_options *o = cfg->backend;
    /* existing: the server creates the database; a worker never does. */
    struct sqlite_store_options so = {.data_dir = o->data_dir, .existing = true};
    struct sqlite_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &sqlite_queue_ops;
    q->cfg = cfg;
    enum santa_status st = sqlite_store_open(&so, &q->store, err, errlen);
    if (st != SANTA_OK) {
        santa_free(q);
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
