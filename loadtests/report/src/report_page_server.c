/*
 * report_page_server.c - the server's side of a run's page: where the time
 * went (from /metrics deltas and from Server-Timing in samples.csv), process
 * CPU and memory over time, cache hits. Each missing source is named in a
 * note instead of drawing an empty chart.
 */
#include <stdbool.h>
#include <stdio.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"

static void phases_from_metrics(struct report_buf *b, const struct report_run *r)
{
    const char *parts[REPORT_PHASES];
    double v[REPORT_PHASES];
    size_t n = 0;
    for (int i = 0; i < REPORT_PHASES; i++)
        if (r->phase_present[i]) {
            parts[n] = report_phase_names[i];
            v[n++] = r->phase_mean_ms[i];
        }
    const char *row[] = {"mean per request"};
    struct report_bars c = {.id = "chart-phases", .title = "Server time per request by phase "
                            "(/metrics, after minus before the run)",
                            .value_label = "mean time per request (ms)", .rows = row,
                            .nrows = 1, .parts = parts, .nparts = n, .values = v, .stacked = true,
                            .empty_note = "no phase histograms in metrics/after.prom"};
    if (!r->has_before_after && n > 0)
        report_html_note(b, "metrics/before.prom is missing: the phase means include traffic "
                            "from before the run.");
    if (n == 0) {
        report_html_note(b, "No server phase times: this run has no metrics/after.prom with "
                            "santa_request_phase_duration_seconds (was /metrics scraped?).");
        return;
    }
    report_svg_bars(b, &c);
    if (!r->phase_present[REPORT_PHASE_CACHE])
        report_html_note(b, "No cache phase: this stage has no cache (no "
                            "phase=\"cache\" histogram).");
}

/* Mean ms per request of each part of one split (app, store, [cache],
 * network); network is what is left of the client's latency. */
static size_t split_means(const struct report_split *s, bool cache, double *out)
{
    double t = s->timed > 0 ? s->timed * 1000.0 : 1;
    size_t n = 0;
    out[n++] = s->app_us / t;
    out[n++] = s->store_us / t;
    if (cache)
        out[n++] = s->cache_us / t;
    double rest = (s->latency_us - s->app_us - s->store_us - s->cache_us) / t;
    out[n++] = rest > 0 ? rest : 0;
    return n;
}

static void split_from_samples(struct report_buf *b, const struct report_run *r)
{
    static const char *const with_cache[] = {"app", "store", "cache", "network + queueing"};
    static const char *const without[] = {"app", "store", "network + queueing"};
    const char *rows[REPORT_MAX_SPLITS + 1];
    double v[(REPORT_MAX_SPLITS + 1) * 4];
    bool cache = r->all.cache_seen;
    size_t n = 0, parts = cache ? 4 : 3;
    if (r->all.timed == 0) {
        report_html_note(b, "No Server-Timing in samples.csv: the client-side split of "
                            "latency (app / store / cache / network) is not available.");
        return;
    }
    rows[n] = "all requests";
    split_means(&r->all, cache, &v[parts * n++]);
    for (size_t i = 0; i < r->nsplits; i++) {
        rows[n] = r->splits[i].name;
        split_means(&r->splits[i], cache, &v[parts * n++]);
    }
    struct report_bars c = {.id = "chart-split", .title = "Where a request's time went, seen "
                            "from the client (Server-Timing in samples.csv)",
                            .value_label = "mean time per request (ms)", .rows = rows,
                            .nrows = n, .parts = cache ? with_cache : without, .nparts = parts,
                            .values = v, .stacked = true};
    report_svg_bars(b, &c);
    report_html_note(b, cache ? "network + queueing = client latency - app - store - cache: "
                                "time in the kernel, on the wire and waiting for a server worker."
                              : "network + queueing = client latency - app - store: time in "
                                "the kernel, on the wire and waiting for a server worker. No "
                                "request had a cache time (a stage without a cache).");
}

/* Only when the server exported a queue depth (a stage with a reminder
 * queue): a run that queues reminders shows the queue filling and the
 * workers draining it; a flat line at 0 says no reminder waited. */
static void queue(struct report_buf *b, const struct report_run *r)
{
    if (r->queue_depth.n == 0)
        return;
    struct report_series s = {.name = "reminders waiting", .x = r->queue_t.v,
                              .y = r->queue_depth.v, .n = r->queue_depth.n};
    struct report_chart c = {.id = "chart-queue", .title = "Reminder queue depth over time",
                             .x_label = "time since start (s)",
                             .y_label = "reminders queued, not yet sent",
                             .empty_note = "no santa_reminder_queue_depth in the scrapes"};
    report_svg_lines(b, &c, &s, 1);
}

static void process(struct report_buf *b, const struct report_run *r)
{
    struct report_series cpu = {.name = "server process CPU", .x = r->cpu_t.v,
                                .y = r->cpu_pct.v, .n = r->cpu_pct.n};
    struct report_chart c1 = {.id = "chart-cpu", .title = "Server CPU over time",
                              .x_label = "time since start (s)",
                              .y_label = "CPU (% of one core)",
                              .empty_note = "no process_cpu_seconds_total in two or more "
                                            "metrics/tNNNNN.prom scrapes"};
    struct report_series rss = {.name = "resident memory", .x = r->rss_t.v, .y = r->rss_mib.v,
                                .n = r->rss_mib.n};
    struct report_chart c2 = {.id = "chart-memory", .title = "Server memory over time",
                              .x_label = "time since start (s)",
                              .y_label = "resident memory (MiB)",
                              .empty_note = "no process_resident_memory_bytes in "
                                            "metrics/tNNNNN.prom scrapes"};
    if (r->nscrapes == 0) {
        report_html_note(b, "No metrics/tNNNNN.prom scrapes: CPU and memory over time are not "
                            "available for this run.");
        return;
    }
    report_svg_lines(b, &c1, &cpu, 1);
    report_svg_lines(b, &c2, &rss, 1);
    queue(b, r);
}

static void cache_counters(struct report_buf *b, const struct report_run *r)
{
    if (!r->has_cache_counters)
        return;
    static const char *const head[] = {"cache", "hits", "misses", "errors", "hit ratio (%)"};
    double total = r->cache_hits + r->cache_misses;
    double v[] = {r->cache_hits, r->cache_misses, r->cache_errors,
                  total > 0 ? r->cache_hits / total * 100 : 0};
    report_buf_puts(b, "<table id=\"cache\">");
    report_html_head_row(b, head, 5);
    report_html_row(b, NULL, "during the run", v, 4);
    report_buf_puts(b, "</table>\n");
}

static void server_rows(struct report_buf *b, const char *id,
                        const struct report_server_row *rows, size_t n,
                        const char *const *head, bool errors)
{
    if (n == 0)
        return;
    report_buf_printf(b, "<table id=\"%s\">", id);
    report_html_head_row(b, head, errors ? 4 : 3);
    for (size_t i = 0; i < n; i++) {
        double v[] = {rows[i].count, rows[i].mean_ms, rows[i].errors};
        report_html_row(b, NULL, rows[i].name, v, errors ? 3 : 2);
    }
    report_buf_puts(b, "</table>\n");
}

static void routes_and_ops(struct report_buf *b, const struct report_run *r)
{
    static const char *const rhead[] = {"route (from /metrics)", "requests", "mean (ms)",
                                        "4xx + 5xx"};
    static const char *const ohead[] = {"store operation (from /metrics)", "calls",
                                        "mean (ms)"};
    if (r->nroutes == 0 && r->nops == 0)
        return;
    report_buf_puts(b, "<h3>By route and by store operation</h3>\n");
    server_rows(b, "routes", r->routes, r->nroutes, rhead, true);
    server_rows(b, "store-ops", r->ops, r->nops, ohead, false);
    if (r->nops == 0)
        report_html_note(b, "No store operation histograms "
                            "(santa_store_operation_duration_seconds) in metrics/after.prom.");
}

void report_page_server(struct report_buf *b, const struct report_run *r)
{
    report_buf_puts(b, "<section id=\"server\"><h2>The server's side</h2>\n");
    report_buf_puts(b, "<h3>Where the time went</h3>\n");
    phases_from_metrics(b, r);
    split_from_samples(b, r);
    report_page_phases(b, &r->summary);
    cache_counters(b, r);
    routes_and_ops(b, r);
    report_buf_puts(b, "<h3>Process CPU and memory</h3>\n");
    process(b, r);
    report_buf_puts(b, "</section>\n");
}
