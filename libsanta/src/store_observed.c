/*
 * store_observed.c - every store call measured by wrapping the ops table
 * (see store_observed.h).
 *
 * One function per operation, in ops-table order: begin a probe named by the
 * operation's index, call the inner store, end the probe with the status.
 * The probe (observe.c) records nothing but the store phase when
 * instrumentation is off, so the wrapper is always in place and a
 * --no-instrument run still sends Server-Timing.
 */
#include "store_observed.h"

#include "observe.h"

static struct santa_store *inner_of(struct santa_store *s)
{
    return ((struct santa_observed_store *)s)->inner;
}

const char *santa_observed_op_name(enum santa_observed_op op)
{
    static const char *const names[SANTA_OP_COUNT] = {
#define SANTA_OBSERVED_NAME(name) #name,
        SANTA_OBSERVED_OPS(SANTA_OBSERVED_NAME)
#undef SANTA_OBSERVED_NAME
    };
    return (unsigned)op < SANTA_OP_COUNT ? names[op] : "other";
}

static void store_close(struct santa_store *s)
{
    santa_store_close(inner_of(s));
}

static void store_thread_stop(struct santa_store *s)
{
    struct santa_store *in = inner_of(s);
    if (in->ops->thread_stop)
        in->ops->thread_stop(in);
}

static enum santa_status store_ping(struct santa_store *s)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_ping);
    return santa_store_probe_end(&p, in->ops->ping(in));
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_exchange_create);
    return santa_store_probe_end(&p, in->ops->exchange_create(in, ex));
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_exchange_get);
    return santa_store_probe_end(&p, in->ops->exchange_get(in, id, a, out));
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_principal_find);
    return santa_store_probe_end(&p, in->ops->principal_find(in, token_hash, out));
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *pa,
                                               uint32_t max_participants)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_participant_add);
    return santa_store_probe_end(&p, in->ops->participant_add(in, pa, max_participants));
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_participant_list);
    return santa_store_probe_end(
        &p, in->ops->participant_list(in, exchange_id, after_seq, limit, a, out));
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_participant_get);
    return santa_store_probe_end(&p,
                                 in->ops->participant_get(in, exchange_id, participant_id, a, out));
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_participant_remove);
    return santa_store_probe_end(&p, in->ops->participant_remove(in, exchange_id, participant_id));
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_wishlist_set);
    return santa_store_probe_end(&p,
                                 in->ops->wishlist_set(in, exchange_id, participant_id, wishlist));
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_exclusion_add);
    return santa_store_probe_end(
        &p, in->ops->exclusion_add(in, exchange_id, giver_id, receiver_id, mutual));
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_draw);
    return santa_store_probe_end(&p, in->ops->draw(in, exchange_id, plan));
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_undraw);
    return santa_store_probe_end(&p, in->ops->undraw(in, exchange_id));
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_assignment_get);
    return santa_store_probe_end(&p, in->ops->assignment_get(in, exchange_id, giver_id, a, out));
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct santa_store *in = inner_of(s);
    struct santa_store_probe p;
    santa_store_probe_begin(&p, SANTA_OP_reminders_queue);
    return santa_store_probe_end(&p, in->ops->reminders_queue(in, exchange_id, queued));
}

/* Not timed or traced: GET /metrics asks, not a request's work. */
static enum santa_status store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    struct santa_store *in = inner_of(s);
    *depth = 0;
    return in->ops->reminders_pending ? in->ops->reminders_pending(in, depth) : SANTA_NOT_FOUND;
}

static const struct santa_store_ops observed_store_ops = {
    .name = "observed",
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

struct santa_store *santa_store_observed_init(struct santa_observed_store *o,
                                              struct santa_store *inner)
{
    o->base.ops = &observed_store_ops;
    o->inner = inner;
    return &o->base;
}
