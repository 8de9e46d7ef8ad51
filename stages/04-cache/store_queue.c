/*
 * store_queue.c - a store that sends POST .../reminders into the Redis
 * stream (store_queue.h) and forwards everything else to the store it wraps.
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
#include "santa/token.h"
#include "santa/worker.h"

struct queue_store {
    struct santa_store base; /* first, so a santa_store * casts back */
    struct santa_store *inner;
    pthread_mutex_t lock;
    struct santa_queue *q;
};

static struct queue_store *queue_cast(struct santa_store *s)
{
    return (struct queue_store *)s;
}

#define QUEUE_FORWARD(s, op, ...)                                                                  \
    do {                                                                                           \
        struct santa_store *in_ = queue_cast(s)->inner;                                            \
        return in_->ops->op(in_, __VA_ARGS__);                                                     \
    } while (0)

/* ---- the operations, in the order of struct santa_store_ops ---- */

static void store_close(struct santa_store *s)
{
    struct queue_store *qs = queue_cast(s);
    santa_store_close(qs->inner);
    if (qs->q)
        qs->q->ops->close(qs->q);
    pthread_mutex_destroy(&qs->lock);
    santa_free(qs);
}

static void store_thread_stop(struct santa_store *s)
{
    struct santa_store *in = queue_cast(s)->inner;
    if (in->ops->thread_stop)
        in->ops->thread_stop(in);
}

static enum santa_status store_ping(struct santa_store *s)
{
    struct santa_store *in = queue_cast(s)->inner;
    return in->ops->ping(in);
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    QUEUE_FORWARD(s, exchange_create, ex);
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    QUEUE_FORWARD(s, exchange_get, id, a, out);
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    QUEUE_FORWARD(s, principal_find, token_hash, out);
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    QUEUE_FORWARD(s, participant_add, p, max_participants);
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    QUEUE_FORWARD(s, participant_list, exchange_id, after_seq, limit, a, out);
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    QUEUE_FORWARD(s, participant_get, exchange_id, participant_id, a, out);
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    QUEUE_FORWARD(s, participant_remove, exchange_id, participant_id);
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    QUEUE_FORWARD(s, wishlist_set, exchange_id, participant_id, wishlist);
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    QUEUE_FORWARD(s, exclusion_add, exchange_id, giver_id, receiver_id, mutual);
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    QUEUE_FORWARD(s, draw, exchange_id, plan);
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    QUEUE_FORWARD(s, undraw, exchange_id);
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    QUEUE_FORWARD(s, assignment_get, exchange_id, giver_id, a, out);
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
    struct santa_store *in = qs->inner;
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
    enum santa_status st = qs->inner->ops->exchange_get(qs->inner, exchange_id, &xa, &ex);
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

static const struct santa_store_ops queue_store_ops = {
    .name = "queue",
    .close = store_close,
    .thread_stop = store_thread_stop,
    .ping = store_ping,
    .exchange_create = store_exchange_create,
    .exchange_get = store_exchange_get,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_list = store_participant_list,
    .participant_get = store_participant_get,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .exclusion_add = store_exclusion_add,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
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
    qs->base.ops = &queue_store_ops;
    qs->inner = o->inner;
    pthread_mutex_init(&qs->lock, NULL);
    struct redis_queue_options ro = {o->redis_host, o->redis_port, o->redis_password,
                                     o->timeout_ms, NULL};
    enum santa_status st = redis_queue_open(&ro, &qs->q, err, errlen);
    if (st != SANTA_OK) {
        store_close(&qs->base);
        return st;
    }
    *out = &qs->base;
    return SANTA_OK;
}
