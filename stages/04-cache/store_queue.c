/*
 * store_queue.c - a store that sends POST .../reminders into the Redis
 * stream (store_queue.h) and forwards everything else to the store it wraps
 * (santa/store_wrap.h does the forwarding: this file has only close,
 * reminders_queue and reminders_pending).
 *
 * reminders_queue reads the exchange and its participants from the inner
 * store (page by page, SANTA_PAGE_MAX at a time) and adds one job per
 * participant, as it reads them, in one MULTI/EXEC. Redis down: 503 and nothing queued (the
 * client may retry), never a partial batch. The enqueue connection is one,
 * behind a mutex: reminders are rare, and a pool would be idle.
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

/* Fills the exchange's part of the job once; each participant then only
 * changes its own four fields (the key, the id, the name, the address). */
static void job_template(struct santa_job *j, const struct santa_exchange *ex, int64_t now)
{
    memset(j, 0, sizeof *j);
    snprintf(j->exchange_id, sizeof j->exchange_id, "%s", ex->id);
    snprintf(j->exchange_name, sizeof j->exchange_name, "%s", ex->name);
    snprintf(j->budget, sizeof j->budget, "%s", ex->budget ? ex->budget : "");
    snprintf(j->exchange_date, sizeof j->exchange_date, "%s", ex->exchange_date);
    inst_trace_current_traceparent(j->traceparent);
    j->queued_ms = now;
}

/* Adds one job per participant of the exchange to a batch, read from the
 * inner store page by page (SANTA_PAGE_MAX at a time): one job struct and
 * one page in memory, whatever the exchange's size. The batch begins with
 * the first participant (*begun), so an exchange with none never asks
 * Redis. */
static enum santa_status add_jobs(struct queue_store *qs, const struct santa_exchange *ex,
                                  const char *batch, uint32_t *n_out, bool *begun)
{
    struct santa_store *in = qs->w.inner;
    struct santa_job j;
    job_template(&j, ex, santa_wall_ms());
    struct santa_arena a;
    enum santa_status st = SANTA_OK;
    uint32_t n = 0;
    uint64_t after = 0;
    while (st == SANTA_OK) {
        struct santa_participant_page page;
        santa_arena_init(&a, 64u << 20);
        st = in->ops->participant_list(in, ex->id, after, SANTA_PAGE_MAX, &a, &page);
        for (uint32_t i = 0; st == SANTA_OK && i < page.count; i++) {
            const struct santa_participant *p = &page.items[i];
            /* The batch id and the participant name the mail: a redelivered
             * job keeps its Message-ID. */
            snprintf(j.key, sizeof j.key, "reminder.%s.%s", batch, p->id);
            snprintf(j.participant_id, sizeof j.participant_id, "%s", p->id);
            snprintf(j.to_name, sizeof j.to_name, "%s", p->name);
            snprintf(j.to_email, sizeof j.to_email, "%s", p->email);
            if (!*begun) {
                st = redis_queue_batch_begin(qs->q);
                *begun = st == SANTA_OK;
                if (st != SANTA_OK)
                    break;
            }
            st = redis_queue_batch_add(qs->q, &j);
            n += st == SANTA_OK;
        }
        bool last = st != SANTA_OK || page.next_seq == 0;
        after = st == SANTA_OK ? page.next_seq : 0;
        santa_arena_release(&a);
        if (last)
            break;
    }
    *n_out = n;
    return st;
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
    uint32_t n = 0;
    enum santa_status st = qs->w.inner->ops->exchange_get(qs->w.inner, exchange_id, &xa, &ex);
    if (st == SANTA_OK)
        st = santa_id_new(batch);
    if (st == SANTA_OK) {
        /* One batch on the one connection at a time: the lock is held while
         * the pages are read, which reminders (rare) can afford. */
        bool begun = false;
        pthread_mutex_lock(&qs->lock);
        st = add_jobs(qs, &ex, batch, &n, &begun);
        if (begun) {
            enum santa_status end = redis_queue_batch_end(qs->q, st == SANTA_OK);
            if (st == SANTA_OK)
                st = end;
        }
        pthread_mutex_unlock(&qs->lock);
    }
    santa_arena_release(&xa);
    if (st == SANTA_OK)
        *queued = n;
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
    struct redis_queue_options ro = {o->redis_host, o->redis_port, o->redis_password, o->timeout_ms,
                                     NULL};
    enum santa_status st = redis_queue_open(&ro, &qs->q, err, errlen);
    if (st != SANTA_OK) {
        santa_store_close(&qs->w.base); /* inner too: owned from the call on */
        return st;
    }
    *out = &qs->w.base;
    return SANTA_OK;
}
