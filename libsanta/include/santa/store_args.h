/*
 * santa/store_args.h - the arguments and results of each store operation,
 * as one struct, for stores whose operations run as a function of one
 * connection and a context (the SQL stores: `<backend>_store_run_op(s, tx,
 * op, &args)` with `op(conn, void *args)`).
 *
 * Each back end packs a call of struct santa_store_ops into one of these,
 * hands it to its transaction runner (which may run the body more than once:
 * a body writes results only into the struct, and the public function copies
 * them out once the runner reports a commit). Defining them once keeps two
 * stores' bodies reading alike, so tools/stage-diff shows only what the
 * back end changes. Every pointer is borrowed from the caller of the store.
 */
#ifndef SANTA_STORE_ARGS_H
#define SANTA_STORE_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/draw_plan.h"
#include "santa/model.h"

struct santa_args_exchange_get {
    const char *id;
    struct santa_arena *a;
    struct santa_exchange *out;
};

struct santa_args_principal {
    const struct santa_hash *h;
    struct santa_principal *out;
};

struct santa_args_participant_add {
    const struct santa_participant *p;
    uint32_t max;
    uint64_t seq; /* out: the new participant's seq */
};

struct santa_args_participant_list {
    const char *exchange_id;
    uint64_t after;
    uint32_t limit;
    struct santa_arena *a;
    struct santa_participant_page *out;
};

struct santa_args_participant_get {
    const char *exchange_id, *participant_id;
    struct santa_arena *a;
    struct santa_participant *out;
};

/* participant_remove (text NULL) and wishlist_set (text: the wishlist). */
struct santa_args_participant_ref {
    const char *exchange_id, *participant_id, *text;
};

struct santa_args_exclusion {
    const char *exchange_id, *giver_id, *receiver_id;
    bool mutual;
};

struct santa_args_draw {
    const char *exchange_id;
    struct santa_draw_plan *plan;
};

struct santa_args_assignment {
    const char *exchange_id, *giver_id;
    struct santa_arena *a;
    struct santa_assignment *out;
};

struct santa_args_reminders {
    const char *exchange_id;
    uint32_t queued; /* out: how many were queued */
};

#endif /* SANTA_STORE_ARGS_H */
