/*
 * report_compare_ci.c - "is the difference real?" on the comparison page.
 *
 * Each run's throughput, p50 and p99 get a 95 % confidence interval from
 * batch means of its per-second figures (report_stats.h); every run is set
 * against the first one given (the baseline) with Welch's t-test: a delta
 * inside the noise is called "not significant", plainly. The per-second p50
 * and p99 are those of the requests that started in that second, so their
 * intervals are of the mean per-second percentile.
 */
#include <math.h>
#include <stdio.h>

#include "report_html.h"
#include "report_page.h"
#include "report_stats.h"

static const struct {
    enum report_ts_col col;
    const char *name;
} metrics[] = {
    {REPORT_TS_RPS, "achieved req/s"},
    {REPORT_TS_P50, "p50 (ms)"},
    {REPORT_TS_P99, "p99 (ms)"},
};

static void cell_ci(struct report_buf *b, const struct report_ci *c)
{
    char m[48], h[48];
    if (c->batches == 0) {
        report_buf_puts(b, "<td>too short</td>");
        return;
    }
    report_fmt(m, sizeof m, c->mean);
    report_fmt(h, sizeof h, c->half);
    report_buf_printf(b, "<td>%s &plusmn; %s</td>", m, h);
}

void report_compare_significance(struct report_buf *b, const struct report_run *runs, size_t n,
                                 const char *const *labels)
{
    report_buf_puts(b, "<section id=\"significance\"><h2>Is the difference real?</h2>\n");
    report_html_note(b, "95% confidence intervals from batch means (the measured seconds in "
                        "up to 10 batches), and each run against the first one (the baseline) "
                        "by Welch's t-test at 5%. Runs shorter than 4 s get no interval.");
    static const char *const head[] = {"run", "metric", "baseline", "this run", "delta (%)",
                                       "verdict"};
    report_buf_puts(b, "<table>");
    report_html_head_row(b, head, 6);
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
            const struct report_col *x = &runs[0].ts[metrics[k].col];
            const struct report_col *y = &runs[i].ts[metrics[k].col];
            struct report_ci a = report_batch_ci(x->v, x->n), c = report_batch_ci(y->v, y->n);
            double t;
            bool sig = report_significant(&c, &a, &t);
            const char *verdict = a.batches == 0 || c.batches == 0 ? "cannot tell (too short)"
                                  : sig                            ? "significant"
                                                                   : "not significant";
            report_buf_puts(b, sig ? "<tr class=\"sig\"><td>" : "<tr><td>");
            report_buf_escape(b, labels[i]);
            report_buf_puts(b, "</td><td>");
            report_buf_escape(b, metrics[k].name);
            report_buf_puts(b, "</td>");
            cell_ci(b, &a);
            cell_ci(b, &c);
            char d[48] = "";
            if (a.batches && c.batches && a.mean != 0)
                report_fmt(d, sizeof d, (c.mean - a.mean) / fabs(a.mean) * 100);
            report_buf_printf(b, "<td>%s</td><td>%s</td></tr>\n", d, verdict);
        }
    report_buf_puts(b, "</table>\n<p class=\"meta\">Baseline: ");
    report_buf_escape(b, labels[0]);
    report_buf_puts(b, ".</p></section>\n");
}
