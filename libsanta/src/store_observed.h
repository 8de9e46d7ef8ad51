/*
 * store_observed.h - the stage's store wrapped so every call is measured.
 *
 * santa_stage_main() (stage.c) puts this wrapper between the handlers and the stage's
 * store, the way the cache wraps stage 03's store (STYLE.md rule 3): each
 * operation of the table starts a child span "store.<op>", times the call
 * into the request's store phase (Server-Timing) and into the per-operation
 * histogram santa_store_operation_duration_seconds{op="<op>"}, then returns
 * the inner store's answer unchanged. The names come from the ops table's
 * order (store_observed.c), so a tool reading the table finds every call.
 *
 * Not for stages: they hand their own store to santa_stage_main() and never
 * see this one.
 */
#ifndef SANTA_STORE_OBSERVED_H
#define SANTA_STORE_OBSERVED_H

#include <stddef.h>

#include "santa/store.h"

/* The operations that are timed, in santa_store_ops order (close and
 * thread_stop are not: they are not part of any request). */
#define SANTA_OBSERVED_OPS(X)                                                                      \
    X(ping)                                                                                        \
    X(exchange_create)                                                                             \
    X(exchange_get)                                                                                \
    X(principal_find)                                                                              \
    X(participant_add)                                                                             \
    X(participant_list)                                                                            \
    X(participant_get)                                                                             \
    X(participant_remove)                                                                          \
    X(wishlist_set)                                                                                \
    X(exclusion_add)                                                                               \
    X(draw)                                                                                        \
    X(undraw)                                                                                      \
    X(assignment_get)                                                                              \
    X(reminders_queue)

enum santa_observed_op {
#define SANTA_OBSERVED_ENUM(name) SANTA_OP_##name,
    SANTA_OBSERVED_OPS(SANTA_OBSERVED_ENUM)
#undef SANTA_OBSERVED_ENUM
        SANTA_OP_COUNT
};

/* "exchange_get" for SANTA_OP_exchange_get. */
const char *santa_observed_op_name(enum santa_observed_op op);

/* The wrapper, held by the caller (stage.c keeps it on its stack
 * for as long as the server runs). */
struct santa_observed_store {
    struct santa_store base; /* first: the operations cast back to this */
    struct santa_store *inner;
};

/* Points o at inner and returns the store to hand to the handlers. inner is
 * borrowed: it must outlive o, and closing inner stays the caller's job
 * (the wrapper's close forwards to inner's, for symmetry, but the server
 * never calls it). */
struct santa_store *santa_store_observed_init(struct santa_observed_store *o,
                                              struct santa_store *inner);

#endif /* SANTA_STORE_OBSERVED_H */
