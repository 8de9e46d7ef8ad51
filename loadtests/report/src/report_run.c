/*
 * report_run.c - loads a results folder: summary, time series, samples
 * (see report_run.h; the metrics/ scrapes are in report_metrics.c).
 */
#include <stdio.h>
#include <string.h>

#include "report_csv.h"
#include "report_run.h"
#include "santa/alloc.h"

enum { RUN_ARENA_LIMIT = 64 << 20, RUN_PATH = 4096 };

const char *const report_ts_names[REPORT_TS_COLS] = {
    "second", "requests", "errors", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms",
    "send_lag_p99_ms", "offered_rps"};

static const char *const sample_names[] = {
    "t_ms", "transaction", "step", "status", "latency_us", "server_app_us", "server_store_us",
    "server_cache_us", "trace_id", "error"};
enum { S_T, S_TXN, S_STEP, S_STATUS, S_LAT, S_APP, S_STORE, S_CACHE, S_TRACE, S_ERROR, S_COLS };

bool report_col_push(struct report_col *col, double v)
{
    if (col->n == col->cap) {
        size_t cap = col->cap ? col->cap * 2 : 64;
        double *nv = santa_realloc(col->v, cap * sizeof *nv);
        if (nv == NULL)
            return false;
        col->v = nv;
        col->cap = cap;
    }
    col->v[col->n++] = v;
    return true;
}

static int path_in(char out[RUN_PATH], const char *dir, const char *name,
                   struct report_error *err)
{
    int n = snprintf(out, RUN_PATH, "%s/%s", dir, name);
    if (n < 0 || n >= RUN_PATH)
        return report_error_set(err, "%s: path too long", dir);
    return 0;
}

/* timeseries.csv: every column a number; an empty latency cell (a second
 * without responses) counts as 0 so each row stays one point. */
static int load_timeseries(struct report_run *r, struct report_error *err)
{
    char path[RUN_PATH];
    struct report_csv *c;
    int idx[REPORT_TS_COLS], rc;
    if (path_in(path, r->dir, "timeseries.csv", err) < 0 ||
        report_csv_open(&c, path, err) < 0)
        return -1;
    if (report_csv_columns(c, report_ts_names, REPORT_TS_REQUIRED, idx, err) < 0) {
        report_csv_close(c);
        return -1;
    }
    struct report_error absent;
    if (report_csv_columns(c, &report_ts_names[REPORT_TS_OFFERED], 1, &idx[REPORT_TS_OFFERED],
                           &absent) < 0)
        idx[REPORT_TS_OFFERED] = idx[REPORT_TS_RPS]; /* older results: one rate */
    while ((rc = report_csv_next(c, err)) == 1) {
        for (int i = 0; i < REPORT_TS_COLS && rc == 1; i++) {
            double v;
            bool present;
            bool optional = i >= REPORT_TS_P50;
            if (report_csv_number(c, idx[i], &v, optional ? &present : NULL, err) < 0)
                rc = -1;
            else if (!report_col_push(&r->ts[i], v))
                rc = report_error_set(err, "%s: out of memory", path);
        }
        if (rc < 0)
            break;
    }
    report_csv_close(c);
    return rc < 0 ? -1 : 0;
}

/* The split for a transaction name: found, added, or "(other)" past the cap. */
static struct report_split *split_for(struct report_run *r, const char *name)
{
    for (size_t i = 0; i < r->nsplits; i++)
        if (strcmp(r->splits[i].name, name) == 0)
            return &r->splits[i];
    if (r->nsplits == REPORT_MAX_SPLITS - 1)
        name = "(other)";
    else if (r->nsplits == REPORT_MAX_SPLITS)
        return &r->splits[REPORT_MAX_SPLITS - 1];
    const char *copy = santa_arena_strdup(&r->arena, name);
    if (copy == NULL)
        return NULL;
    r->splits[r->nsplits] = (struct report_split){.name = copy};
    return &r->splits[r->nsplits++];
}

static void add_split(struct report_split *s, const double *v, bool cache_present)
{
    s->timed += 1;
    s->latency_us += v[S_LAT];
    s->app_us += v[S_APP];
    s->store_us += v[S_STORE];
    s->cache_us += v[S_CACHE];
    s->cache_seen |= cache_present;
}

/* One samples.csv row: numbers checked, time split added when the row has
 * Server-Timing (server_app_us present) and a latency. */
static int sample_row(struct report_run *r, struct report_csv *c, const int *idx,
                      struct report_error *err)
{
    double v[S_COLS] = {0};
    bool present[S_COLS] = {false};
    static const int numeric[] = {S_T, S_STATUS, S_LAT, S_APP, S_STORE, S_CACHE};
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
        int k = numeric[i];
        if (report_csv_number(c, idx[k], &v[k], k == S_T ? NULL : &present[k], err) < 0)
            return -1;
    }
    r->samples += 1;
    if (report_csv_field(c, idx[S_ERROR])[0] != '\0')
        r->sample_errors += 1;
    if (!present[S_APP] || !present[S_LAT])
        return 0;
    struct report_split *s = split_for(r, report_csv_field(c, idx[S_TXN]));
    if (s == NULL)
        return report_error_set(err, "%s/samples.csv: out of memory", r->dir);
    add_split(s, v, present[S_CACHE]);
    add_split(&r->all, v, present[S_CACHE]);
    return 0;
}

static int load_samples(struct report_run *r, struct report_error *err)
{
    char path[RUN_PATH];
    struct report_csv *c;
    int idx[S_COLS], rc;
    if (path_in(path, r->dir, "samples.csv", err) < 0 || report_csv_open(&c, path, err) < 0)
        return -1;
    rc = report_csv_columns(c, sample_names, S_COLS, idx, err);
    while (rc == 0 && (rc = report_csv_next(c, err)) == 1)
        rc = sample_row(r, c, idx, err);
    report_csv_close(c);
    return rc < 0 ? -1 : 0;
}

int report_run_load(struct report_run *r, const char *dir, struct report_error *err)
{
    char path[RUN_PATH];
    *r = (struct report_run){.all = {.name = "all"}};
    santa_arena_init(&r->arena, RUN_ARENA_LIMIT);
    r->dir = santa_strdup(dir);
    if (r->dir == NULL) {
        report_error_set(err, "%s: out of memory", dir);
        goto fail;
    }
    if (path_in(path, dir, "summary.json", err) < 0 ||
        report_summary_read(&r->summary, path, &r->arena, err) < 0 ||
        load_timeseries(r, err) < 0 || load_samples(r, err) < 0 ||
        report_run_load_metrics(r, err) < 0)
        goto fail;
    return 0;
fail:
    report_run_release(r);
    return -1;
}

void report_run_release(struct report_run *r)
{
    for (int i = 0; i < REPORT_TS_COLS; i++)
        santa_free(r->ts[i].v);
    santa_free(r->cpu_t.v);
    santa_free(r->cpu_pct.v);
    santa_free(r->rss_t.v);
    santa_free(r->rss_mib.v);
    santa_free(r->queue_t.v);
    santa_free(r->queue_depth.v);
    santa_free(r->traces);
    santa_free(r->dir);
    santa_arena_release(&r->arena);
    *r = (struct report_run){0};
}
