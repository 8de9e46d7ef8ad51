/*
 * store_observed.c - every store call measured by wrapping the ops table
 * (see store_observed.h).
 *
 * The forwarding is santa/store_wrap.h's; this file is only its gate: begin
 * a probe named by the operation (enter), end it with the inner store's
 * answer (leave). The probe (observe.c) records nothing but the store phase
 * when instrumentation is off, so the wrapper is always in place and a
 * --no-instrument run still sends Server-Timing.
 */
#include "store_observed.h"

#include "observe.h"

static enum santa_status observed_enter(struct santa_store_wrap *w, struct santa_store_call *c)
{
    (void)w;
    santa_store_probe_begin(c);
    return SANTA_OK;
}

static enum santa_status observed_leave(struct santa_store_wrap *w, struct santa_store_call *c,
                                        enum santa_status st)
{
    (void)w;
    return santa_store_probe_end(c, st);
}

/* Nothing replaced: every operation goes through the gate. No close of its
 * own either: the caller holds the wrapper (see store_observed.h). */
static const struct santa_store_ops observed_store_ops = {.name = "observed"};

static const struct santa_store_gate observed_gate = {
    .enter = observed_enter,
    .leave = observed_leave,
};

struct santa_store *santa_store_observed_init(struct santa_store_wrap *o, struct santa_store *inner)
{
    return santa_store_wrap_init(o, inner, &observed_store_ops, &observed_gate);
}
