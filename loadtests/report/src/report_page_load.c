/*
 * report_page_load.c - the parts of a run's page about what the generator
 * offered and what came back (see report_page.h): successful answers,
 * failures and timeouts apart, service time beside response time, and the
 * saturation search's latency-against-throughput curve (the hockey stick).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"
#include "santa/alloc.h"

/* A dip is a second below REPORT_DIP_SHARE of the offered rate by more than
   counting noise: at 14 requests a second, a second with 12 is chance (answers
   are counted whole), so the shortfall must also exceed 3 x sqrt(offered). */
bool report_dipped(const struct report_summary *s)
{
    double gap = s->offered_rps - s->min_second_rps;
    return s->has_achieved && s->offered_rps > 0 &&
           s->min_second_rps < REPORT_DIP_SHARE * s->offered_rps &&
           gap > 3 * sqrt(s->offered_rps);
}

static void lat_row(struct report_buf *b, const char *label, double count,
                    const struct report_latency *l)
{
    double v[] = {count, l->mean, l->p50, l->p90, l->p99, l->p999, l->max};
    report_html_row(b, NULL, label, v, 7);
}

void report_page_answers(struct report_buf *b, const struct report_summary *s)
{
    static const char *const head[] = {"what", "count", "mean (ms)", "p50 (ms)", "p90 (ms)",
                                       "p99 (ms)", "p99.9 (ms)", "max (ms)"};
    report_buf_puts(b, "<section id=\"answers\"><h2>Answers, failures, timeouts</h2>\n");
    if (!s->has_service) {
        report_html_note(b, "These results predate the split of answers and failures "
                            "(no service_time_ms in summary.json): latency_ms mixes them.");
        report_buf_puts(b, "</section>\n");
        return;
    }
    double ok = s->requests - s->errors;
    report_buf_puts(b, "<table>");
    report_html_head_row(b, head, 8);
    lat_row(b, "successful answers: response time (from the intended start)", ok, &s->latency);
    lat_row(b, "successful answers: service time (from the actual send)", ok, &s->service);
    if (s->has_queue_wait && s->rate > 0)
        lat_row(b, "generator: waiting for a free connection (open loop)", ok, &s->queue_wait);
    if (s->has_failed)
        lat_row(b, "failed requests (an error answer or a broken connection)", s->failed_count,
                &s->failed);
    if (s->has_timeouts)
        lat_row(b, "timeouts: how long they waited before santa-load gave up", s->timeout_count,
                &s->timeouts);
    report_buf_puts(b, "</table>\n");
    report_html_note(b, "Response time runs from when a request should have started (its "
                        "place in the schedule), service time from when it was sent: the "
                        "difference is time spent queued, in the generator (waiting for a "
                        "free connection, listed apart) or in the server's accept queue. "
                        "Failures and timeouts are not in the answers' percentiles.");
    char buf[160];
    snprintf(buf, sizeof buf, "Retries: %.0f idempotent requests were resent after a kept "
                              "connection closed (POSTs never are).", s->retries);
    report_html_note(b, buf);
    report_buf_puts(b, "</section>\n");
}

void report_page_phases(struct report_buf *b, const struct report_summary *s)
{
    enum { MAX = 32 };
    const char *rows[MAX];
    double v[2 * MAX];
    size_t n = 0;
    for (size_t i = 0; i < s->nphases && n < MAX; i++) {
        rows[n] = s->phases[i].name;
        v[2 * n] = s->phases[i].p50;
        v[2 * n + 1] = s->phases[i].p99;
        n++;
    }
    static const char *const parts[] = {"p50", "p99"};
    struct report_bars c = {.id = "chart-phase-tails",
                            .title = "Server-Timing phases, every name the answers carried: "
                                     "median and tail",
                            .value_label = "duration (ms)", .rows = rows, .nrows = n,
                            .parts = parts, .nparts = 2, .values = v,
                            .empty_note = "no answer carried a Server-Timing duration"};
    report_svg_bars(b, &c);
    report_html_note(b, "A phase whose p99 is far above its p50 is where the tail comes "
                        "from; a phase whose p50 is already high is where the time goes.");
}

static int by_offered(const void *a, const void *b)
{
    double x = ((const struct report_ladder_step *)a)->offered_rps;
    double y = ((const struct report_ladder_step *)b)->offered_rps;
    return (x > y) - (x < y);
}

size_t report_ladder_curve(const struct report_summary *s, double *x, double *p50, double *p99)
{
    struct report_ladder_step *l = santa_calloc(s->nladder ? s->nladder : 1, sizeof *l);
    if (l == NULL)
        return 0;
    memcpy(l, s->ladder, s->nladder * sizeof *l);
    qsort(l, s->nladder, sizeof *l, by_offered);
    for (size_t i = 0; i < s->nladder; i++) {
        x[i] = l[i].achieved_rps;
        p50[i] = l[i].p50_ms;
        p99[i] = l[i].p99_ms;
    }
    santa_free(l);
    return s->nladder;
}

void report_page_search(struct report_buf *b, const struct report_summary *s)
{
    if (!s->has_search)
        return;
    size_t n = s->nladder;
    double *x = santa_calloc(4 * (n ? n : 1), sizeof *x);
    if (x == NULL) {
        b->failed = true;
        return;
    }
    double *p50 = x + n, *p99 = x + 2 * n, *slo = x + 3 * n;
    n = report_ladder_curve(s, x, p50, p99);
    for (size_t i = 0; i < n; i++)
        slo[i] = s->slo_p99_ms;
    char rps[48], slo_s[48];
    report_fmt(rps, sizeof rps, s->max_sustainable_rps);
    report_fmt(slo_s, sizeof slo_s, s->slo_p99_ms);
    report_buf_puts(b, "<section id=\"search\"><h2>Saturation search</h2>\n<p class=\"lead\">");
    report_buf_escape(b, s->stage);
    if (s->max_sustainable_rps > 0)
        report_buf_printf(b, " sustains <b>%s req/s</b> at p99 &le; %s ms.</p>\n", rps, slo_s);
    else
        report_buf_printf(b, ": no step held p99 &le; %s ms.</p>\n", slo_s);
    struct report_series ser[] = {
        {.name = "p99", .x = x, .y = p99, .n = n},
        {.name = "p50", .x = x, .y = p50, .n = n, .dashed = true},
        {.name = "SLO (p99 limit)", .x = x, .y = slo, .n = n, .dashed = true, .color = 3},
    };
    struct report_chart c = {.id = "chart-hockey", .title = "Latency against throughput: "
                             "where the knee is (one point per step of the ladder)",
                             .x_label = "achieved requests / s", .y_label = "latency (ms)",
                             .empty_note = "the search ran no step"};
    report_svg_lines(b, &c, ser, 3);
    static const char *const head[] = {"step", "rate", "offered req/s", "achieved req/s",
                                       "p50 (ms)", "p99 (ms)", "errors"};
    report_buf_puts(b, "<table>");
    report_html_head_row(b, head, 7);
    for (size_t i = 0; i < s->nladder; i++) {
        const struct report_ladder_step *l = &s->ladder[i];
        char label[64];
        snprintf(label, sizeof label, "%zu: %s%s", i + 1, l->held ? "held" : "failed",
                 l->bottleneck ? " (generator-bound)" : "");
        double v[] = {l->rate, l->offered_rps, l->achieved_rps, l->p50_ms, l->p99_ms, l->errors};
        report_html_row(b, l->held ? NULL : "bad", label, v, 6);
    }
    report_buf_puts(b, "</table>\n");
    report_html_note(b, "Each step is an open-loop run at a fixed rate. A step holds when the "
                        "achieved rate is at least 98% of the offered one and p99 is within the "
                        "SLO; the ladder doubles the rate until a step fails, then bisects. The "
                        "rest of this page shows the highest step that held.");
    report_buf_puts(b, "</section>\n");
    santa_free(x);
}
