/*
 * instrument/metrics.h - counters, gauges and latency histograms with labels.
 *
 * Register each metric once at start-up, one handle per label set:
 *
 *     struct inst_label l[] = {{"route", "/api/exchanges/{id}"}, {"method", "GET"}};
 *     struct inst_metric *m = inst_metric_register(INST_HISTOGRAM,
 *         "app_request_duration_seconds", "Request latency.", l, 2);
 *     ...
 *     inst_observe_ns(m, t1 - t0);            // on the hot path
 *
 * Hot path: each recording thread owns a shard (attached lazily on its
 * first observation) holding one cell per metric; recording is a relaxed
 * load and store into the caller's own shard - no lock, no read-modify-write,
 * no allocation (a thread's first observation of a given histogram
 * allocates that histogram's 30 KB shard once). Readers (the exporters)
 * merge all shards; they may see a recording a moment late, never torn.
 *
 * The registry is the library's documented global state (instrument.h).
 * Handles live until the process ends. Registration takes a lock and is
 * meant for start-up; registering the same name and labels again returns
 * the same handle. Limits: INST_METRICS_MAX handles, INST_LABELS_MAX labels
 * per handle. Registration failures (limits, bad names, a name reused with
 * another type) return NULL, and every recording function accepts NULL.
 */
#ifndef INST_METRICS_H
#define INST_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instrument/hist.h"

#define INST_METRICS_MAX 1024
#define INST_LABELS_MAX 4

enum inst_metric_type { INST_COUNTER, INST_GAUGE, INST_HISTOGRAM };

struct inst_label {
    const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]* */
    const char *value; /* any UTF-8; escaped on export */
};

struct inst_metric; /* one name + one label set */

/* name follows Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*); histograms are recorded in ns
   and exported in seconds, so name them *_seconds. help is one line. Strings are copied. */
struct inst_metric *inst_metric_register(enum inst_metric_type type, const char *name,
                                         const char *help, const struct inst_label *labels,
                                         size_t nlabels);

/* Counters only go up. */
void inst_counter_add(struct inst_metric *m, uint64_t n);

/* Gauges: add/sub are per-thread deltas (in-flight requests); set replaces the base value
   (any thread; the exported value is base + the sum of deltas). */
void inst_gauge_add(struct inst_metric *m, int64_t delta);
void inst_gauge_set(struct inst_metric *m, int64_t value);

/* Histograms: one value in nanoseconds. */
void inst_observe_ns(struct inst_metric *m, uint64_t ns);

/* Reading (exporters, tests): merges every shard. */
uint64_t inst_counter_read(const struct inst_metric *m);
int64_t inst_gauge_read(const struct inst_metric *m);
void inst_hist_read(const struct inst_metric *m, struct inst_hist *out); /* out is re-inited */

#endif
