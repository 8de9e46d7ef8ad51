/*
 * report_traces.h - the spans of the slowest requests, from the trace file
 * a stage wrote (--trace-file FILE: Zipkin v2 JSON, one span or one array of
 * spans per line), so a page can draw where a slow request's time went
 * without a tracing server.
 *
 * Only spans whose traceId is one of the wanted ids are kept, at most
 * REPORT_TRACE_SPANS per trace, so a large file costs a pass, not memory.
 */
#ifndef REPORT_TRACES_H
#define REPORT_TRACES_H

#include <stddef.h>

#include "report_err.h"
#include "santa/arena.h"

enum { REPORT_TRACE_SPANS = 48, REPORT_TRACES_MAX = 20 };

struct report_span {
    const char *id, *parent, *name; /* parent "" for the root */
    double start_us, dur_us;        /* Zipkin's timestamp and duration */
    int depth;                      /* 0 for the root, parent's + 1 */
};

struct report_trace {
    const char *trace_id;
    struct report_span spans[REPORT_TRACE_SPANS];
    size_t nspans;
};

/* Reads path and fills traces[i] for each of the n wanted ids (a trace with
   no span in the file keeps nspans 0); spans are sorted by start and given
   their depth. 0, or -1 with err (the file and line). */
int report_traces_read(const char *path, const char *const *ids, size_t n,
                       struct report_trace *traces, struct santa_arena *arena,
                       struct report_error *err);

#endif /* REPORT_TRACES_H */
