/*
 * store_queue.c - a store that sends POST .../reminders into the Redis
 * stream (store_queue.h) and forwards everything else to the store it wraps
 * (santa/store_wrap.h does the forwarding: this file has only close and
 * reminders_queue).
 *
 * reminders_queue reads the exchange and its participants from the inner
 * store (page by page, SANTA_PAGE_MAX at a time), then adds one job per
 * participant in one MULTI/EXEC. Redis down: 503 and nothing queued (the
 * client may retry), never a partial batch. The enqueue connection is one,
 * behind a mutex: reminders are rare, and a pool would be idle.
 */
#include "store_queue.h"

#include <pthread.h>
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

/* The jobs of one exchange, built from the inner store's pages. */
static enum santa_status build_jobs(struct queue_store *qs, const char *exchange_id,
                                    struct santa_job **jobs_out, uint32_t *n_out)
{
    struct santa_store *in = qs->w.inner;
    /* Two arenas: the exchange's text must outlive every page, and each
     * page's arena starts over once its text is copied into the jobs. */
    struct santa_arena xa, a;
    santa_arena_init(&xa, 1u << 20);
    santa_arena_init(&a, 64u << 20);
    struct santa_job *jobs = NULL;
    uint32_t n = 0, cap = 0;
    struct santa_exchange ex;
    char batch[SANTA_ID_LEN + 1], tp[56] = "";
    inst_trace_current_traceparent(tp);
    int64_t now = santa_wall_ms();
    enum santa_status st = in->ops->exchange_get(in, exchange_id, &xa, &ex);
    if (st == SANTA_OK)
        st = santa_id_new(batch);
    uint64_t after = 0;
    while (st == SANTA_OK) {
        struct santa_participant_page page;
        st = in->ops->participant_list(in, exchange_id, after, SANTA_PAGE_MAX, &a, &page);
        if (st != SANTA_OK)
            break;
        if (n + page.count > cap) {
            cap = (n + page.count) * 2;
            struct santa_job *grown = santa_realloc(jobs, (size_t)cap * sizeof *grown);
            if (!grown) {
                st = SANTA_UNAVAILABLE;
                break;
            }
            jobs = grown;
        }
        for (uint32_t i = 0; i < page.count; i++) {
            const struct santa_participant *p = &page.items[i];
            struct santa_job *j = &jobs[n++];
            memset(j, 0, sizeof *j);
            /* The batch id and the participant name the mail: a redelivered
             * job keeps its Message-ID. */
            snprintf(j->key, sizeof j->key, "reminder.%s.%s", batch, p->id);
            snprintf(j->exchange_id, sizeof j->exchange_id, "%s", ex.id);
            snprintf(j->exchange_name, sizeof j->exchange_name, "%s", ex.name);
            snprintf(j->budget, sizeof j->budget, "%s", ex.budget ? ex.budget : "");
            snprintf(j->exchange_date, sizeof j->exchange_date, "%s", ex.exchange_date);
            snprintf(j->participant_id, sizeof j->participant_id, "%s", p->id);
            snprintf(j->to_name, sizeof j->to_name, "%s", p->name);
            snprintf(j->to_email, sizeof j->to_email, "%s", p->email);
            snprintf(j->traceparent, sizeof j->traceparent, "%s", tp);
            j->queued_ms = now;
        }
        if (page.next_seq == 0)
            break;
        after = page.next_seq;
        /* The page's text is copied into the jobs: the arena can start over. */
        santa_arena_release(&a);
        santa_arena_init(&a, 64u << 20);
    }
    santa_arena_release(&a);
    santa_arena_release(&xa);
    if (st != SANTA_OK) {
        santa_free(jobs);
        return st;
    }
    *jobs_out = jobs;
    *n_out = n;
    return SANTA_OK;
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct queue_store *qs = queue_cast(s);
    *queued = 0;
    struct santa_job *jobs = NULL;
    uint32_t n = 0;
    enum santa_status st = build_jobs(qs, exchange_id, &jobs, &n);
    if (st != SANTA_OK)
        return st;
    if (n > 0) {
        pthread_mutex_lock(&qs->lock);
        st = redis_queue_enqueue(qs->q, jobs, n);
        pthread_mutex_unlock(&qs->lock);
    }
    santa_free(jobs);
    if (st == SANTA_OK)
        *queued = n;
    return st;
}

/* Every operation it leaves out goes to the inner store (santa/store_wrap.h). */
static const struct santa_store_ops queue_store_ops = {
    .name = "queue",
    .close = store_close,
    .reminders_queue = store_reminders_queue,
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
