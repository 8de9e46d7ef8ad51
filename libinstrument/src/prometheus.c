/*
 * prometheus.c - text format 0.0.4 (see prometheus.h).
 *
 * Output goes into a growing heap buffer with a ceiling (64 MB), built by
 * the scraping thread; recording threads are never stopped for it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument/process.h"
#include "instrument/prometheus.h"
#include "metrics_internal.h"

#define OUT_CEILING (64u << 20)

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = true;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2;
        char *nb = cap <= OUT_CEILING ? realloc(o->buf, cap) : NULL;
        if (nb == NULL) {
            o->failed = true;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
}

/* Upper bounds of the exported buckets, in seconds. */
static const double le_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                   0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                   5,      10,      30,     60};

static const char *type_name(enum inst_metric_type t)
{
    return t == INST_COUNTER ? "counter" : t == INST_GAUGE ? "gauge" : "histogram";
}

static void series(struct out *o, const char *name, const char *suffix, const char *labels,
                   const char *extra)
{
    bool any = labels[0] || extra[0];
    out_printf(o, "%s%s%s%s%s%s%s", name, suffix, any ? "{" : "", labels,
               labels[0] && extra[0] ? "," : "", extra, any ? "}" : "");
}

static void histogram(struct out *o, const struct inst_metric *m, struct inst_hist *h)
{
    const char *name = m->family->name;
    inst_hist_read(m, h);
    /* +Inf and _count from the buckets themselves, so they agree even while threads record */
    uint64_t total = inst_hist_count_le(h, UINT64_MAX);
    char le[48];
    for (size_t i = 0; i < sizeof le_bounds / sizeof le_bounds[0]; i++) {
        snprintf(le, sizeof le, "le=\"%g\"", le_bounds[i]);
        series(o, name, "_bucket", m->labels, le);
        out_printf(o, " %llu\n",
                   (unsigned long long)inst_hist_count_le(h, (uint64_t)(le_bounds[i] * 1e9)));
    }
    series(o, name, "_bucket", m->labels, "le=\"+Inf\"");
    out_printf(o, " %llu\n", (unsigned long long)total);
    series(o, name, "_sum", m->labels, "");
    out_printf(o, " %.9f\n", (double)inst_hist_sum(h) / 1e9);
    series(o, name, "_count", m->labels, "");
    out_printf(o, " %llu\n", (unsigned long long)total);
}

static void process_metrics(struct out *o)
{
    struct inst_process_stats p;
    if (!inst_process_read(&p))
        return;
    out_printf(o, "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                  "seconds.\n# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.2f\n", p.cpu_seconds);
    out_printf(o, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %llu\n",
               (unsigned long long)p.resident_bytes);
    out_printf(o, "# HELP process_open_fds Number of open file descriptors.\n"
                  "# TYPE process_open_fds gauge\nprocess_open_fds %llu\n",
               (unsigned long long)p.open_fds);
    out_printf(o, "# HELP process_threads Number of OS threads in the process.\n"
                  "# TYPE process_threads gauge\nprocess_threads %llu\n",
               (unsigned long long)p.threads);
    out_printf(o, "# HELP process_start_time_seconds Start time of the process since unix "
                  "epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
                  "process_start_time_seconds %.2f\n", p.start_time_seconds);
}

char *inst_prometheus_render(size_t *len)
{
    struct out o = {.cap = 16384};
    o.buf = malloc(o.cap);
    struct inst_hist *h = malloc(sizeof *h);
    if (o.buf == NULL || h == NULL) {
        free(o.buf);
        free(h);
        return NULL;
    }
    o.buf[0] = '\0';
    for (struct inst_family *f = inst_families_lock(); f; f = f->next) {
        if (f->first == NULL)
            continue;
        out_printf(&o, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                   type_name(f->type));
        for (const struct inst_metric *m = f->first; m; m = m->next_in_family) {
            if (f->type == INST_HISTOGRAM) {
                histogram(&o, m, h);
                continue;
            }
            series(&o, f->name, "", m->labels, "");
            if (f->type == INST_COUNTER)
                out_printf(&o, " %llu\n", (unsigned long long)inst_counter_read(m));
            else
                out_printf(&o, " %lld\n", (long long)inst_gauge_read(m));
        }
    }
    inst_families_unlock();
    process_metrics(&o);
    free(h);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    *len = o.len;
    return o.buf;
}
