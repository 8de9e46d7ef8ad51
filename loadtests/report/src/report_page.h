/*
 * report_page.h - the pages santa-report writes.
 *
 * report_page_run: one run's report.html (headline, charts over time, the
 * latency distribution, the server's side, per-transaction tables, slowest
 * traces). report_page_compare: several runs side by side, with latency
 * against data size for each stage that was run at several sizes.
 * Both only read the runs; every string from them is HTML-escaped.
 */
#ifndef REPORT_PAGE_H
#define REPORT_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "report_buf.h"
#include "report_err.h"
#include "report_run.h"

enum { REPORT_PAGE_LIMIT = 32 << 20, REPORT_MAX_RUNS = 16 };

void report_page_run(struct report_buf *b, const struct report_run *r);
void report_page_compare(struct report_buf *b, const struct report_run *runs, size_t n);
/* A second whose achieved rate fell below this share of the offered rate is a dip. */
#define REPORT_DIP_SHARE 0.9
/* The run's lowest second fell below REPORT_DIP_SHARE of the offered rate. */
bool report_dipped(const struct report_summary *s);
/* Answers, failures, timeouts; service against response time (report_page_load.c). */
void report_page_answers(struct report_buf *b, const struct report_summary *s);
/* Every Server-Timing phase at p50 and p99 (a chart; report_page_load.c). */
void report_page_phases(struct report_buf *b, const struct report_summary *s);
/* The saturation search: the hockey stick and the ladder, if the run has one. */
void report_page_search(struct report_buf *b, const struct report_summary *s);
/* The ladder sorted by offered rate into x (achieved req/s), p50, p99 (each
   s->nladder long). Returns the number of points. */
size_t report_ladder_curve(const struct report_summary *s, double *x, double *p50, double *p99);
/* One timeline (client throughput and p99, server CPU and memory on one time
   axis) and the run's one-line verdict (report_page_verdict.c). */
void report_page_timeline(struct report_buf *b, const struct report_run *r);
/* The verdict alone: generator-bound, server CPU-bound, waiting on a dependency,
   or room to spare. Written into buf (n bytes), which it returns. */
const char *report_verdict(const struct report_run *r, char *buf, size_t n);
/* Each run against the first with 95% intervals and Welch's t-test
   (report_compare_ci.c). */
void report_compare_significance(struct report_buf *b, const struct report_run *runs, size_t n,
                                 const char *const *labels);
/* The server section of report_page_run (report_page_server.c). */
void report_page_server(struct report_buf *b, const struct report_run *r);

/* What writing a page came to; the values are santa-report's exit codes. */
enum report_outcome {
    REPORT_WRITTEN = 0,
    REPORT_WRITE_FAILED = 1, /* err says why the page could not be written */
    REPORT_BAD_INPUT = 2,    /* err names the file and the line or JSON path */
};

/* Loads dir and writes dir/report.html. */
enum report_outcome report_write_run(const char *dir, struct report_error *err);
/* The same, with the spans of the slowest requests read from the stage's trace
   file (NULL: none), drawn as waterfalls (report_page_traces.c). */
enum report_outcome report_write_run_traces(const char *dir, const char *traces,
                                            struct report_error *err);
void report_page_waterfalls(struct report_buf *b, const struct report_run *r);
/* Loads every dir (1 to REPORT_MAX_RUNS of them) and writes the page to out. */
enum report_outcome report_write_compare(const char *out, const char *const *dirs, size_t n,
                                         struct report_error *err);

#endif /* REPORT_PAGE_H */
