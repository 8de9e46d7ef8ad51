/*
 * observe.h - libsanta's instrumentation: the metrics of docs/API.md's
 * GET /metrics (interfaces.md section B), the request span and
 * Server-Timing, on top of libinstrument.
 *
 * The HTTP adapter calls santa_observe_begin() / santa_observe_end() around
 * each request; the observed store (store_observed.c), which wraps the
 * stage's store, puts each store call in a probe. Every handle is registered by
 * santa_observe_start(), so the hot path only indexes arrays. Without santa_observe_start()
 * (--no-instrument, unit tests) nothing is recorded but Server-Timing is still measured.
 */
#ifndef SANTA_OBSERVE_H
#define SANTA_OBSERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/api.h"
#include "santa/config.h"
#include "store_observed.h"

struct inst_span;

/* Starts libinstrument as cfg asks (nothing when cfg->no_instrument) and registers libsanta's
   metrics. service names the process in traces ("santa-02-sqlite"). 0, or -1 with err. */
int santa_observe_start(const struct santa_config *cfg, const char *service, char *err,
                        size_t errlen);
void santa_observe_stop(void);

/* The santa_reminder_queue_depth gauge, for a stage whose store has a
   queue (store.h reminders_pending): registered once before serving (no-op
   with --no-instrument), set by GET /metrics from the store just before it
   renders, so each scrape shows the depth at that moment. */
void santa_observe_queue_register(void);
void santa_observe_queue_depth(uint64_t depth);

/* Around one request on the calling thread; traceparent may be NULL. */
void santa_observe_begin(const char *traceparent);

struct santa_observed {
    char server_timing[160]; /* "store;dur=0.080[, cache;dur=0.010], app;dur=0.120" */
    char trace_id[33];       /* "" when tracing is off: no X-Trace-Id then */
};
void santa_observe_end(const char *method, const struct santa_response *resp,
                       struct santa_observed *out);

/* One store call (store_observed.c's gate): the per-operation histogram, the store phase and a
   child span named "store.<op>". begin keeps its start time and span in the call's t0 and
   data. */
void santa_store_probe_begin(struct santa_store_call *c);
/* Ends the probe and returns st, the call's own answer, unchanged. */
enum santa_status santa_store_probe_end(struct santa_store_call *c, enum santa_status st);

/* The registry in Prometheus text format, santa_malloc'ed (GET /metrics). */
char *santa_observe_metrics(size_t *len);

#endif
