/*
 * store_queue.c - a store that sends POST .../reminders into the Redis
 * stream (store_queue.h) and forwards everything else to the store it wraps
 * (santa/store_wrap.h does the forwarding: this file has only close,
 * reminders_queue and reminders_pending).
 *
 * reminders_queue reads the exchange from the inner store (its
 * participant_count is the answer's `queued`) and adds ONE batch entry to
 * the stream: a worker expands it into one job per participant
 * (queue_redis.h), so the request costs the same for 3 participants or
 * 10,000. Redis down: 503 and nothing queued (the client may retry). The
 * enqueue connection is one, behind a mutex: reminders are rare, and a pool
 * would be idle.
 */
#include "store_queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "instrument/trace.h"
#include "queue_redis.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/store_wrap.h"
#include "santa/token.h"
#include "santa/worker.h"

struct queue_store {
    struct santa_store_wrap w; /* first, so a santa_store * casts back */
    pthread_mutex_t lock;
    struct santa_queue *q;
};

static struct queue_store *queue_cast(struct santa_store *s)
{
    return (struct queue_store *)s;
}

/* ---- the operations it changes, in the order of struct santa_store_ops ---- */

/* After the inner store closed (santa/store_wrap.h). */
static void store_close(struct santa_store *s)
{
    struct queue_store *qs = queue_cast(s);
    if (qs->q)
        qs->q->ops->close(qs->q);
    pthread_mutex_destroy(&qs->lock);
    santa_free(qs);
}

/* The batch: the exchange's part of every job, the batch id as its key
 * (each mail's key adds the participant's id), the request's trace. */
static void batch_template(struct santa_job *j, const struct santa_exchange *ex, const char *batch)
{
    memset(j, 0, sizeof *j);
    snprintf(j->key, sizeof j->key, "%s", batch);
    snprintf(j->exchange_id, sizeof j->exchange_id, "%s", ex->id);
    snprintf(j->exchange_name, sizeof j->exchange_name, "%s", ex->name);
    snprintf(j->budget, sizeof j->budget, "%s", ex->budget ? ex->budget : "");
    snprintf(j->exchange_date, sizeof j->exchange_date, "%s", ex->exchange_date);
    inst_trace_current_traceparent(j->traceparent);
    j->queued_ms = santa_wall_ms();
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct queue_store *qs = queue_cast(s);
    *queued = 0;
    struct santa_arena xa;
    santa_arena_init(&xa, 1u << 20);
    struct santa_exchange ex;
    char batch[SANTA_ID_LEN + 1];
    enum santa_status st = qs->w.inner->ops->exchange_get(qs->w.inner, exchange_id, &xa, &ex);
    if (st == SANTA_OK)
        st = santa_id_new(batch);
    /* An exchange with nobody in it never asks Redis. */
    if (st == SANTA_OK && ex.participant_count > 0) {
        struct santa_job j;
        batch_template(&j, &ex, batch);
        pthread_mutex_lock(&qs->lock);
        st = redis_queue_add_batch(qs->q, &j, ex.participant_count);
        pthread_mutex_unlock(&qs->lock);
    }
    if (st == SANTA_OK)
        *queued = ex.participant_count;
    santa_arena_release(&xa);
    return st;
}

/* The stream and the retry set (the workers' own figure, queue_redis.c). */
static enum santa_status store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    struct queue_store *qs = queue_cast(s);
    uint64_t oldest_ms = 0;
    pthread_mutex_lock(&qs->lock);
    enum santa_status st = qs->q->ops->stats(qs->q, depth, &oldest_ms);
    pthread_mutex_unlock(&qs->lock);
    return st;
}

/* Every operation it leaves out goes to the inner store (santa/store_wrap.h). */
static const struct santa_store_ops queue_store_ops = {
    .name = "queue",
    .close = store_close,
    .reminders_queue = store_reminders_queue,
    .reminders_pending = store_reminders_pending,
};

enum santa_status queue_store_open(const struct queue_store_options *o, struct santa_store **out,
                                   char *err, size_t errlen)
{
    *out = NULL;
    struct queue_store *qs = santa_calloc(1, sizeof *qs);
    if (!qs) {
        santa_store_close(o->inner);
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    santa_store_wrap_init(&qs->w, o->inner, &queue_store_ops, NULL);
    pthread_mutex_init(&qs->lock, NULL);
    struct redis_queue_options ro = {.host = o->redis_host,
                                     .port = o->redis_port,
                                     .password = o->redis_password,
                                     .timeout_ms = o->timeout_ms}; /* enqueue only */
    enum santa_status st = redis_queue_open(&ro, &qs->q, err, errlen);
    if (st != SANTA_OK) {
        santa_store_close(&qs->w.base); /* inner too: owned from the call on */
        return st;
    }
    *out = &qs->w.base;
    return SANTA_OK;
}
