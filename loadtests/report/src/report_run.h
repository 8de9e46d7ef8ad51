/*
 * report_run.h - one load-test results folder, loaded and summarised.
 *
 * Reads DIR/summary.json, DIR/timeseries.csv and DIR/samples.csv (all
 * required) and DIR/metrics/{before,after,tNNNNN}.prom (optional: a run
 * without scrapes, or a stage without a cache, is reported as such by the
 * page, not refused). samples.csv is streamed and reduced to "where time
 * went" sums; timeseries.csv and the scrapes become columns for charts.
 * Everything is owned by the struct and freed by report_run_release.
 */
#ifndef REPORT_RUN_H
#define REPORT_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "report_err.h"
#include "report_summary.h"
#include "report_traces.h"
#include "santa/arena.h"

/* A growable column of numbers. */
struct report_col {
    double *v;
    size_t n, cap;
};

enum report_ts_col {
    REPORT_TS_SECOND, REPORT_TS_REQUESTS, REPORT_TS_ERRORS, REPORT_TS_RPS, REPORT_TS_P50,
    REPORT_TS_P90, REPORT_TS_P99, REPORT_TS_MAX, REPORT_TS_LAG_P99,
    REPORT_TS_OFFERED, /* optional (older results lack it: rps is used) */
    REPORT_TS_COLS
};
/* rps is the achieved rate (successful answers by completion) in results
   that have offered_rps; before, it was the rate of requests by start. */
enum { REPORT_TS_REQUIRED = REPORT_TS_OFFERED };
extern const char *const report_ts_names[REPORT_TS_COLS];

/* Where the time of requests with Server-Timing went, summed in microseconds. */
struct report_split {
    const char *name;      /* transaction, or "all" */
    double timed;          /* rows with Server-Timing */
    double latency_us, app_us, store_us, cache_us;
    bool cache_seen;       /* some row had server_cache_us */
};

enum { REPORT_MAX_SPLITS = 32, REPORT_MAX_SERVER_ROWS = 64 };

/* One route or one store operation during the run, from /metrics deltas. */
struct report_server_row {
    const char *name;   /* "GET /api/exchanges/{id}", or a store operation */
    double count;       /* requests or calls during the run */
    double mean_ms;     /* mean duration */
    double errors;      /* routes: 4xx and 5xx answers; operations: 0 */
};

struct report_run {
    char *dir;                           /* as given */
    struct santa_arena arena;            /* summary strings, split names */
    struct report_summary summary;
    struct report_col ts[REPORT_TS_COLS]; /* timeseries.csv, one row per second */
    /* samples.csv */
    double samples, sample_errors;
    struct report_split all;
    struct report_split splits[REPORT_MAX_SPLITS]; /* per transaction; the rest in "(other)" */
    size_t nsplits;
    /* metrics/ */
    bool has_before_after;
    bool phase_present[REPORT_PHASES];   /* the phase's histogram appears in after.prom */
    double phase_mean_ms[REPORT_PHASES]; /* delta sum / delta count, after - before */
    double phase_count[REPORT_PHASES];
    struct report_server_row routes[REPORT_MAX_SERVER_ROWS];
    size_t nroutes;
    struct report_server_row ops[REPORT_MAX_SERVER_ROWS];
    size_t nops;
    double cache_hits, cache_misses, cache_errors;
    bool has_cache_counters;
    size_t nscrapes;                     /* metrics/tNNNNN.prom files read */
    struct report_col cpu_t, cpu_pct;    /* CPU % between consecutive scrapes, at the later one */
    struct report_col rss_t, rss_mib;    /* resident memory at each scrape */
    struct report_col queue_t, queue_depth; /* santa_reminder_queue_depth at each scrape */
    /* The slowest requests' spans, when a trace file was given. */
    bool traces_given;
    struct report_trace *traces;         /* [ntraces], in the slowest list's order */
    size_t ntraces;
};

/* Loads dir. 0, or -1 with err set (nothing to release then). */
int report_run_load(struct report_run *r, const char *dir, struct report_error *err);
void report_run_release(struct report_run *r);

/* Appends v to col; false when out of memory. */
bool report_col_push(struct report_col *col, double v);

/* The metrics/ part of report_run_load (report_metrics.c): fills the
 * metrics fields of r from r->dir. 0, or -1 with err set. */
int report_run_load_metrics(struct report_run *r, struct report_error *err);

struct report_prom;
/* Fills r->routes and r->ops from two scrapes (report_metrics_rows.c);
 * before may be NULL. 0, or -1 with err set. */
int report_run_server_rows(struct report_run *r, const struct report_prom *before,
                           const struct report_prom *after, struct report_error *err);

#endif /* REPORT_RUN_H */
