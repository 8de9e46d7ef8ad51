/*
 * instrument/prometheus.h - the registry in Prometheus text format 0.0.4.
 *
 * Serve the result as the body of GET /metrics with the header
 * Content-Type: INST_PROMETHEUS_CONTENT_TYPE. Each family gets # HELP and
 * # TYPE; histograms become cumulative _bucket{le="..."} series (fixed
 * bounds from 100 us to 60 s, then +Inf), _sum and _count in seconds. The
 * standard process_* metrics (CPU, memory, fds, threads, start time) are
 * read from /proc at each call and appended.
 */
#ifndef INST_PROMETHEUS_H
#define INST_PROMETHEUS_H

#include <stddef.h>

#define INST_PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4"

/* Renders every metric. Returns a malloc'ed NUL-terminated text (free() it) and its length
   in *len, or NULL when out of memory. Safe from any thread, concurrently with recording. */
char *inst_prometheus_render(size_t *len);

#endif
