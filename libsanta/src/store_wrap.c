/*
 * store_wrap.c - the forwarding half of every wrapping store (see
 * santa/store_wrap.h).
 *
 * One forwarder per operation, in ops-table order: pass the gate, call the
 * inner store with the same arguments, let the gate see the answer. The
 * wrapper's table is assembled per instance, in santa_store_wrap_init(), so
 * a wrapper's own const table lists only what it changes.
 */
#include "santa/store_wrap.h"

static struct santa_store_wrap *wrap_cast(struct santa_store *s)
{
    return (struct santa_store_wrap *)s;
}

const char *santa_store_op_name(enum santa_store_op op)
{
    static const char *const names[SANTA_STORE_OP_COUNT] = {
#define SANTA_STORE_OP_NAME(name) #name,
        SANTA_STORE_OPS(SANTA_STORE_OP_NAME)
#undef SANTA_STORE_OP_NAME
    };
    return (unsigned)op < SANTA_STORE_OP_COUNT ? names[op] : "other";
}

static enum santa_status gate_enter(struct santa_store_wrap *w, struct santa_store_call *c,
                                    enum santa_store_op op)
{
    *c = (struct santa_store_call){.op = op, .t0 = 0, .data = NULL};
    return w->gate && w->gate->enter ? w->gate->enter(w, c) : SANTA_OK;
}

static enum santa_status gate_leave(struct santa_store_wrap *w, struct santa_store_call *c,
                                    enum santa_status st)
{
    return w->gate && w->gate->leave ? w->gate->leave(w, c, st) : st;
}

/* Passes the gate, makes the inner call `op(inner, ...)` and hands its
 * answer to the gate's leave. */
#define WRAP_FORWARD(s, op, ...)                                                                   \
    do {                                                                                           \
        struct santa_store_wrap *w = wrap_cast(s);                                                 \
        struct santa_store_call c;                                                                 \
        enum santa_status st = gate_enter(w, &c, SANTA_STORE_OP_##op);                             \
        if (st != SANTA_OK)                                                                        \
            return st;                                                                             \
        return gate_leave(w, &c, w->inner->ops->op(w->inner, __VA_ARGS__));                        \
    } while (0)

/* ---- the operations, in the order of struct santa_store_ops ---- */

static void store_close(struct santa_store *s)
{
    struct santa_store_wrap *w = wrap_cast(s);
    santa_store_close(w->inner);
    if (w->own->close)
        w->own->close(s); /* may free w: nothing of it is read after this */
}

static void store_thread_stop(struct santa_store *s)
{
    struct santa_store_wrap *w = wrap_cast(s);
    if (w->own->thread_stop)
        w->own->thread_stop(s);
    if (w->inner->ops->thread_stop)
        w->inner->ops->thread_stop(w->inner);
}

static enum santa_status store_ping(struct santa_store *s)
{
    /* WRAP_FORWARD by hand: ping takes no argument after the store. */
    struct santa_store_wrap *w = wrap_cast(s);
    struct santa_store_call c;
    enum santa_status st = gate_enter(w, &c, SANTA_STORE_OP_ping);
    if (st != SANTA_OK)
        return st;
    return gate_leave(w, &c, w->inner->ops->ping(w->inner));
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    WRAP_FORWARD(s, exchange_create, ex);
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    WRAP_FORWARD(s, exchange_get, id, a, out);
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    WRAP_FORWARD(s, principal_find, token_hash, out);
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    WRAP_FORWARD(s, participant_add, p, max_participants);
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    WRAP_FORWARD(s, participant_list, exchange_id, after_seq, limit, a, out);
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    WRAP_FORWARD(s, participant_get, exchange_id, participant_id, a, out);
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    WRAP_FORWARD(s, participant_remove, exchange_id, participant_id);
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    WRAP_FORWARD(s, wishlist_set, exchange_id, participant_id, wishlist);
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    WRAP_FORWARD(s, exclusion_add, exchange_id, giver_id, receiver_id, mutual);
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    WRAP_FORWARD(s, draw, exchange_id, plan);
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    WRAP_FORWARD(s, undraw, exchange_id);
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    WRAP_FORWARD(s, assignment_get, exchange_id, giver_id, a, out);
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    WRAP_FORWARD(s, reminders_queue, exchange_id, queued);
}

static const struct santa_store_ops forward_ops = {
    .name = "wrap",
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

/* Not a request's operation (GET /metrics reads it), so no gate: the
 * wrapper has it exactly when its inner store does (or it brings its own). */
static enum santa_status store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    struct santa_store_wrap *w = wrap_cast(s);
    return w->inner->ops->reminders_pending(w->inner, depth);
}

/* own's entry where it has one, the forwarder elsewhere. */
#define WRAP_PICK(field) (own->field ? own->field : forward_ops.field)

struct santa_store *santa_store_wrap_init(struct santa_store_wrap *w, struct santa_store *inner,
                                          const struct santa_store_ops *own,
                                          const struct santa_store_gate *gate)
{
    w->inner = inner;
    w->own = own;
    w->gate = gate;
    w->ops = forward_ops; /* close and thread_stop always go through the base */
    w->ops.name = own->name ? own->name : forward_ops.name;
#define WRAP_SET(op) w->ops.op = WRAP_PICK(op);
    SANTA_STORE_OPS(WRAP_SET)
#undef WRAP_SET
    w->ops.reminders_pending = own->reminders_pending       ? own->reminders_pending
                               : inner->ops->reminders_pending ? store_reminders_pending
                                                               : NULL;
    w->base.ops = &w->ops;
    return &w->base;
}
