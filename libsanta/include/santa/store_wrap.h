/*
 * santa/store_wrap.h - the base of every store that wraps another store.
 *
 * Layering by wrapping means a store that owns an inner
 * store, changes a few operations and hands every other one through. The
 * handing through is the same in every wrapper, so it lives here, once: a
 * wrapper embeds struct santa_store_wrap first in its private struct, lists
 * in a const table only the operations it changes, and calls
 * santa_store_wrap_init(). Every operation it leaves NULL goes to the inner
 * store unchanged, through an optional gate:
 *
 *     struct cache_store { struct santa_store_wrap w; ... };
 *     static const struct santa_store_ops cache_store_ops = {
 *         .name = "cache", .close = store_close, .exchange_get = store_exchange_get, ...};
 *     santa_store_wrap_init(&c->w, inner, &cache_store_ops, NULL);
 *
 * Who uses it: libsanta's observed store (every call measured: a gate),
 * the failing store of the tests (a gate that refuses calls), stage 04's
 * cache (own reads and writes, the rest forwarded) and its reminder queue
 * (one operation of its own).
 *
 * Close: the wrapper's close always closes the inner store first, then calls
 * the table's .close, if any, to release the wrapper's own state (and free
 * the wrapper when it allocated itself). thread_stop: the table's
 * .thread_stop, if any, runs first; the inner store's runs after it either
 * way, so a wrapper's own thread_stop never forwards by hand.
 *
 * Thread safety: as store.h. The forwarding adds no state of its own; the
 * gate is called on the calling thread, around the inner call.
 */
#ifndef SANTA_STORE_WRAP_H
#define SANTA_STORE_WRAP_H

#include <stdint.h>

#include "santa/store.h"

/* One value per operation of SANTA_STORE_OPS (santa/store.h). */
enum santa_store_op {
#define SANTA_STORE_OP_ENUM(name) SANTA_STORE_OP_##name,
    SANTA_STORE_OPS(SANTA_STORE_OP_ENUM)
#undef SANTA_STORE_OP_ENUM
        SANTA_STORE_OP_COUNT
};

/* "exchange_get" for SANTA_STORE_OP_exchange_get; "other" out of range. */
const char *santa_store_op_name(enum santa_store_op op);

/* One forwarded call on its way through a gate. It lives on the
 * forwarder's stack for the length of the call; t0 and data are the gate's
 * own room (the observed store keeps its start time and span there). */
struct santa_store_call {
    enum santa_store_op op;
    uint64_t t0;
    void *data;
};

struct santa_store_wrap;

/* Called around every forwarded operation (not around the ones the
 * wrapper's table replaces, nor close and thread_stop). Either may be NULL. */
struct santa_store_gate {
    /* Before the inner call: SANTA_OK lets it through; any other status is
     * the operation's answer and the inner store is not called. */
    enum santa_status (*enter)(struct santa_store_wrap *w, struct santa_store_call *c);
    /* After the inner call (only when enter let it through): returns the
     * answer, normally st unchanged. */
    enum santa_status (*leave)(struct santa_store_wrap *w, struct santa_store_call *c,
                               enum santa_status st);
};

/* The base: embed it first, so a struct santa_store * casts back to the
 * wrapper. Fields are read by the wrapper; only santa_store_wrap_init()
 * writes them. */
struct santa_store_wrap {
    struct santa_store base;
    struct santa_store *inner;           /* owned: closed by the wrapper's close */
    const struct santa_store_ops *own;   /* the operations the wrapper replaces */
    const struct santa_store_gate *gate; /* NULL: plain forwarding */
    struct santa_store_ops ops;          /* own's entries over the forwarders */
};

/* Makes w a store over inner: w->base.ops is a table whose entries are own's
 * where own sets them and forwarders to inner elsewhere; own->name names the
 * store (own must outlive w; gate may be NULL). Returns &w->base. Cannot
 * fail. From here on w owns inner (see Close above). */
struct santa_store *santa_store_wrap_init(struct santa_store_wrap *w, struct santa_store *inner,
                                          const struct santa_store_ops *own,
                                          const struct santa_store_gate *gate);

/* The inner store of a store made by santa_store_wrap_init(). */
static inline struct santa_store *santa_store_wrap_inner(struct santa_store *s)
{
    return ((struct santa_store_wrap *)s)->inner;
}

#endif /* SANTA_STORE_WRAP_H */
