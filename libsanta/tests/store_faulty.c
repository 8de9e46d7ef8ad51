/*
 * store_faulty.c - the store that fails on demand (see store_faulty.h).
 *
 * Two atomics decide each operation's fate: `fail_all`, and `budget`, the
 * number of operations still allowed through (-1: unlimited). The budget is
 * taken with a compare-and-swap so that, with many threads, exactly n
 * operations pass and not one more.
 */
#include <stdatomic.h>

#include "santa/alloc.h"
#include "store_faulty.h"

struct faulty_store {
    struct santa_store base; /* first, so a santa_store * casts back */
    struct santa_store *inner;
    atomic_bool fail_all;
    atomic_long budget; /* operations still allowed; < 0: no limit */
    atomic_long calls;  /* operations asked for, passed or failed */
};

static struct faulty_store *faulty_cast(struct santa_store *s)
{
    return (struct faulty_store *)s;
}

/* true when this operation may reach the inner store (and uses up one unit
 * of the budget if there is one). */
static bool faulty_pass(struct faulty_store *f)
{
    atomic_fetch_add(&f->calls, 1);
    if (atomic_load(&f->fail_all))
        return false;
    long left = atomic_load(&f->budget);
    while (left > 0 && !atomic_compare_exchange_weak(&f->budget, &left, left - 1))
        ;
    return left != 0;
}

/* Forwards one operation when the gate allows it. */
#define FAULTY_FORWARD(s, op, ...)                                                                 \
    do {                                                                                           \
        struct faulty_store *f_ = faulty_cast(s);                                                  \
        if (!faulty_pass(f_))                                                                      \
            return SANTA_UNAVAILABLE;                                                              \
        return f_->inner->ops->op(f_->inner, __VA_ARGS__);                                         \
    } while (0)

/* ---- the operations, in the order of struct santa_store_ops ---- */

static void store_close(struct santa_store *s)
{
    struct faulty_store *f = faulty_cast(s);
    santa_store_close(f->inner);
    santa_free(f);
}

static void store_thread_stop(struct santa_store *s)
{
    struct faulty_store *f = faulty_cast(s);
    if (f->inner->ops->thread_stop)
        f->inner->ops->thread_stop(f->inner);
}

static enum santa_status store_ping(struct santa_store *s)
{
    struct faulty_store *f = faulty_cast(s);
    if (!faulty_pass(f))
        return SANTA_UNAVAILABLE;
    return f->inner->ops->ping(f->inner);
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    FAULTY_FORWARD(s, exchange_create, ex);
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    FAULTY_FORWARD(s, exchange_get, id, a, out);
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    FAULTY_FORWARD(s, principal_find, token_hash, out);
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    FAULTY_FORWARD(s, participant_add, p, max_participants);
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    FAULTY_FORWARD(s, participant_list, exchange_id, after_seq, limit, a, out);
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    FAULTY_FORWARD(s, participant_get, exchange_id, participant_id, a, out);
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    FAULTY_FORWARD(s, participant_remove, exchange_id, participant_id);
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    FAULTY_FORWARD(s, wishlist_set, exchange_id, participant_id, wishlist);
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    FAULTY_FORWARD(s, exclusion_add, exchange_id, giver_id, receiver_id, mutual);
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    FAULTY_FORWARD(s, draw, exchange_id, plan);
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    FAULTY_FORWARD(s, undraw, exchange_id);
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    FAULTY_FORWARD(s, assignment_get, exchange_id, giver_id, a, out);
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    FAULTY_FORWARD(s, reminders_queue, exchange_id, queued);
}

static const struct santa_store_ops faulty_store_ops = {
    .name = "faulty",
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
};

enum santa_status faulty_store_open(struct santa_store *inner, struct santa_store **out)
{
    *out = NULL;
    struct faulty_store *f = santa_calloc(1, sizeof *f);
    if (f == NULL) {
        santa_store_close(inner);
        return SANTA_UNAVAILABLE;
    }
    f->base.ops = &faulty_store_ops;
    f->inner = inner;
    atomic_init(&f->fail_all, false);
    atomic_init(&f->budget, -1);
    atomic_init(&f->calls, 0);
    *out = &f->base;
    return SANTA_OK;
}

void faulty_store_fail_after(struct santa_store *s, long n)
{
    atomic_store(&faulty_cast(s)->budget, n < 0 ? -1 : n);
}

void faulty_store_fail_all(struct santa_store *s, bool fail)
{
    struct faulty_store *f = faulty_cast(s);
    if (!fail)
        atomic_store(&f->budget, -1);
    atomic_store(&f->fail_all, fail);
}

long faulty_store_calls(struct santa_store *s)
{
    return atomic_load(&faulty_cast(s)->calls);
}
