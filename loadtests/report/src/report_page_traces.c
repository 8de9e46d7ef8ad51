/*
 * report_page_traces.c - "where the tail went": for the slowest requests
 * whose spans the stage's trace file holds, a span waterfall each (see
 * report_page.h). One row per span, indented by depth, a bar from its start
 * to its end on the trace's own time scale, so the span that holds most of
 * a slow request's time stands out without a tracing server.
 */
#include <stdio.h>
#include <string.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"

enum { SHOWN = 5, W = 960, LEFT = 300, ROW = 20, TOP = 8 };

static void waterfall(struct report_buf *b, const struct report_trace *t, size_t k)
{
    double t0 = t->spans[0].start_us, t1 = t0;
    for (size_t i = 0; i < t->nspans; i++) {
        double end = t->spans[i].start_us + t->spans[i].dur_us;
        t1 = end > t1 ? end : t1;
    }
    double span = t1 > t0 ? t1 - t0 : 1, scale = (W - LEFT - 80) / span;
    int h = TOP * 2 + ROW * (int)t->nspans;
    report_buf_printf(b, "<svg id=\"waterfall-%zu\" class=\"chart\" viewBox=\"0 0 %d %d\" "
                         "width=\"%d\" height=\"%d\" role=\"img\">", k, W, h, W, h);
    for (size_t i = 0; i < t->nspans; i++) {
        const struct report_span *s = &t->spans[i];
        double x = LEFT + (s->start_us - t0) * scale, w = s->dur_us * scale;
        int y = TOP + ROW * (int)i;
        char ms[48];
        report_fmt(ms, sizeof ms, s->dur_us / 1000);
        report_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", 4 + 12 * s->depth,
                          y + 14);
        report_buf_escape(b, s->name);
        report_buf_printf(b, "</text><rect class=\"span\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                             "height=\"%d\" fill=\"%s\"><title>", x, y + 3, w < 1 ? 1 : w,
                          ROW - 6, report_svg_color((size_t)s->depth));
        report_buf_escape(b, s->name);
        report_buf_printf(b, ": %s ms</title></rect><text x=\"%.1f\" y=\"%d\" "
                             "font-size=\"11\">%s ms</text>", ms, x + (w < 1 ? 1 : w) + 4,
                          y + 14, ms);
    }
    report_buf_puts(b, "</svg>\n");
}

void report_page_waterfalls(struct report_buf *b, const struct report_run *r)
{
    const struct report_summary *s = &r->summary;
    report_buf_puts(b, "<section id=\"tail\"><h2>Where the tail went</h2>\n");
    if (!r->traces_given) {
        report_html_note(b, "No trace file given. To see the spans of the slowest requests "
                            "here, start the stage with --trace-file FILE, run santa-load with "
                            "--trace-sample 1 (or a share: only sampled requests are traced), "
                            "and write the page with santa-report run DIR --traces FILE.");
        report_buf_puts(b, "</section>\n");
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < r->ntraces && shown < SHOWN; i++) {
        const struct report_trace *t = &r->traces[i];
        if (t->nspans == 0)
            continue;
        double lat = 0;
        for (size_t k = 0; k < s->nslowest; k++)
            if (strcmp(s->slowest[k].trace_id, t->trace_id) == 0)
                lat = s->slowest[k].latency_ms;
        char l[48];
        report_fmt(l, sizeof l, lat);
        report_buf_puts(b, "<h3>Trace <span class=\"id\">");
        report_buf_escape(b, t->trace_id);
        report_buf_printf(b, "</span>: %s ms at the client, %zu spans</h3>\n", l, t->nspans);
        waterfall(b, t, shown++);
    }
    if (shown == 0)
        report_html_note(b, "None of the slowest requests is in the trace file: were they "
                            "sampled (santa-load --trace-sample) and was it the same run?");
    report_buf_puts(b, "</section>\n");
}
