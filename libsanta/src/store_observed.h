/*
 * store_observed.h - the stage's store wrapped so every call is measured.
 *
 * santa_stage_main() (stage.c) puts this wrapper between the handlers and the stage's
 * store, the way the cache wraps stage 03's store (santa/store_wrap.h): each
 * operation of the table starts a child span "store.<op>", times the call
 * into the request's store phase (Server-Timing) and into the per-operation
 * histogram santa_store_operation_duration_seconds{op="<op>"}, then returns
 * the inner store's answer unchanged. It is a santa/store_wrap.h wrapper that
 * replaces no operation and puts a gate around all of them; the names come
 * from SANTA_STORE_OPS, in ops-table order, so a tool reading the table finds
 * every call.
 *
 * Not for stages: they hand their own store to santa_stage_main() and never
 * see this one.
 */
#ifndef SANTA_STORE_OBSERVED_H
#define SANTA_STORE_OBSERVED_H

#include "santa/store_wrap.h"

/* Points o (held by the caller: stage.c keeps it on its stack for as long
 * as the server runs) at inner and returns the store to hand to the
 * handlers. inner is
 * borrowed: it must outlive o, and closing inner stays the caller's job
 * (the wrapper's close forwards to inner's, for symmetry, but the server
 * never calls it). */
struct santa_store *santa_store_observed_init(struct santa_store_wrap *o,
                                              struct santa_store *inner);

#endif /* SANTA_STORE_OBSERVED_H */
