/*
 * report_compare.c - several runs on one page (see report_page.h).
 *
 * Runs are named by their stage (meta.stage); when one stage was run more
 * than once the label adds its data size, because that is what differs in
 * a data-size sweep. The sweep chart draws, per stage run at two or more
 * sizes, p50 and p99 against the number of seeded participants: the line's
 * slope is how the stage's latency grows with data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"
#include "santa/alloc.h"

enum { MAX_TXNS = 32, LABEL = 160 };

struct cmp {
    const struct report_run *runs;
    size_t n;
    char labels[REPORT_MAX_RUNS][LABEL];
    const char *label_ptr[REPORT_MAX_RUNS];
    const char *txns[MAX_TXNS + 1]; /* "all" first, then the union of names */
    size_t ntxns;
};

static void make_labels(struct cmp *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        size_t same = 0;
        for (size_t j = 0; j < c->n; j++)
            same += strcmp(c->runs[j].summary.stage, s->stage) == 0;
        if (same == 1)
            snprintf(c->labels[i], LABEL, "%s", s->stage);
        else if (s->has_seed)
            snprintf(c->labels[i], LABEL, "%s, %.0f participants", s->stage, s->seed_participants);
        else
            snprintf(c->labels[i], LABEL, "%s (run %zu)", s->stage, i + 1);
        /* Same stage and size twice (a repeat run): number it, keep both. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->labels[j], c->labels[i]) == 0) {
                size_t len = strlen(c->labels[i]);
                snprintf(c->labels[i] + len, LABEL - len, " (run %zu)", i + 1);
                break;
            }
        c->label_ptr[i] = c->labels[i];
    }
}

static void collect_txns(struct cmp *c)
{
    c->txns[c->ntxns++] = "all";
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        for (size_t t = 0; t < s->ntxns; t++) {
            bool seen = false;
            for (size_t k = 1; k < c->ntxns; k++)
                seen |= strcmp(c->txns[k], s->txns[t].name) == 0;
            if (!seen && c->ntxns <= MAX_TXNS)
                c->txns[c->ntxns++] = s->txns[t].name;
        }
    }
}

/* The figures of transaction name in run r ("all": the run's totals); NULL
 * latency when the run has no such transaction. */
static const struct report_latency *txn_of(const struct report_run *r, const char *name,
                                           double *rps, double *errors, double *requests)
{
    const struct report_summary *s = &r->summary;
    if (strcmp(name, "all") == 0) {
        *rps = s->rps;
        *errors = s->errors;
        *requests = s->requests;
        return &s->latency;
    }
    for (size_t t = 0; t < s->ntxns; t++)
        if (strcmp(s->txns[t].name, name) == 0) {
            *rps = s->txns[t].rps;
            *errors = s->txns[t].errors;
            *requests = s->txns[t].requests;
            return &s->txns[t].latency;
        }
    *rps = *errors = *requests = 0;
    return NULL;
}

static void runs_table(struct report_buf *b, const struct cmp *c)
{
    static const char *const head[] = {"run", "participants", "offered req/s",
                                       "achieved req/s", "lowest second", "p50 (ms)",
                                       "p99 (ms)", "p99.9 (ms)", "errors (%)",
                                       "sustains req/s"};
    report_buf_puts(b, "<section id=\"runs\"><h2>Runs</h2><table>");
    report_html_head_row(b, head, 10);
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        double v[] = {s->seed_participants, s->offered_rps, s->achieved_rps, s->min_second_rps,
                      s->latency.p50, s->latency.p99, s->latency.p999,
                      s->requests > 0 ? s->errors / s->requests * 100 : 0,
                      s->has_search ? s->max_sustainable_rps : 0};
        report_html_row(b, NULL, c->labels[i], v, 9);
    }
    report_buf_puts(b, "</table>\n<ul id=\"verdicts\">");
    for (size_t i = 0; i < c->n; i++) {
        char v[700];
        report_buf_puts(b, "<li>");
        report_buf_escape(b, c->labels[i]);
        report_buf_puts(b, ": ");
        report_buf_escape(b, report_verdict(&c->runs[i], v, sizeof v));
        report_buf_puts(b, "</li>");
    }
    report_buf_puts(b, "</ul>\n<p class=\"meta\">Folders: ");
    for (size_t i = 0; i < c->n; i++) {
        report_buf_puts(b, i ? "; " : "");
        report_buf_escape(b, c->labels[i]);
        report_buf_puts(b, " = ");
        report_buf_escape(b, c->runs[i].dir);
    }
    report_buf_puts(b, ".</p></section>\n");
}

enum metric { M_RPS, M_P50, M_P99 };

static void txn_bars(struct report_buf *b, const struct cmp *c, enum metric m)
{
    double v[(MAX_TXNS + 1) * REPORT_MAX_RUNS];
    static const char *const ids[] = {"chart-cmp-rps", "chart-cmp-p50", "chart-cmp-p99"};
    static const char *const titles[] = {"Requests per second by transaction",
                                         "Median (p50) latency by transaction",
                                         "p99 latency by transaction"};
    static const char *const units[] = {"requests / s", "latency (ms)", "latency (ms)"};
    for (size_t t = 0; t < c->ntxns; t++)
        for (size_t i = 0; i < c->n; i++) {
            double rps, errs, reqs;
            const struct report_latency *l = txn_of(&c->runs[i], c->txns[t], &rps, &errs, &reqs);
            v[t * c->n + i] = m == M_RPS ? rps : l == NULL ? 0 : m == M_P50 ? l->p50 : l->p99;
        }
    struct report_bars bars = {.id = ids[m], .title = titles[m], .value_label = units[m],
                               .rows = c->txns, .nrows = c->ntxns, .parts = c->label_ptr,
                               .nparts = c->n, .values = v};
    report_svg_bars(b, &bars);
}

static void overlays(struct report_buf *b, const struct cmp *c)
{
    struct report_series dist[REPORT_MAX_RUNS], rps[REPORT_MAX_RUNS], p99[REPORT_MAX_RUNS];
    for (size_t i = 0; i < c->n; i++) {
        const struct report_run *r = &c->runs[i];
        dist[i] = (struct report_series){.name = c->labels[i], .x = r->summary.dist_p,
                                         .y = r->summary.dist_ms, .n = r->summary.ndist};
        size_t nt = r->ts[REPORT_TS_SECOND].n;
        rps[i] = (struct report_series){.name = c->labels[i], .x = r->ts[REPORT_TS_SECOND].v,
                                        .y = r->ts[REPORT_TS_RPS].v, .n = nt};
        p99[i] = (struct report_series){.name = c->labels[i], .x = r->ts[REPORT_TS_SECOND].v,
                                        .y = r->ts[REPORT_TS_P99].v, .n = nt};
    }
    struct report_chart cd = {.id = "chart-cmp-distribution",
                              .title = "Latency distribution of each run",
                              .x_label = "percentile (%), log scale towards the tail",
                              .y_label = "latency (ms)", .x_axis = REPORT_X_PERCENTILE,
                              .empty_note = "no run has a latency_distribution"};
    struct report_chart cr = {.id = "chart-cmp-rps-time", .title = "Throughput over time",
                              .x_label = "time since start of measurement (s)",
                              .y_label = "requests / s", .empty_note = "no time series"};
    struct report_chart cp = {.id = "chart-cmp-p99-time", .title = "p99 latency over time",
                              .x_label = "time since start of measurement (s)",
                              .y_label = "latency (ms)", .empty_note = "no time series"};
    report_buf_puts(b, "<section id=\"cmp-distribution\"><h2>Latency and throughput</h2>\n");
    report_svg_lines(b, &cd, dist, c->n);
    report_svg_lines(b, &cr, rps, c->n);
    report_svg_lines(b, &cp, p99, c->n);
    report_buf_puts(b, "</section>\n");
}

struct size_point {
    double participants, p50, p99;
};

static int by_size(const void *a, const void *b)
{
    double x = ((const struct size_point *)a)->participants;
    double y = ((const struct size_point *)b)->participants;
    return (x > y) - (x < y);
}

/* Runs of stage (with a seed size), sorted by size; returns how many. */
static size_t stage_points(const struct cmp *c, const char *stage, struct size_point *pts)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        if (strcmp(s->stage, stage) != 0 || !s->has_seed)
            continue;
        pts[n++] = (struct size_point){s->seed_participants, s->latency.p50, s->latency.p99};
    }
    qsort(pts, n, sizeof *pts, by_size);
    return n;
}

static void sweep(struct report_buf *b, const struct cmp *c)
{
    struct size_point pts[REPORT_MAX_RUNS][REPORT_MAX_RUNS];
    double xs[REPORT_MAX_RUNS][REPORT_MAX_RUNS], p50[REPORT_MAX_RUNS][REPORT_MAX_RUNS],
        p99[REPORT_MAX_RUNS][REPORT_MAX_RUNS];
    struct report_series s[2 * REPORT_MAX_RUNS];
    char names[2 * REPORT_MAX_RUNS][LABEL];
    size_t ns = 0, stages = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *stage = c->runs[i].summary.stage;
        bool first = true;
        for (size_t j = 0; j < i; j++)
            first &= strcmp(c->runs[j].summary.stage, stage) != 0;
        size_t n = first ? stage_points(c, stage, pts[stages]) : 0;
        if (n < 2 || pts[stages][0].participants == pts[stages][n - 1].participants)
            continue;
        for (size_t k = 0; k < n; k++) {
            xs[stages][k] = pts[stages][k].participants;
            p50[stages][k] = pts[stages][k].p50;
            p99[stages][k] = pts[stages][k].p99;
        }
        snprintf(names[ns], LABEL, "%s p99", stage);
        s[ns] = (struct report_series){.name = names[ns], .x = xs[stages], .y = p99[stages],
                                       .n = n, .color = stages + 1};
        ns++;
        snprintf(names[ns], LABEL, "%s p50", stage);
        s[ns] = (struct report_series){.name = names[ns], .x = xs[stages], .y = p50[stages],
                                       .n = n, .dashed = true, .color = stages + 1};
        ns++;
        stages++;
    }
    report_buf_puts(b, "<section id=\"sweep\"><h2>Latency against data size</h2>\n");
    if (stages == 0) {
        report_html_note(b, "No data-size sweep: no stage was run at two or more sizes "
                            "(meta.seed.participants). Run one stage at several sizes and "
                            "compare those runs to see how its latency grows with data.");
    } else {
        struct report_chart ch = {.id = "chart-sweep",
                                  .title = "How each stage's latency grows with data size "
                                           "(solid p99, dashed p50)",
                                  .x_label = "participants in the seeded data (log scale)",
                                  .y_label = "latency (ms)", .x_axis = REPORT_X_LOG};
        report_svg_lines(b, &ch, s, ns);
    }
    report_buf_puts(b, "</section>\n");
}

static void txn_table(struct report_buf *b, const struct cmp *c)
{
    static const char *const head[] = {"transaction / run", "requests", "errors (%)", "req/s",
                                       "p50 (ms)", "p99 (ms)", "p99.9 (ms)"};
    report_buf_puts(b, "<section id=\"cmp-transactions\"><h2>Transactions side by side</h2>"
                       "<table>");
    report_html_head_row(b, head, 7);
    for (size_t t = 0; t < c->ntxns; t++) {
        report_html_row(b, "txn", c->txns[t], NULL, 0);
        for (size_t i = 0; i < c->n; i++) {
            double rps, errs, reqs;
            const struct report_latency *l = txn_of(&c->runs[i], c->txns[t], &rps, &errs, &reqs);
            if (l == NULL)
                continue;
            double v[] = {reqs, reqs > 0 ? errs / reqs * 100 : 0, rps, l->p50, l->p99, l->p999};
            report_html_row(b, "step", c->labels[i], v, 6);
        }
    }
    report_buf_puts(b, "</table></section>\n");
}

/* The one number per stage a workshop wants: what it takes within the SLO. */
static void capacity(struct report_buf *b, const struct cmp *c)
{
    size_t searched = 0;
    for (size_t i = 0; i < c->n; i++)
        searched += c->runs[i].summary.has_search;
    report_buf_puts(b, "<section id=\"capacity\"><h2>How much each stage takes</h2>\n");
    if (searched == 0) {
        report_html_note(b, "No run here is a saturation search (santa-load --find-max "
                            "--slo-p99 MS, or make saturate STAGE=...): the rates above are "
                            "what was offered, not what each stage can take.");
        report_buf_puts(b, "</section>\n");
        return;
    }
    report_buf_puts(b, "<ul class=\"lead\" id=\"capacity-headlines\">");
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        if (!s->has_search)
            continue;
        char rps[48], slo[48];
        report_fmt(rps, sizeof rps, s->max_sustainable_rps);
        report_fmt(slo, sizeof slo, s->slo_p99_ms);
        report_buf_puts(b, "<li>");
        report_buf_escape(b, c->labels[i]);
        if (s->max_sustainable_rps > 0)
            report_buf_printf(b, " sustains <b>%s req/s</b> at p99 &le; %s ms</li>", rps, slo);
        else
            report_buf_printf(b, ": no rate tried held p99 &le; %s ms</li>", slo);
    }
    report_buf_puts(b, "</ul>\n");
    struct report_series s[2 * REPORT_MAX_RUNS];
    size_t total = 0, ns = 0;
    for (size_t i = 0; i < c->n; i++)
        total += c->runs[i].summary.nladder;
    double *pts = santa_calloc(3 * (total ? total : 1), sizeof *pts);
    if (pts == NULL) {
        b->failed = true;
        return;
    }
    char names[2 * REPORT_MAX_RUNS][LABEL];
    size_t off = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct report_summary *sm = &c->runs[i].summary;
        if (!sm->has_search)
            continue;
        size_t k = sm->nladder;
        double *x = pts + off, *p50 = pts + total + off, *p99 = pts + 2 * total + off;
        k = report_ladder_curve(sm, x, p50, p99);
        off += sm->nladder;
        snprintf(names[ns], LABEL, "%s p99", c->labels[i]);
        s[ns] = (struct report_series){.name = names[ns], .x = x, .y = p99, .n = k,
                                       .color = i + 1};
        ns++;
        snprintf(names[ns], LABEL, "%s p50", c->labels[i]);
        s[ns] = (struct report_series){.name = names[ns], .x = x, .y = p50, .n = k,
                                       .dashed = true, .color = i + 1};
        ns++;
    }
    struct report_chart ch = {.id = "chart-cmp-hockey",
                              .title = "Latency against throughput, every stage's ladder "
                                       "(solid p99, dashed p50): the knee is the limit",
                              .x_label = "achieved requests / s", .y_label = "latency (ms)",
                              .empty_note = "no ladder steps"};
    report_svg_lines(b, &ch, s, ns);
    report_buf_puts(b, "</section>\n");
    santa_free(pts);
}

/* Runs measured with different settings do not compare: say so, loudly. */
static void settings(struct report_buf *b, const struct cmp *c)
{
    const struct report_summary *a = &c->runs[0].summary;
    char diff[512] = "";
    size_t len = 0;
    for (size_t i = 1; i < c->n; i++) {
        const struct report_summary *s = &c->runs[i].summary;
        const char *what = strcmp(s->scenario, a->scenario) != 0 ? "scenario"
                           : strcmp(s->mode, a->mode) != 0       ? "open or closed loop"
                           : s->threads != a->threads            ? "threads"
                           : s->connections != a->connections    ? "connections"
                           : s->meta_duration_s != a->meta_duration_s ? "duration"
                           : s->has_search != a->has_search      ? "saturation search or not"
                           : (!s->has_search && s->rate != a->rate) ? "rate"
                           : s->trace_sample != a->trace_sample  ? "trace sampling"
                                                                 : NULL;
        if (what != NULL && len + 200 < sizeof diff)
            len += (size_t)snprintf(diff + len, sizeof diff - len, "%s%s differs from %s in %s",
                                    len ? "; " : "", c->labels[i], c->labels[0], what);
    }
    if (len == 0)
        return;
    report_buf_puts(b, "<div class=\"warn\" id=\"settings-differ\"><b>These runs were not "
                       "measured alike</b>, so their differences are not only the stages': ");
    report_buf_escape(b, diff);
    report_buf_puts(b, ". Compare runs made with the same settings.</div>\n");
}

void report_page_compare(struct report_buf *b, const struct report_run *runs, size_t n)
{
    struct cmp *c = santa_calloc(1, sizeof *c);
    if (c == NULL) {
        b->failed = true;
        return;
    }
    c->runs = runs;
    c->n = n < REPORT_MAX_RUNS ? n : REPORT_MAX_RUNS;
    make_labels(c);
    collect_txns(c);
    report_html_begin(b, "santa-stack load test comparison");
    report_buf_printf(b, "<h1>Load test comparison: %zu runs</h1>\n", c->n);
    settings(b, c);
    capacity(b, c);
    runs_table(b, c);
    report_buf_puts(b, "<section id=\"cmp-transactions-charts\"><h2>By transaction</h2>\n");
    txn_bars(b, c, M_RPS);
    txn_bars(b, c, M_P50);
    txn_bars(b, c, M_P99);
    report_buf_puts(b, "</section>\n");
    if (c->n > 1)
        report_compare_significance(b, c->runs, c->n, c->label_ptr);
    overlays(b, c);
    sweep(b, c);
    txn_table(b, c);
    report_html_end(b);
    santa_free(c);
}

enum report_outcome report_write_compare(const char *out, const char *const *dirs, size_t n,
                                         struct report_error *err)
{
    struct report_run *runs;
    struct report_buf b;
    size_t loaded = 0;
    enum report_outcome rc = REPORT_BAD_INPUT;
    if (n == 0 || n > REPORT_MAX_RUNS) {
        report_error_set(err, "compare: give 1 to %d run folders (got %zu)", REPORT_MAX_RUNS, n);
        return REPORT_BAD_INPUT;
    }
    runs = santa_calloc(n, sizeof *runs);
    if (runs == NULL) {
        report_error_set(err, "compare: out of memory");
        return REPORT_WRITE_FAILED;
    }
    for (; loaded < n; loaded++)
        if (report_run_load(&runs[loaded], dirs[loaded], err) < 0)
            goto done;
    report_buf_init(&b, REPORT_PAGE_LIMIT);
    report_page_compare(&b, runs, n);
    rc = report_html_write(&b, out, err) < 0 ? REPORT_WRITE_FAILED : REPORT_WRITTEN;
    report_buf_release(&b);
done:
    for (size_t i = 0; i < loaded; i++)
        report_run_release(&runs[i]);
    santa_free(runs);
    return rc;
}
