/*
 * report_metrics.c - the server's side of a run, from the metrics/ scrapes.
 *
 * Where time went: santa_request_phase_duration_seconds{phase} _sum and
 * _count between before.prom and after.prom give the mean time per request
 * in each phase during the run (deltas, so earlier traffic does not count).
 * Over time: tNNNNN.prom (NNNNN = seconds since start) in number order give
 * process CPU % (rate of process_cpu_seconds_total), resident memory and,
 * on a stage with a reminder queue, its depth (santa_reminder_queue_depth).
 * Every part is optional; a scrape that is present must parse.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_prom.h"
#include "report_run.h"
#include "santa/alloc.h"

enum { MET_PATH = 4096, MAX_SCRAPES = 100000 };

static const char PHASE_METRIC[] = "santa_request_phase_duration_seconds";

/* Loads dir/metrics/name when it exists: 0 with *p NULL when absent. */
static int load_optional(const char *dir, const char *name, struct report_prom **p,
                         struct report_error *err)
{
    char path[MET_PATH];
    struct stat st;
    *p = NULL;
    if (snprintf(path, sizeof path, "%s/metrics/%s", dir, name) >= (int)sizeof path)
        return report_error_set(err, "%s: path too long", dir);
    if (stat(path, &st) != 0)
        return 0;
    return report_prom_load(p, path, err);
}

static void phase_deltas(struct report_run *r, const struct report_prom *before,
                         const struct report_prom *after)
{
    char sum_name[96], count_name[96];
    snprintf(sum_name, sizeof sum_name, "%s_sum", PHASE_METRIC);
    snprintf(count_name, sizeof count_name, "%s_count", PHASE_METRIC);
    for (int i = 0; i < REPORT_PHASES; i++) {
        double s1, s0, c1, c0;
        const char *ph = report_phase_names[i];
        if (report_prom_sum(after, sum_name, "phase", ph, &s1) == 0 ||
            report_prom_sum(after, count_name, "phase", ph, &c1) == 0)
            continue;
        report_prom_sum(before, sum_name, "phase", ph, &s0);
        report_prom_sum(before, count_name, "phase", ph, &c0);
        /* A phase no request went through is absent: libinstrument exports the
         * cache histogram with count 0 in stages without a cache. */
        if (!(c1 > c0))
            continue;
        double mean = (s1 - s0) / (c1 - c0) * 1000.0;
        if (!isfinite(mean) || mean < 0) /* NaN in a scrape, or a restart reset the counters */
            continue;
        r->phase_present[i] = true;
        r->phase_count[i] = c1 - c0;
        r->phase_mean_ms[i] = mean;
    }
}

static void cache_deltas(struct report_run *r, const struct report_prom *before,
                         const struct report_prom *after)
{
    static const char name[] = "santa_cache_requests_total";
    double a, b;
    if (report_prom_sum(after, name, NULL, NULL, &a) == 0)
        return;
    r->has_cache_counters = true;
    report_prom_sum(after, name, "result", "hit", &a);
    report_prom_sum(before, name, "result", "hit", &b);
    r->cache_hits = a - b;
    /* stage 04's local results: a hit answered in process, no round trip */
    report_prom_sum(after, name, "result", "local_hit", &a);
    report_prom_sum(before, name, "result", "local_hit", &b);
    r->cache_hits += a - b;
    report_prom_sum(after, name, "result", "miss", &a);
    report_prom_sum(before, name, "result", "miss", &b);
    r->cache_misses = a - b;
    report_prom_sum(after, name, "result", "error", &a);
    report_prom_sum(before, name, "result", "error", &b);
    r->cache_errors = a - b;
}

static int before_after(struct report_run *r, struct report_error *err)
{
    struct report_prom *before, *after;
    if (load_optional(r->dir, "before.prom", &before, err) < 0)
        return -1;
    if (load_optional(r->dir, "after.prom", &after, err) < 0) {
        report_prom_free(before);
        return -1;
    }
    int rc = 0;
    if (after != NULL) {
        r->has_before_after = before != NULL;
        phase_deltas(r, before, after);
        cache_deltas(r, before, after);
        rc = report_run_server_rows(r, before, after, err);
    }
    report_prom_free(before);
    report_prom_free(after);
    return rc;
}

/* "t00042.prom" -> 42; -1 for any other name. */
static long scrape_second(const char *name)
{
    if (name[0] != 't' || name[1] < '0' || name[1] > '9')
        return -1;
    char *end;
    errno = 0;
    long v = strtol(name + 1, &end, 10);
    if (errno != 0 || strcmp(end, ".prom") != 0 || end - name > 10)
        return -1;
    /* Only the canonical spelling, so scrape() can rebuild the name. */
    char canon[32];
    snprintf(canon, sizeof canon, "t%05ld.prom", v);
    return strcmp(canon, name) == 0 ? v : -1;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The seconds of every tNNNNN.prom, sorted; *n = 0 without metrics/. */
static int list_scrapes(const char *dir, long **out, size_t *n, struct report_error *err)
{
    char path[MET_PATH];
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    snprintf(path, sizeof path, "%s/metrics", dir);
    DIR *d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : report_error_set(err, "%s: %s", path, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long s = scrape_second(e->d_name);
        if (s < 0)
            continue;
        if (*n == MAX_SCRAPES)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            long *nv = santa_realloc(*out, cap * sizeof *nv);
            if (nv == NULL) {
                closedir(d);
                return report_error_set(err, "%s: out of memory", path);
            }
            *out = nv;
        }
        (*out)[(*n)++] = s;
    }
    closedir(d);
    if (*n > 0)
        qsort(*out, *n, sizeof **out, cmp_long);
    return 0;
}

/* One scrape: its memory, and CPU % since the previous scrape. */
static int scrape(struct report_run *r, long sec, double *prev_t, double *prev_cpu,
                  struct report_error *err)
{
    char name[32];
    struct report_prom *p;
    double cpu, rss, depth;
    snprintf(name, sizeof name, "t%05ld.prom", sec);
    if (load_optional(r->dir, name, &p, err) < 0)
        return -1;
    bool ok = true;
    /* A NaN or Inf sample counts as absent: it cannot be drawn. */
    if (report_prom_sum(p, "process_resident_memory_bytes", NULL, NULL, &rss) > 0 &&
        isfinite(rss))
        ok = report_col_push(&r->rss_t, (double)sec) &&
             report_col_push(&r->rss_mib, rss / (1024.0 * 1024.0));
    /* Only stages with a queue export it (the server reads it at each scrape). */
    if (report_prom_sum(p, "santa_reminder_queue_depth", NULL, NULL, &depth) > 0 &&
        isfinite(depth) && ok)
        ok = report_col_push(&r->queue_t, (double)sec) && report_col_push(&r->queue_depth, depth);
    if (report_prom_sum(p, "process_cpu_seconds_total", NULL, NULL, &cpu) > 0 && isfinite(cpu)) {
        /* A counter that went down means the server restarted: no rate across it. */
        if (*prev_t >= 0 && sec > *prev_t && cpu >= *prev_cpu && ok)
            ok = report_col_push(&r->cpu_t, (double)sec) &&
                 report_col_push(&r->cpu_pct, (cpu - *prev_cpu) / ((double)sec - *prev_t) * 100);
        *prev_t = (double)sec;
        *prev_cpu = cpu;
    }
    report_prom_free(p);
    r->nscrapes++;
    return ok ? 0 : report_error_set(err, "%s/metrics: out of memory", r->dir);
}

int report_run_load_metrics(struct report_run *r, struct report_error *err)
{
    long *secs;
    size_t n;
    if (before_after(r, err) < 0 || list_scrapes(r->dir, &secs, &n, err) < 0)
        return -1;
    double prev_t = -1, prev_cpu = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = scrape(r, secs[i], &prev_t, &prev_cpu, err);
    santa_free(secs);
    return rc;
}
