/*
 * worker_store.c - a queue (worker.h) whose operations are a store's own:
 * stages 02 and 03 keep their outbox operations in the store, next to the
 * statements and transactions they use, and their worker programs only
 * open the store and name those operations. This file turns them into the
 * queue interface once, so the two workers hold no copy of it.
 */
#include <stdio.h>

#include "santa/alloc.h"
#include "santa/store.h"
#include "santa/worker.h"

struct store_queue {
    struct santa_queue base;
    struct santa_queue_ops table; /* store_queue_ops under the back end's name */
    const struct santa_store_queue_ops *ops;
    struct santa_store *store; /* owned */
    const struct santa_worker_config *cfg;
};

static struct store_queue *queue_of(struct santa_queue *q)
{
    return (struct store_queue *)q;
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs, uint32_t max,
                                     uint32_t *n)
{
    struct store_queue *q = queue_of(base);
    return q->ops->claim(q->store, q->cfg->name, q->cfg->lease_ms, jobs, max, n);
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    struct store_queue *q = queue_of(base);
    return q->ops->done(q->store, j);
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j, bool dead,
                                    uint32_t delay_ms, const char *error)
{
    struct store_queue *q = queue_of(base);
    return q->ops->fail(q->store, j, dead, delay_ms, error);
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    struct store_queue *q = queue_of(base);
    return q->ops->stats(q->store, depth, oldest_age_ms);
}

static void queue_close(struct santa_queue *base)
{
    struct store_queue *q = queue_of(base);
    santa_store_close(q->store);
    santa_free(q);
}

/* The queue interface is the same whatever the store; each queue copies
 * it to carry its back end's name (ops->name). */
static const struct santa_queue_ops store_queue_ops = {
    .name = NULL,
    .claim = queue_claim,
    .done = queue_done,
    .fail = queue_fail,
    .stats = queue_stats,
    .close = queue_close,
};

enum santa_status santa_store_queue_new(const struct santa_store_queue_ops *ops,
                                        struct santa_store *store,
                                        const struct santa_worker_config *cfg,
                                        struct santa_queue **out, char *err, size_t errlen)
{
    *out = NULL;
    struct store_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        santa_store_close(store);
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->table = store_queue_ops;
    q->table.name = ops->name;
    q->base.ops = &q->table;
    q->ops = ops;
    q->store = store;
    q->cfg = cfg;
    *out = &q->base;
    return SANTA_OK;
}
