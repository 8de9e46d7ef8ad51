/*
 * instrument/request.h - the per-request context on the current thread.
 *
 * A server calls inst_request_begin() when a request arrives and
 * inst_request_end() when its answer is ready. In between, the request is
 * "current" on that thread (it is thread-local: CivetWeb, like most thread
 * pool servers, serves one request wholly on one worker thread), so deeper
 * layers add their time (inst_phase_add) and their spans (trace.h) without
 * a context parameter.
 *
 * With instrumentation off (inst_start() never called, or --no-instrument)
 * begin/end still measure the phases for Server-Timing but open no spans.
 */
#ifndef INST_REQUEST_H
#define INST_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

enum inst_phase { INST_PHASE_STORE, INST_PHASE_CACHE };

/* Adds ns to the current request's phase total (no-op when no request is current).
   The cache layer calls it with INST_PHASE_CACHE for time spent talking to Redis.
   Server-Timing then shows cache;dur=, store;dur= (store time excluding cache) and app;dur=. */
void inst_phase_add(enum inst_phase phase, uint64_t ns);

/* Begins a request on this thread. traceparent is the incoming header or NULL; a valid one is
   continued, anything else starts a new trace. name is the root span's provisional name
   (e.g. "GET"), copied; inst_request_rename() sets the real one once the route is known. */
void inst_request_begin(const char *name, const char *traceparent);

/* Renames the root span (e.g. "GET /api/exchanges/{id}", a route template, never a raw
   path) and tags it. No-op without a current request. */
void inst_request_rename(const char *name);

/* What one finished request cost, for Server-Timing, metrics and logs. */
struct inst_request_result {
    uint64_t total_ns;
    uint64_t app_ns;   /* total - store (our own code, and the network to the client) */
    uint64_t store_ns; /* store time excluding cache time */
    uint64_t cache_ns;
    char trace_id[33]; /* "" when tracing is off */
    bool sampled;      /* its spans were queued for export */
};

/* Ends the current request: closes the root span (status >= 500 marks it an error), decides
   sampling (ratio, or always for errors and requests over the slow threshold), queues the
   spans for the exporter without blocking, writes the slow-request line when it was slow, and
   fills out. Safe to call without a current request (out is then zeroed). */
void inst_request_end(int status, struct inst_request_result *out);

#endif
