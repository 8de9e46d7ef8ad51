/*
 * instrument/instrument.h - starting and stopping libinstrument.
 *
 * libinstrument keeps one piece of global mutable state, the registry: the
 * metric families and their per-thread shards (metrics.h), the per-thread
 * request states and span rings (request.h, trace.h), and the two
 * background threads (the span exporter and the statsd flusher). It is
 * process-wide because the hot paths must reach it without a parameter and
 * without a lock; everything in it is either written once at start-up,
 * owned by one thread, or an atomic.
 *
 * Lifetime: inst_start() once, before the threads that record exist; then
 * record from any thread; inst_stop() once, after they have stopped. It joins
 * the background threads after a last flush (so every finished span reaches
 * the trace file) and frees everything. Without inst_start() every call is a
 * cheap no-op except the phase timings of request.h.
 */
#ifndef INST_INSTRUMENT_H
#define INST_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inst_options {
    const char *service;         /* Zipkin serviceName and statsd prefix root, e.g. "santa" */
    const char *statsd;          /* "HOST:PORT" (numeric IPv4) or NULL: no statsd */
    uint32_t statsd_interval_ms; /* flush period; 0 means 1000 */
    const char *trace_file;      /* append Zipkin v2 spans, one JSON object per line, or NULL */
    const char *zipkin_url;      /* POST batches (JSON arrays) here, or NULL */
    double trace_sample;         /* share of traces kept, 0..1 (errors and slow ones always) */
    bool trace_trust_parent;     /* keep a trace whose incoming traceparent says sampled; off:
                                    callers continue the trace id but cannot force export */
    uint32_t slow_ms;            /* log requests at least this slow; 0: off */
    int slow_fd;                 /* where slow-request lines go (0 means stderr) */
    uint32_t export_interval_ms; /* exporter wake-up period; 0 means 100 */
};

/* Starts the registry and the background threads the options ask for. Returns 0, or -1 with
   a sentence in err (bad statsd address, trace file not writable, thread creation). */
int inst_start(const struct inst_options *opts, char *err, size_t errlen);

/* Flushes, joins the background threads and frees everything. Idempotent. */
void inst_stop(void);

/* True between inst_start() and inst_stop(). Read on every request; written only there. */
bool inst_enabled(void);

/* Monotonic and wall clocks, in ns and us. */
uint64_t inst_now_ns(void);
int64_t inst_unix_us(void);

#endif
