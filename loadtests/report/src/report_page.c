/*
 * report_page.c - one run's report.html (see report_page.h).
 *
 * Order is the order a reader asks questions in: how fast and how healthy
 * (headline), how it moved over time, how latency is distributed, where the
 * server spent the time, then the detail tables. Whatever a run lacks (no
 * scrapes, no cache, no Server-Timing) is said in a note where the missing
 * chart would be, so an empty spot never looks like a zero.
 */
#include <stdio.h>
#include <string.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"
#include "santa/alloc.h"

static const double *col(const struct report_run *r, enum report_ts_col c)
{
    return r->ts[c].v;
}

static void card(struct report_buf *b, const char *cls, const char *key, const char *value)
{
    report_buf_printf(b, "<div class=\"card%s%s\"><div class=\"v\">", cls ? " " : "",
                      cls ? cls : "");
    report_buf_escape(b, value);
    report_buf_puts(b, "</div><div class=\"k\">");
    report_buf_escape(b, key);
    report_buf_puts(b, "</div></div>");
}

static double pct(double part, double whole)
{
    return whole > 0 ? part / whole * 100 : 0;
}

static void headline(struct report_buf *b, const struct report_run *r)
{
    const struct report_summary *s = &r->summary;
    char rps[48], p50[48], p99[48], errs[96], reqs[48], dur[48], ep[48], off[48], low[48];
    report_fmt(rps, sizeof rps, s->achieved_rps);
    report_fmt(off, sizeof off, s->offered_rps);
    report_fmt(low, sizeof low, s->min_second_rps);
    report_fmt(p50, sizeof p50, s->latency.p50);
    report_fmt(p99, sizeof p99, s->latency.p99);
    report_fmt(reqs, sizeof reqs, s->requests);
    report_fmt(dur, sizeof dur, s->duration_s);
    report_fmt(ep, sizeof ep, pct(s->errors, s->requests));
    snprintf(errs, sizeof errs, "%.0f (%s%%)", s->errors, ep);
    report_buf_puts(b, "<section id=\"headline\"><p class=\"lead\">");
    report_buf_escape(b, s->stage);
    report_buf_printf(b, " was offered %s requests in %s s (%s req/s) and answered <b>%s req/s"
                      "</b>, median <b>%s ms</b>, p99 <b>%s ms</b>, <b>%s</b> errors.</p>\n"
                      "<div class=\"headline\">", reqs, dur, off, rps, p50, p99, errs);
    card(b, NULL, "achieved req/s (answers)", rps);
    card(b, NULL, "offered req/s", off);
    if (s->has_achieved)
        card(b, report_dipped(s) ? "bad" : NULL, "lowest second req/s", low);
    card(b, NULL, "p50 latency (ms)", p50);
    card(b, NULL, "p99 latency (ms)", p99);
    card(b, s->errors > 0 ? "bad" : "good", "errors", errs);
    report_buf_puts(b, "</div>\n");
    if (s->has_repeats) {
        char m[3][48], h[3][48];
        for (int k = 0; k < 3; k++) {
            report_fmt(m[k], sizeof m[k], s->repeat_mean[k]);
            report_fmt(h[k], sizeof h[k], s->repeat_ci[k]);
        }
        report_buf_printf(b, "<p class=\"lead\" id=\"repeats\">Over %.0f repeated runs (95%% "
                          "intervals): achieved %s &plusmn; %s req/s, p50 %s &plusmn; %s ms, p99 "
                          "%s &plusmn; %s ms. The figures below are the median run's.</p>\n",
                          s->repeat_runs, m[0], h[0], m[1], h[1], m[2], h[2]);
    }
    if (s->partial)
        report_buf_puts(b, "<div class=\"warn\" id=\"partial\"><b>Partial results</b>: the run "
                           "was interrupted (Ctrl-C); the figures cover the part that ran."
                           "</div>\n");
    if (report_dipped(s))
        report_buf_printf(b, "<div class=\"warn\" id=\"dip\"><b>Throughput dipped</b>: in its "
                          "slowest second the server completed %s successful answers per second "
                          "while %s per second were offered. A stall (a pause, a lock, a full "
                          "pool) shows here and in the throughput chart below.</div>\n", low, off);
    if (s->bottleneck) {
        report_buf_puts(b, "<div class=\"warn\" id=\"bottleneck\"><b>The load generator was the "
                           "bottleneck</b>: these figures measure santa-load as much as the "
                           "server. ");
        report_buf_escape(b, s->gen_note);
        report_buf_puts(b, "</div>\n");
    }
    report_buf_puts(b, "</section>\n");
}

static void meta(struct report_buf *b, const struct report_summary *s, const char *dir)
{
    char v[6][48];
    report_fmt(v[0], sizeof v[0], s->threads);
    report_fmt(v[1], sizeof v[1], s->connections);
    report_fmt(v[2], sizeof v[2], s->meta_duration_s);
    report_fmt(v[3], sizeof v[3], s->warmup_s);
    report_fmt(v[4], sizeof v[4], s->seed_participants);
    report_fmt(v[5], sizeof v[5], s->seed_exchanges);
    report_buf_puts(b, "<p class=\"meta\">Scenario <b>");
    report_buf_escape(b, s->scenario);
    report_buf_puts(b, "</b>, ");
    report_buf_escape(b, s->mode);
    report_buf_printf(b, " loop, %s threads, %s connections", v[0], v[1]);
    if (s->rate > 0)
        report_buf_printf(b, ", target %.0f req/s", s->rate);
    report_buf_printf(b, ", traceparent sampled for %.0f%% of requests", s->trace_sample * 100);
    report_buf_printf(b, ", %s s measured after %s s warm-up", v[2], v[3]);
    if (s->has_seed)
        report_buf_printf(b, ", data: %s exchanges, %s participants", v[5], v[4]);
    report_buf_puts(b, ".<br>Target ");
    report_buf_escape(b, s->url);
    report_buf_puts(b, ", started ");
    report_buf_escape(b, s->started_at);
    report_buf_puts(b, ", results in ");
    report_buf_escape(b, dir);
    report_buf_puts(b, ".</p>\n");
}

static void over_time(struct report_buf *b, const struct report_run *r)
{
    size_t n = r->ts[REPORT_TS_SECOND].n;
    const double *t = col(r, REPORT_TS_SECOND);
    const char *none = "timeseries.csv has no rows";
    struct report_series tput[] = {
        {.name = "achieved (answers / s, at completion)", .x = t, .y = col(r, REPORT_TS_RPS),
         .n = n},
        {.name = "errors / s", .x = t, .y = col(r, REPORT_TS_ERRORS), .n = n},
        {.name = "offered (requests / s, by intended start)", .x = t,
         .y = col(r, REPORT_TS_OFFERED), .n = n, .dashed = true},
    };
    struct report_chart c1 = {.id = "chart-throughput", .title = "Throughput and errors over time",
                              .x_label = "time since start of measurement (s)",
                              .y_label = "per second", .empty_note = none};
    struct report_series lat[] = {
        {.name = "p50", .x = t, .y = col(r, REPORT_TS_P50), .n = n},
        {.name = "p90", .x = t, .y = col(r, REPORT_TS_P90), .n = n},
        {.name = "p99", .x = t, .y = col(r, REPORT_TS_P99), .n = n},
        {.name = "max", .x = t, .y = col(r, REPORT_TS_MAX), .n = n, .dashed = true},
        {.name = "generator send lag p99", .x = t, .y = col(r, REPORT_TS_LAG_P99), .n = n,
         .dashed = true},
    };
    struct report_chart c2 = {.id = "chart-latency-time", .title = "Latency percentiles over time",
                              .x_label = "time since start of measurement (s)",
                              .y_label = "latency (ms)", .empty_note = none};
    report_buf_puts(b, "<section id=\"over-time\"><h2>Over time</h2>\n");
    report_svg_lines(b, &c1, tput, 3);
    report_svg_lines(b, &c2, lat, 5);
    report_html_note(b, "Each point is one second. A rising p99 with flat throughput means "
                        "queueing; a send lag close to the latency means the generator, not the "
                        "server, was late.");
    report_buf_puts(b, "</section>\n");
}

static void distribution(struct report_buf *b, const struct report_summary *s)
{
    struct report_series d[] = {
        {.name = "response time (from the intended start)", .x = s->dist_p, .y = s->dist_ms,
         .n = s->ndist},
        {.name = "service time (from the actual send)", .x = s->sdist_p, .y = s->sdist_ms,
         .n = s->nsdist, .dashed = true},
    };
    struct report_chart c = {.id = "chart-distribution",
                             .title = "Latency distribution (percentile plot)",
                             .x_label = "percentile (%), log scale towards the tail",
                             .y_label = "latency (ms)", .x_axis = REPORT_X_PERCENTILE,
                             .empty_note = "summary.json has no latency_distribution"};
    report_buf_puts(b, "<section id=\"distribution\"><h2>Latency distribution</h2>\n");
    report_svg_lines(b, &c, d, 2);
    report_html_note(b, "Read it left to right: the typical request, then the tail. Each step "
                        "right is ten times rarer (90%, 99%, 99.9%). Successful answers only; "
                        "where the two lines part, requests queued before they were sent.");
    if (s->dist_from_histogram)
        report_html_note(b, "Drawn from the whole histogram santa-load exported "
                            "(summary.json histograms), cut at 52 percentiles.");
    report_buf_puts(b, "</section>\n");
}

static void latency_cells(double *v, double requests, double errors, double rps,
                          const struct report_latency *l)
{
    double out[] = {requests, errors, pct(errors, requests), rps, l->mean, l->p50, l->p90,
                    l->p99, l->p999, l->max};
    memcpy(v, out, sizeof out);
}

static void transactions(struct report_buf *b, const struct report_summary *s)
{
    static const char *const head[] = {"transaction / step", "requests", "errors", "errors (%)",
                                       "req/s", "mean (ms)", "p50 (ms)", "p90 (ms)", "p99 (ms)",
                                       "p99.9 (ms)", "max (ms)"};
    double v[10];
    report_buf_puts(b, "<section id=\"transactions\"><h2>Transactions and steps</h2>\n");
    if (s->ntxns == 0) {
        report_html_note(b, "summary.json lists no transactions.");
        report_buf_puts(b, "</section>\n");
        return;
    }
    report_buf_puts(b, "<table>");
    report_html_head_row(b, head, 11);
    latency_cells(v, s->requests, s->errors, s->rps, &s->latency);
    report_html_row(b, "txn", "all", v, 10);
    for (size_t i = 0; i < s->ntxns; i++) {
        const struct report_txn *t = &s->txns[i];
        latency_cells(v, t->requests, t->errors, t->rps, &t->latency);
        report_html_row(b, "txn", t->name, v, 10);
        for (size_t j = 0; j < t->nsteps; j++) {
            const struct report_step *st = &t->steps[j];
            latency_cells(v, st->requests, st->errors, st->rps, &st->latency);
            report_html_row(b, "step", st->name, v, 10);
        }
    }
    report_buf_puts(b, "</table></section>\n");
}

static void errors(struct report_buf *b, const struct report_summary *s)
{
    static const char *const head[] = {"kind", "count", "of all requests (%)"};
    report_buf_puts(b, "<section id=\"errors\"><h2>Errors by kind</h2>\n");
    if (s->nerrors_by_kind == 0)
        report_html_note(b, "summary.json has no errors_by_kind.");
    else {
        report_buf_puts(b, "<table>");
        report_html_head_row(b, head, 3);
        for (size_t i = 0; i < s->nerrors_by_kind; i++) {
            double v[] = {s->errors_by_kind[i].n, pct(s->errors_by_kind[i].n, s->requests)};
            report_html_row(b, NULL, s->errors_by_kind[i].name, v, 2);
        }
        report_buf_puts(b, "</table>");
    }
    report_buf_puts(b, "</section>\n");
}

static void generator(struct report_buf *b, const struct report_summary *s)
{
    static const char *const head[] = {"load generator", "CPU (s)", "CPU (%)", "send lag p50 (ms)",
                                       "send lag p99 (ms)", "send lag max (ms)"};
    report_buf_puts(b, "<section id=\"generator\"><h2>The load generator</h2>\n");
    if (!s->has_generator) {
        report_html_note(b, "summary.json has no generator section.");
    } else {
        double v[] = {s->gen_cpu_s, s->gen_cpu_percent, s->lag_p50, s->lag_p99, s->lag_max};
        report_buf_puts(b, "<table>");
        report_html_head_row(b, head, 6);
        report_html_row(b, NULL, s->bottleneck ? "bottleneck: yes" : "bottleneck: no", v, 5);
        report_buf_puts(b, "</table>");
        if (s->gen_note[0] != '\0')
            report_html_note(b, s->gen_note);
    }
    report_buf_puts(b, "</section>\n");
}

static void slow_row(struct report_buf *b, size_t i, const struct report_slow *r)
{
    char lat[48], t[48];
    report_fmt(lat, sizeof lat, r->latency_ms);
    report_fmt(t, sizeof t, r->t_s);
    report_buf_printf(b, "<tr><td>%zu</td><td class=\"id\">", i + 1);
    report_buf_escape(b, r->trace_id);
    report_buf_puts(b, "</td><td class=\"t\">");
    report_buf_escape(b, r->transaction);
    report_buf_puts(b, "</td><td class=\"t\">");
    report_buf_escape(b, r->step);
    report_buf_printf(b, "</td><td>%.0f</td><td>%s</td><td>%s</td><td class=\"t\">", r->status,
                      lat, t);
    report_buf_escape(b, r->error && r->error[0] ? r->error : "ok");
    report_buf_puts(b, "</td></tr>\n");
}

static void slowest(struct report_buf *b, const struct report_summary *s)
{
    static const char *const head[] = {"#", "trace id", "transaction", "step", "HTTP status",
                                       "latency (ms)", "at (s)", "error"};
    report_buf_puts(b, "<section id=\"slowest\"><h2>Slowest requests</h2>\n");
    if (s->nslowest == 0) {
        report_html_note(b, "summary.json lists no slowest requests.");
        report_buf_puts(b, "</section>\n");
        return;
    }
    report_html_note(b, "Look a trace id up in the server's trace file (a stage started with "
                        "--trace-file FILE: grep the id) to see that request's spans: where "
                        "inside the server its time went.");
    report_buf_puts(b, "<table>");
    report_html_head_row(b, head, 8);
    for (size_t i = 0; i < s->nslowest; i++)
        slow_row(b, i, &s->slowest[i]);
    report_buf_puts(b, "</table></section>\n");
}

void report_page_run(struct report_buf *b, const struct report_run *r)
{
    const struct report_summary *s = &r->summary;
    report_html_begin(b, "santa-stack load test report");
    report_buf_puts(b, "<h1>Load test: ");
    report_buf_escape(b, s->stage);
    report_buf_puts(b, "</h1>\n");
    meta(b, s, r->dir);
    headline(b, r);
    report_page_search(b, s);
    report_page_timeline(b, r);
    over_time(b, r);
    distribution(b, s);
    report_page_answers(b, s);
    report_page_server(b, r);
    transactions(b, s);
    errors(b, s);
    generator(b, s);
    slowest(b, s);
    report_page_waterfalls(b, r);
    report_html_end(b);
}

/* The spans of the slowest answers from the trace file. */
static int load_traces(struct report_run *r, const char *path, struct report_error *err)
{
    const char *ids[REPORT_TRACES_MAX];
    size_t n = 0;
    const struct report_summary *s = &r->summary;
    for (size_t i = 0; i < s->nslowest && n < REPORT_TRACES_MAX; i++)
        if (s->slowest[i].trace_id[0] != '\0')
            ids[n++] = s->slowest[i].trace_id;
    r->traces_given = true;
    r->traces = santa_calloc(n ? n : 1, sizeof *r->traces);
    if (r->traces == NULL)
        return report_error_set(err, "%s: out of memory", path);
    r->ntraces = n;
    return report_traces_read(path, ids, n, r->traces, &r->arena, err);
}

enum report_outcome report_write_run(const char *dir, struct report_error *err)
{
    return report_write_run_traces(dir, NULL, err);
}

enum report_outcome report_write_run_traces(const char *dir, const char *traces,
                                            struct report_error *err)
{
    struct report_run r;
    struct report_buf b;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/report.html", dir) >= (int)sizeof path) {
        report_error_set(err, "%s: path too long", dir);
        return REPORT_BAD_INPUT;
    }
    if (report_run_load(&r, dir, err) < 0)
        return REPORT_BAD_INPUT;
    if (traces != NULL && load_traces(&r, traces, err) < 0) {
        report_run_release(&r);
        return REPORT_BAD_INPUT;
    }
    report_buf_init(&b, REPORT_PAGE_LIMIT);
    report_page_run(&b, &r);
    int rc = report_html_write(&b, path, err);
    report_buf_release(&b);
    report_run_release(&r);
    return rc < 0 ? REPORT_WRITE_FAILED : REPORT_WRITTEN;
}
