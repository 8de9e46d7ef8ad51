/*
 * report_page_verdict.c - one timeline and a verdict (see report_page.h).
 *
 * The timeline puts client throughput, client p99 and the server's CPU and
 * memory (from the /metrics scrapes) on charts that share one time axis, so
 * a dip, a latency spike and a CPU plateau line up by eye. The verdict is
 * one line: which of the three usual limits this run hit.
 *
 *   generator-bound   santa-load's own self-check said so (a thread near
 *                     100 % busy, or requests leaving late);
 *   server CPU-bound  the server used REPORT_CPU_BOUND of the machine's
 *                     cores (meta.cpus) or more;
 *   waiting on a      CPU below that while latency is high: p99 over
 *   dependency        REPORT_TAIL_RATIO x p50, or the store and cache
 *                     phases taking most of the server's time; without
 *                     CPU scrapes, only the latter;
 *   a long tail       p99 over REPORT_TAIL_RATIO x p50 without scrapes:
 *                     the CPU or a dependency, not measured which;
 *   otherwise         the server had room (or, without scrapes, its room
 *                     is not known).
 *
 * Little's law checks the figures hang together: requests in flight on
 * average = throughput x mean latency, which cannot exceed the connections;
 * in flight near the connections means the generator's connections, not the
 * server, bounded the run (a queue formed in front of them).
 */
#include <stdio.h>
#include <string.h>

#include "report_html.h"
#include "report_page.h"
#include "report_svg.h"

#define REPORT_CPU_BOUND 0.6 /* share of all cores */
#define REPORT_TAIL_RATIO 5.0
#define REPORT_FULL_SHARE 0.9 /* in flight / connections */

static double mean_of(const struct report_col *c)
{
    double sum = 0;
    for (size_t i = 0; i < c->n; i++)
        sum += c->v[i];
    return c->n ? sum / (double)c->n : -1;
}

const char *report_verdict(const struct report_run *r, char *buf, size_t n)
{
    const struct report_summary *s = &r->summary;
    double cpu = mean_of(&r->cpu_pct); /* % of one core; -1 without scrapes */
    double share = cpu >= 0 && s->cpus > 0 ? cpu / (100 * s->cpus) : -1;
    double dep = 0, app = 0;
    for (size_t i = 0; i < s->nphases; i++) {
        if (strcmp(s->phases[i].name, "store") == 0 || strcmp(s->phases[i].name, "cache") == 0)
            dep += s->phases[i].mean;
        else if (strcmp(s->phases[i].name, "app") == 0)
            app = s->phases[i].mean;
    }
    bool tail = s->latency.p99 > REPORT_TAIL_RATIO * s->latency.p50;
    bool deps_most = app > 0 && dep > app / 2;
    double ratio = s->latency.p50 > 0 ? s->latency.p99 / s->latency.p50 : 0;
    if (s->bottleneck)
        snprintf(buf, n, "generator-bound: these figures describe santa-load as much as the "
                         "server (its self-check: %s)", s->gen_note);
    else if (share >= REPORT_CPU_BOUND)
        snprintf(buf, n, "server CPU-bound: the server used %.0f%% of one core on average, %.0f%% "
                         "of the machine's %.0f cores", cpu, share * 100, s->cpus);
    else if (share >= 0 && (tail || deps_most))
        snprintf(buf, n, "waiting on a dependency: CPU low (under 60%% of the cores) while latency "
                         "is high (p99 %.3g ms = %.0fx p50%s); the store and cache phases show "
                         "where",
                 s->latency.p99, ratio,
                 deps_most ? ", store and cache are most of the server's time" : "");
    /* Without scrapes (stage 05: HAProxy keeps /metrics from the public
     * port) nothing says the CPU was low: only the phases can blame a
     * dependency, and a long tail alone could be either. */
    else if (deps_most)
        snprintf(buf, n, "waiting on a dependency: store and cache are most of the server's time "
                         "(p99 %.3g ms = %.0fx p50); the server's CPU was not scraped",
                 s->latency.p99, ratio);
    else if (tail)
        snprintf(buf, n, "a long tail, cause not measured: p99 %.3g ms = %.0fx p50, and the "
                         "server's CPU was not scraped, so it may be the CPU or a dependency",
                 s->latency.p99, ratio);
    else if (share >= 0)
        snprintf(buf, n, "the server had room: CPU under 60%% of the cores, p99 within %.0fx of "
                         "p50", REPORT_TAIL_RATIO);
    else
        snprintf(buf, n, "p99 within %.0fx of p50; the server's CPU was not scraped, so whether "
                         "it had room is not known", REPORT_TAIL_RATIO);
    return buf;
}

static void littles_law(struct report_buf *b, const struct report_summary *s)
{
    double w = s->latency.mean / 1000; /* s */
    double l = s->achieved_rps * w;
    char line[400];
    snprintf(line, sizeof line, "Little's law: %.4g answers/s x %.4g ms mean latency = %.3g "
                                "requests in flight on average, of %.0f connections%s.",
             s->achieved_rps, s->latency.mean, l, s->connections,
             s->connections > 0 && l >= REPORT_FULL_SHARE * s->connections
                 ? ": every connection was busy, so a queue formed in the generator and the "
                   "connections, not the server, set the pace; raise -c"
                 : "");
    report_html_note(b, line);
}

void report_page_timeline(struct report_buf *b, const struct report_run *r)
{
    const struct report_summary *s = &r->summary;
    char verdict[700];
    report_buf_puts(b, "<section id=\"timeline\"><h2>One timeline, and the verdict</h2>\n"
                       "<p class=\"lead\" id=\"verdict\"><b>Verdict:</b> ");
    report_buf_escape(b, report_verdict(r, verdict, sizeof verdict));
    report_buf_puts(b, ".</p>\n");
    littles_law(b, s);
    size_t n = r->ts[REPORT_TS_SECOND].n;
    const double *t = r->ts[REPORT_TS_SECOND].v;
    double end = s->duration_s > 0 ? s->duration_s : 1;
    struct report_series tput[] = {
        {.name = "achieved answers / s", .x = t, .y = r->ts[REPORT_TS_RPS].v, .n = n},
        {.name = "offered / s", .x = t, .y = r->ts[REPORT_TS_OFFERED].v, .n = n,
         .dashed = true},
    };
    struct report_series p99[] = {
        {.name = "client p99 (ms)", .x = t, .y = r->ts[REPORT_TS_P99].v, .n = n},
    };
    struct report_series cpu[] = {
        {.name = "server CPU (% of one core)", .x = r->cpu_t.v, .y = r->cpu_pct.v,
         .n = r->cpu_t.n},
    };
    struct report_series mem[] = {
        {.name = "server resident memory (MiB)", .x = r->rss_t.v, .y = r->rss_mib.v,
         .n = r->rss_t.n},
    };
    const char *xl = "time since start of measurement (s), the same axis for all four";
    struct report_chart c[] = {
        {.id = "chart-tl-throughput", .title = "Client: throughput", .x_label = xl,
         .y_label = "per second", .fixed_x = true, .x_to = end,
         .empty_note = "timeseries.csv has no rows"},
        {.id = "chart-tl-p99", .title = "Client: p99 latency", .x_label = xl,
         .y_label = "latency (ms)", .fixed_x = true, .x_to = end,
         .empty_note = "timeseries.csv has no rows"},
        {.id = "chart-tl-cpu", .title = "Server: CPU", .x_label = xl,
         .y_label = "CPU (% of one core)", .fixed_x = true, .x_to = end,
         .empty_note = "no CPU figures: fewer than two /metrics scrapes"},
        {.id = "chart-tl-memory", .title = "Server: memory", .x_label = xl,
         .y_label = "resident memory (MiB)", .fixed_x = true, .x_to = end,
         .empty_note = "no memory figures: no /metrics scrapes"},
    };
    report_svg_lines(b, &c[0], tput, 2);
    report_svg_lines(b, &c[1], p99, 1);
    report_svg_lines(b, &c[2], cpu, 1);
    report_svg_lines(b, &c[3], mem, 1);
    report_buf_puts(b, "</section>\n");
}
