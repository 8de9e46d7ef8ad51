/*
 * test_report_page.c - the pages santa-report writes, read back as text.
 *
 * Each test writes a fixture results folder (report_fixture.c), runs the
 * report on it and checks the HTML: every section is there, every chart's
 * polyline has one point per row of its source, text from the input is
 * escaped, missing sources are named in notes, bad input is refused with a
 * precise message and leaves no page behind, and cut-off or corrupted files
 * never crash the reader. The comparison page names every stage and draws
 * the data-size sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report_fixture.h"
#include "report_page.h"

static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/report-page-XXXXXX");
    if (dir == NULL || mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(64 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (64 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Writes a fixture into dir/sub, runs the report, returns the page. */
static char *run_page(const char *dir, const char *sub, const struct report_fixture_opts *o)
{
    char run[512], page[600];
    struct report_error err = {{0}};
    snprintf(run, sizeof run, "%s/%s", dir, sub);
    assert_int_equal(report_fixture_write(run, o), 0);
    int rc = report_write_run(run, &err);
    if (rc != REPORT_WRITTEN)
        fail_msg("report_write_run: %d %s", rc, err.msg);
    snprintf(page, sizeof page, "%s/report.html", run);
    char *html = slurp(page);
    assert_non_null(html);
    return html;
}

static void has(const char *html, const char *text)
{
    if (strstr(html, text) == NULL)
        fail_msg("page lacks '%s'", text);
}

static void lacks(const char *html, const char *text)
{
    if (strstr(html, text) != NULL)
        fail_msg("page should not contain '%s'", text);
}

/* Counts "x,y" pairs in a points attribute that ends at the next quote. */
static size_t count_points(const char *p)
{
    size_t n = 0;
    while (*p != '"' && *p != '\0') {
        while (*p == ' ')
            p++;
        const char *tok = p;
        while (*p != ' ' && *p != '"' && *p != '\0')
            p++;
        if (p > tok && memchr(tok, ',', (size_t)(p - tok)) != NULL)
            n++;
    }
    return n;
}

/* Checks the chart svg#id has nlines polylines of npoints points each. */
static void chart_points(const char *html, const char *id, size_t nlines, size_t npoints)
{
    char open[128];
    snprintf(open, sizeof open, "<svg id=\"%s\"", id);
    const char *svg = strstr(html, open);
    if (svg == NULL)
        fail_msg("no chart %s", id);
    const char *end = strstr(svg, "</svg>");
    assert_non_null(end);
    size_t lines = 0;
    for (const char *p = strstr(svg, "<polyline"); p != NULL && p < end;
         p = strstr(p + 1, "<polyline")) {
        const char *pts = strstr(p, " points=\"");
        const char *dp = strstr(p, "data-points=\"");
        assert_non_null(pts);
        assert_non_null(dp);
        size_t n = count_points(pts + 9);
        if (n != npoints)
            fail_msg("%s: polyline %zu has %zu points, expected %zu", id, lines, n, npoints);
        assert_int_equal(strtoul(dp + 13, NULL, 10), npoints);
        lines++;
    }
    if (lines != nlines)
        fail_msg("%s: %zu polylines, expected %zu", id, lines, nlines);
}

/* How often needle occurs inside the chart svg#id. */
static size_t count_in_chart(const char *html, const char *id, const char *needle)
{
    char open[128];
    snprintf(open, sizeof open, "<svg id=\"%s\"", id);
    const char *svg = strstr(html, open);
    if (svg == NULL)
        fail_msg("no chart %s", id);
    const char *end = strstr(svg, "</svg>");
    size_t n = 0;
    for (const char *p = strstr(svg, needle); p != NULL && p < end; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_run_page_sections(void **state)
{
    struct report_fixture_opts o = {.seconds = 37, .scrapes = 12, .cache = true};
    char *html = run_page(*state, "run", &o);
    static const char *const ids[] = {
        "id=\"headline\"", "id=\"over-time\"", "id=\"distribution\"", "id=\"server\"",
        "id=\"transactions\"", "id=\"errors\"", "id=\"generator\"", "id=\"slowest\"",
        "id=\"chart-throughput\"", "id=\"chart-latency-time\"", "id=\"chart-distribution\"",
        "id=\"chart-phases\"", "id=\"chart-split\"", "id=\"chart-cpu\"", "id=\"chart-memory\"",
        "id=\"cache\""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        has(html, ids[i]);
    /* Headline figures, axis labels with units, per-step rows, trace ids. */
    has(html, "<b>1000 req/s</b>");
    has(html, "36 (0.120%)");
    has(html, "time since start of measurement (s)");
    has(html, "latency (ms)");
    has(html, "CPU (% of one core)");
    has(html, "resident memory (MiB)");
    has(html, "<tr class=\"step\"><td>reveal</td>");
    has(html, "<td class=\"id\">");
    /* Cache hits count Redis's and stage 04's local results' (local_hit):
     * 0.7 + 0.1 of the lookups, against 0.2 misses. */
    has(html, "<td>during the run</td><td>29600</td><td>7400</td><td>0</td><td>80</td>");
    lacks(html, "id=\"bottleneck\"");
    lacks(html, "<script");
    lacks(html, "http://fonts");
    lacks(html, "src=\"http");
    /* One point per timeseries row; one per distribution entry; CPU is a
     * rate between consecutive scrapes, memory one point per scrape. */
    chart_points(html, "chart-throughput", 3, 37);
    chart_points(html, "chart-latency-time", 5, 37);
    chart_points(html, "chart-distribution", 2, 15); /* response and service time */
    chart_points(html, "chart-cpu", 1, 11);
    chart_points(html, "chart-memory", 1, 12);
    /* Phase means from the metrics deltas (fixture: app 0.2 ms, store 0.6, cache 0.11). */
    has(html, "<title>app: 0.2</title>");
    has(html, "<title>store: 0.6</title>");
    has(html, "<title>cache: 0.11</title>");
    /* Routes and store operations from the /metrics deltas: 37 s at 1000
     * requests/s, route i gets 1/(i+2) of them at 1+i ms, 1% of them 4xx;
     * operation i gets 1/(i+1) at 0.1+0.1i ms (see the fixture). */
    has(html, "<tr><td>GET /api/exchanges/{id}/assignment</td><td>18500</td><td>1</td>"
              "<td>185</td></tr>");
    has(html, "<tr><td>POST /api/exchanges/{id}/participants</td><td>12333</td><td>2.00</td>");
    has(html, "<tr><td>get_assignment</td><td>37000</td><td>0.100</td></tr>");
    has(html, "<tr><td>get_exchange</td><td>9250</td><td>0.400</td></tr>");
    /* Client-side split: all, organiser, participant; app, store, cache, network. */
    assert_int_equal(count_in_chart(html, "chart-split", "class=\"bar\""), 3 * 4);
    assert_int_equal(count_in_chart(html, "chart-split", "<title>network + queueing:"), 3);
    /* Every Server-Timing name at p50 and p99: app, store, cache. */
    assert_int_equal(count_in_chart(html, "chart-phase-tails", "class=\"bar\""), 3 * 2);
    free(html);
}

static void test_escaping(void **state)
{
    struct report_fixture_opts o = {.stage = "<b>stage</b>",
                                    .odd_txn = "<script>alert(\"x\")</script>"};
    char *html = run_page(*state, "esc", &o);
    lacks(html, "<script");
    lacks(html, "<b>stage</b>");
    has(html, "&lt;b&gt;stage&lt;/b&gt;");
    has(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    free(html);
}

static void test_missing_sources(void **state)
{
    struct report_fixture_opts o = {.no_metrics = true, .no_server_timing = true};
    char *html = run_page(*state, "bare", &o);
    has(html, "No server phase times");
    has(html, "No metrics/tNNNNN.prom scrapes");
    has(html, "No Server-Timing in samples.csv");
    lacks(html, "id=\"chart-cpu\"");
    lacks(html, "id=\"chart-phases\"");
    has(html, "id=\"chart-throughput\"");
    free(html);

    struct report_fixture_opts nc = {.scrapes = 3, .bottleneck = true};
    html = run_page(*state, "nocache", &nc);
    has(html, "No cache phase");
    lacks(html, "id=\"cache\"");
    has(html, "No request had a cache time");
    assert_int_equal(count_in_chart(html, "chart-split", "class=\"bar\""), 3 * 3);
    assert_int_equal(count_in_chart(html, "chart-split", "<title>cache:"), 0);
    has(html, "id=\"bottleneck\"");
    has(html, "generator CPU near 100%");
    chart_points(html, "chart-cpu", 1, 2);
    free(html);

    struct report_fixture_opts one = {.seconds = 1, .scrapes = 1};
    html = run_page(*state, "short", &one);
    chart_points(html, "chart-throughput", 3, 1);
    has(html, "no process_cpu_seconds_total in two or more");
    free(html);
}

/* A run against a stage with a reminder queue: the server's scrapes carry
 * santa_reminder_queue_depth, and the page draws it over time (one point
 * per scrape that has it; NaN is no point). A run without it (the fixture's
 * own scrapes) has no queue chart at all. */
static void test_queue_depth_over_time(void **state)
{
    char run[512], page[600];
    struct report_error err = {{0}};
    struct report_fixture_opts o = {.seconds = 5, .scrapes = 6};
    snprintf(run, sizeof run, "%s/queue", (const char *)*state);
    assert_int_equal(report_fixture_write(run, &o), 0);
    snprintf(page, sizeof page, "%s/report.html", run);
    assert_int_equal(report_write_run(run, &err), REPORT_WRITTEN);
    char *html = slurp(page);
    assert_non_null(html);
    lacks(html, "id=\"chart-queue\"");
    free(html);

    static const char *const scrapes[][2] = {
        {"metrics/t00002.prom", "process_cpu_seconds_total 1\nsanta_reminder_queue_depth 0\n"},
        {"metrics/t00004.prom", "process_cpu_seconds_total 2\nsanta_reminder_queue_depth 10000\n"},
        {"metrics/t00006.prom", "process_cpu_seconds_total 3\nsanta_reminder_queue_depth NaN\n"},
        {"metrics/t00008.prom", "process_cpu_seconds_total 4\nsanta_reminder_queue_depth 4200\n"},
    };
    for (size_t i = 0; i < sizeof scrapes / sizeof scrapes[0]; i++)
        assert_int_equal(report_fixture_put(run, scrapes[i][0], scrapes[i][1]), 0);
    assert_int_equal(report_write_run(run, &err), REPORT_WRITTEN);
    html = slurp(page);
    assert_non_null(html);
    has(html, "Reminder queue depth over time");
    has(html, "reminders queued, not yet sent");
    chart_points(html, "chart-queue", 1, 3);
    free(html);
}

/* Values a chart cannot draw as they are: NaN and Inf in a scrape, a CPU
 * counter that goes down (a restart), a negative number in the time series. */
static void test_odd_values(void **state)
{
    char run[512], page[600];
    struct report_error err = {{0}};
    struct report_fixture_opts o = {.seconds = 5, .scrapes = 6};
    snprintf(run, sizeof run, "%s/odd", (const char *)*state);
    assert_int_equal(report_fixture_write(run, &o), 0);
    assert_int_equal(report_fixture_put(run, "metrics/t00004.prom",
                                        "process_cpu_seconds_total NaN\n"
                                        "process_resident_memory_bytes +Inf\n"), 0);
    assert_int_equal(report_fixture_put(run, "metrics/t00006.prom",
                                        "process_cpu_seconds_total 0.5\n"
                                        "process_resident_memory_bytes 1048576\n"), 0);
    assert_int_equal(report_fixture_put(run, "timeseries.csv",
                                        "second,requests,errors,rps,p50_ms,p90_ms,p99_ms,max_ms,"
                                        "send_lag_p99_ms\n0,10,0,10,1,2,3,4,0\n"
                                        "1,10,0,-10,,,,,\n2,10,0,10,1,2,3,4,0\n"), 0);
    assert_int_equal(report_write_run(run, &err), REPORT_WRITTEN);
    snprintf(page, sizeof page, "%s/report.html", run);
    char *html = slurp(page);
    assert_non_null(html);
    lacks(html, "nan");
    lacks(html, "inf,");
    /* CPU: rates at 2 (from 0), none at 4 (NaN) or 6 (reset), then 8 and 10. */
    chart_points(html, "chart-cpu", 1, 3);
    chart_points(html, "chart-memory", 1, 5);
    chart_points(html, "chart-throughput", 3, 3);
    assert_true(count_in_chart(html, "chart-throughput", ">-") > 0); /* a negative y tick */
    free(html);
}

/* Fixture in dir/sub with file name replaced by text; the report must
 * refuse it with a message containing msg and leave no page behind. */
static void expect_refusal(const char *dir, const char *sub, const char *name, const char *text,
                           const char *msg)
{
    char run[512], path[700];
    struct report_error err = {{0}};
    struct report_fixture_opts o = {.scrapes = 5};
    snprintf(run, sizeof run, "%s/%s", dir, sub);
    assert_int_equal(report_fixture_write(run, &o), 0);
    snprintf(path, sizeof path, "%s/%s", run, name);
    if (text == NULL)
        assert_int_equal(unlink(path), 0);
    else
        assert_int_equal(report_fixture_put(run, name, text), 0);
    assert_int_equal(report_write_run(run, &err), REPORT_BAD_INPUT);
    if (strstr(err.msg, msg) == NULL || strstr(err.msg, run) == NULL)
        fail_msg("expected '%s' (and the folder) in '%s'", msg, err.msg);
    snprintf(path, sizeof path, "%s/report.html", run);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/report.html.tmp", run);
    assert_false(exists(path));
}

static void test_bad_input(void **state)
{
    const char *d = *state;
    expect_refusal(d, "a", "timeseries.csv", NULL, "timeseries.csv: cannot open");
    expect_refusal(d, "b", "samples.csv", NULL, "samples.csv: cannot open");
    expect_refusal(d, "c", "summary.json", NULL, "summary.json: missing");
    expect_refusal(d, "d", "timeseries.csv",
                   "second,requests,errors,rps,p50_ms,p90_ms,p99_ms,max_ms,send_lag_p99_ms\n"
                   "0,10,0,10,1,2,3,4,0\n1,10,0,ten,1,2,3,4,0\n",
                   "timeseries.csv:3: column 'rps': 'ten' is not a finite number");
    expect_refusal(d, "e", "timeseries.csv", "second,requests\n0,1\n",
                   "timeseries.csv:1: missing column 'errors'");
    expect_refusal(d, "f", "samples.csv",
                   "t_ms,transaction,step,status,latency_us,server_app_us,server_store_us,"
                   "server_cache_us,trace_id,error\n1,a,b,200,900,1,2,,ab,\n2,a,b,200,-,1,2,,ab,\n",
                   "samples.csv:3: column 'latency_us': '-' is not a finite number");
    expect_refusal(d, "g", "metrics/t00004.prom", "process_cpu_seconds_total 1\nbad{ 2\n",
                   "metrics/t00004.prom:2: expected a label name");
    expect_refusal(d, "h", "metrics/after.prom", "x 1\ny 2\nz{a=\"1\"} one\n",
                   "metrics/after.prom:3: 'one' is not a number");
    expect_refusal(d, "i", "summary.json", "{\"meta\":{\"stage\":\"x\"},\"requests\":1}",
                   "summary.json: $.errors: missing");
}

/* Cut summary.json, timeseries.csv, samples.csv and a scrape at many
 * offsets, and flip bytes: every load either succeeds or fails with a
 * message; under ASan any overrun or leak fails the test. */
static void test_truncated_and_corrupted(void **state)
{
    static const char *const files[] = {"summary.json", "timeseries.csv", "samples.csv",
                                        "metrics/t00002.prom", "metrics/after.prom"};
    char run[512], path[700];
    struct report_fixture_opts o = {.seconds = 4, .scrapes = 3, .cache = true};
    snprintf(run, sizeof run, "%s/cut", (const char *)*state);
    size_t refused = 0, accepted = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        assert_int_equal(report_fixture_write(run, &o), 0);
        snprintf(path, sizeof path, "%s/%s", run, files[f]);
        char *orig = slurp(path);
        assert_non_null(orig);
        size_t len = strlen(orig);
        for (size_t cut = 0; cut <= len; cut += 1 + len / 200) {
            for (int flip = 0; flip < 2; flip++) {
                char *text = strdup(orig);
                assert_non_null(text);
                if (flip && cut < len)
                    text[cut] = (char)(text[cut] ^ 0x55);
                else
                    text[cut] = '\0';
                assert_int_equal(report_fixture_put(run, files[f], text), 0);
                free(text);
                struct report_run r;
                struct report_error err = {{0}};
                if (report_run_load(&r, run, &err) == 0) {
                    accepted++;
                    report_run_release(&r);
                } else {
                    refused++;
                    assert_true(strlen(err.msg) > 0);
                    assert_non_null(strstr(err.msg, run));
                }
            }
        }
        free(orig);
    }
    /* Both outcomes happen: a cut at a row boundary is still a valid CSV. */
    assert_true(refused > 100);
    assert_true(accepted > 10);
    print_message("truncated/corrupted inputs: %zu refused, %zu accepted\n", refused, accepted);
}

static char *compare_page(const char *dir, const char *const *subs, size_t n)
{
    char out[512], runs[REPORT_MAX_RUNS][512];
    const char *dirs[REPORT_MAX_RUNS];
    struct report_error err = {{0}};
    for (size_t i = 0; i < n; i++) {
        snprintf(runs[i], sizeof runs[i], "%s/%s", dir, subs[i]);
        dirs[i] = runs[i];
    }
    snprintf(out, sizeof out, "%s/compare.html", dir);
    int rc = report_write_compare(out, dirs, n, &err);
    if (rc != REPORT_WRITTEN)
        fail_msg("report_write_compare: %d %s", rc, err.msg);
    char *html = slurp(out);
    assert_non_null(html);
    return html;
}

static void fixture(const char *dir, const char *sub, const char *stage, double participants,
                    double scale)
{
    char run[512];
    struct report_fixture_opts o = {.stage = stage, .participants = participants,
                                    .scale = scale, .seconds = 20, .scrapes = 4};
    snprintf(run, sizeof run, "%s/%s", dir, sub);
    assert_int_equal(report_fixture_write(run, &o), 0);
}

static void test_compare_sweep(void **state)
{
    const char *d = *state;
    fixture(d, "s1k", "02-sqlite", 1000, 1);
    fixture(d, "s10k", "02-sqlite", 10000, 1.4);
    fixture(d, "s100k", "02-sqlite", 100000, 2.2);
    fixture(d, "p1k", "03-postgres", 1000, 1.2);
    fixture(d, "p10k", "03-postgres", 10000, 1.3);
    fixture(d, "c1k", "04-cache", 1000, 0.7);
    static const char *const subs[] = {"s10k", "s1k", "s100k", "p1k", "p10k", "c1k"};
    char *html = compare_page(d, subs, 6);
    has(html, "<h1>Load test comparison: 6 runs</h1>");
    has(html, "<td>02-sqlite, 1000 participants</td>");
    has(html, "<td>02-sqlite, 100000 participants</td>");
    has(html, "<td>03-postgres, 10000 participants</td>");
    has(html, "<td>04-cache</td>"); /* one run: the stage alone names it */
    static const char *const ids[] = {"id=\"runs\"", "id=\"chart-cmp-rps\"",
                                      "id=\"chart-cmp-p50\"", "id=\"chart-cmp-p99\"",
                                      "id=\"cmp-transactions\"", "id=\"sweep\""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        has(html, ids[i]);
    /* Sweep: 02-sqlite (3 sizes) and 03-postgres (2), p99 and p50 each;
     * 04-cache has one size and is left out of it. */
    has(html, "02-sqlite p99");
    has(html, "03-postgres p50");
    lacks(html, "04-cache p99");
    const char *sweep = strstr(html, "<svg id=\"chart-sweep\"");
    assert_non_null(sweep);
    size_t lines = 0, points[8];
    for (const char *p = strstr(sweep, "<polyline"); p && p < strstr(sweep, "</svg>");
         p = strstr(p + 1, "<polyline"))
        points[lines++] = count_points(strstr(p, " points=\"") + 9);
    assert_int_equal(lines, 4);
    assert_int_equal(points[0], 3);
    assert_int_equal(points[1], 3);
    assert_int_equal(points[2], 2);
    assert_int_equal(points[3], 2);
    /* Overlays: one line per run; 20 seconds of time series each. */
    chart_points(html, "chart-cmp-rps-time", 6, 20);
    chart_points(html, "chart-cmp-distribution", 6, 15);
    /* One bar per run in each transaction group: all, organiser, participant. */
    const char *bars = strstr(html, "<svg id=\"chart-cmp-p99\"");
    size_t rects = 0;
    for (const char *p = strstr(bars, "class=\"bar\""); p && p < strstr(bars, "</svg>");
         p = strstr(p + 1, "class=\"bar\""))
        rects++;
    assert_int_equal(rects, 3 * 6);
    free(html);
}

static void test_compare_without_sweep(void **state)
{
    const char *d = *state;
    fixture(d, "a", "01-csv", 1000, 3);
    fixture(d, "b", "02-sqlite", 1000, 1);
    static const char *const subs[] = {"a", "b"};
    char *html = compare_page(d, subs, 2);
    has(html, "<td>01-csv</td>");
    has(html, "<td>02-sqlite</td>");
    has(html, "No data-size sweep");
    lacks(html, "chart-sweep");
    free(html);

    /* A repeated run (same stage, same size) gets a number, not a twin label. */
    fixture(d, "b2", "02-sqlite", 1000, 1.1);
    fixture(d, "b3", "02-sqlite", 5000, 1.1);
    static const char *const rep[] = {"b", "b2", "b3"};
    html = compare_page(d, rep, 3);
    has(html, "<td>02-sqlite, 1000 participants</td>");
    has(html, "<td>02-sqlite, 1000 participants (run 2)</td>");
    has(html, "<td>02-sqlite, 5000 participants</td>");
    free(html);

    /* A bad folder among good ones: refused, named, no page. */
    char good[512], out[512];
    struct report_error err = {{0}};
    snprintf(good, sizeof good, "%s/a", d);
    snprintf(out, sizeof out, "%s/bad.html", d);
    const char *dirs[] = {good, "/nonexistent/run"};
    assert_int_equal(report_write_compare(out, dirs, 2, &err), REPORT_BAD_INPUT);
    has(err.msg, "/nonexistent/run/summary.json");
    assert_false(exists(out));
    assert_int_equal(report_write_compare(out, dirs, 0, &err), REPORT_BAD_INPUT);
}

/* Achieved against offered, answers apart from failures, and a dip. */
static void test_throughput_and_answers(void **state)
{
    struct report_fixture_opts o = {.seconds = 12};
    char *html = run_page(*state, "tp", &o);
    has(html, "id=\"dip\""); /* the fixture's slow third achieves 400 of 1000 */
    has(html, "lowest second req/s");
    has(html, "achieved (answers / s, at completion)");
    has(html, "offered (requests / s, by intended start)");
    has(html, "id=\"answers\"");
    has(html, "successful answers: service time (from the actual send)");
    has(html, "timeouts: how long they waited");
    has(html, "<td>4</td>"); /* the timeouts' count */
    lacks(html, "id=\"search\"");
    lacks(html, "id=\"partial\"");
    /* One timeline of four charts on one axis, a verdict and Little's law: the
       fixture's p99 is 5.3 x its p50 with no CPU share to blame. */
    chart_points(html, "chart-tl-throughput", 2, 12);
    has(html, "id=\"chart-tl-cpu\"");
    has(html, "<b>Verdict:</b> waiting on a dependency");
    has(html, "Little&#39;s law: 1000 answers/s x 1.44 ms mean latency = 1.44 requests in "
              "flight on average, of 32 connections.");
    free(html);
    /* Without scrapes (stage 05 behind HAProxy) nothing says the CPU was
       low: the same long tail is not blamed on a dependency... */
    struct report_fixture_opts blind = {.seconds = 12, .no_metrics = true,
                                        .no_server_timing = true};
    html = run_page(*state, "blind", &blind);
    has(html, "<b>Verdict:</b> a long tail, cause not measured: p99 ");
    has(html, "the server&#39;s CPU was not scraped, so it may be the CPU or a dependency.");
    lacks(html, "CPU low");
    free(html);
    /* ...unless the phases show the store's share of the server's time. */
    struct report_fixture_opts phases = {.seconds = 12, .no_metrics = true};
    html = run_page(*state, "phases", &phases);
    has(html, "<b>Verdict:</b> waiting on a dependency: store and cache are most of the "
              "server&#39;s time (p99 ");
    has(html, "the server&#39;s CPU was not scraped.");
    lacks(html, "CPU low");
    free(html);
    struct report_fixture_opts gen = {.seconds = 12, .bottleneck = true};
    html = run_page(*state, "gen", &gen);
    has(html, "<b>Verdict:</b> generator-bound");
    free(html);
    /* Without the dip (a short run, every second at 1000), no warning. */
    struct report_fixture_opts flat = {.seconds = 4};
    html = run_page(*state, "flat", &flat);
    lacks(html, "id=\"dip\"");
    free(html);
    /* Nor when a low rate's lowest second is short by counting noise alone. */
    char run[512];
    snprintf(run, sizeof run, "%s/flat", (const char *)*state);
    struct report_error err = {{0}};
    assert_int_equal(report_fixture_put(run, "summary.json",
                                        "{\"meta\":{\"stage\":\"s\"},\"requests\":55,\"errors\":0,"
                                        "\"rps\":13.8,\"duration_s\":4,\"achieved_rps\":13.8,"
                                        "\"offered_rps\":13.8,\"min_second_rps\":12,\"latency_ms\":"
                                        "{\"mean\":1,\"p50\":1,\"p90\":1,\"p99\":1,\"p999\":1,"
                                        "\"max\":1}}"), 0);
    assert_int_equal(report_write_run(run, &err), REPORT_WRITTEN);
    char page[600];
    snprintf(page, sizeof page, "%s/report.html", run);
    html = slurp(page);
    lacks(html, "id=\"dip\"");
    free(html);
}

static void test_search_page(void **state)
{
    struct report_fixture_opts o = {.seconds = 5, .search = true};
    char *html = run_page(*state, "sat", &o);
    has(html, "id=\"search\"");
    /* Knee at 4000 req/s: 500..4000 hold at p99 <= 50 ms except near the knee. */
    has(html, "sustains <b>");
    /* Three lines (p99, p50, SLO), one point per ladder step. */
    const char *svg = strstr(html, "<svg id=\"chart-hockey\"");
    assert_non_null(svg);
    size_t held = 0;
    for (const char *p = strstr(html, ": held</td>"); p != NULL; p = strstr(p + 1, ": held</td>"))
        held++;
    assert_true(held >= 3); /* 500, 1000, 2000 at least */
    const char *dp = strstr(svg, "data-points=\"");
    assert_non_null(dp);
    size_t n = strtoul(dp + 13, NULL, 10);
    assert_true(n >= 5 && n <= 8);
    chart_points(html, "chart-hockey", 3, n);
    free(html);
}

static void test_compare_capacity(void **state)
{
    const char *d = *state;
    struct report_fixture_opts a = {.stage = "02-sqlite", .search = true, .scale = 1};
    struct report_fixture_opts b = {.stage = "04-cache", .search = true, .scale = 0.5};
    char run[512];
    snprintf(run, sizeof run, "%s/sa", d);
    assert_int_equal(report_fixture_write(run, &a), 0);
    snprintf(run, sizeof run, "%s/sb", d);
    assert_int_equal(report_fixture_write(run, &b), 0);
    static const char *const subs[] = {"sa", "sb"};
    char *html = compare_page(d, subs, 2);
    has(html, "id=\"capacity-headlines\"");
    has(html, "<li>02-sqlite sustains <b>");
    has(html, "<li>04-cache sustains <b>");
    has(html, "at p99 &le; 50 ms</li>");
    const char *svg = strstr(html, "<svg id=\"chart-cmp-hockey\"");
    assert_non_null(svg);
    assert_int_equal(count_in_chart(html, "chart-cmp-hockey", "<polyline"), 4);
    lacks(html, "id=\"settings-differ\"");
    /* The same throughput both times (the fixture's), half the latency. */
    has(html, "id=\"significance\"");
    has(html, "<td>04-cache</td><td>achieved req/s</td>");
    has(html, "</td><td>0</td><td>not significant</td></tr>");
    has(html, "<tr class=\"sig\"><td>04-cache</td><td>p50 (ms)</td>");
    has(html, "<td>-50</td><td>significant</td>");
    free(html);
    /* A run that is no search next to searches: said loudly. */
    fixture(d, "plain", "01-csv", 1000, 2);
    static const char *const mixed[] = {"sa", "plain"};
    html = compare_page(d, mixed, 2);
    has(html, "id=\"settings-differ\"");
    has(html, "01-csv differs from 02-sqlite in ");
    free(html);
}

/* Where the tail went: the spans of the slowest requests from a trace file. */
static void test_waterfall(void **state)
{
    const char *d = *state;
    struct report_fixture_opts o = {.seconds = 5};
    struct report_error err = {{0}};
    struct santa_arena a;
    struct report_summary s;
    char run[512], path[700], page[700], lines[2048];
    snprintf(run, sizeof run, "%s/wf", d);
    assert_int_equal(report_fixture_write(run, &o), 0);
    snprintf(path, sizeof path, "%s/summary.json", run);
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(report_summary_read(&s, path, &a, &err), 0);
    /* The slowest request: a root span and two children, one nested; another
       trace's span and an array line are read past. */
    snprintf(lines, sizeof lines,
             "{\"traceId\":\"%s\",\"id\":\"r\",\"name\":\"GET /api/x\",\"timestamp\":1000,"
             "\"duration\":90000}\n"
             "[{\"traceId\":\"%s\",\"id\":\"c1\",\"parentId\":\"r\",\"name\":\"store.get\","
             "\"timestamp\":2000,\"duration\":80000},"
             "{\"traceId\":\"ffff\",\"id\":\"z\",\"name\":\"other\",\"timestamp\":1}]\n"
             "{\"traceId\":\"%s\",\"id\":\"c2\",\"parentId\":\"c1\",\"name\":\"sqlite.step\","
             "\"timestamp\":3000,\"duration\":75000}\n",
             s.slowest[0].trace_id, s.slowest[0].trace_id, s.slowest[0].trace_id);
    santa_arena_release(&a);
    assert_int_equal(report_fixture_put(run, "trace.json", lines), 0);
    snprintf(path, sizeof path, "%s/trace.json", run);
    assert_int_equal(report_write_run_traces(run, path, &err), REPORT_WRITTEN);
    snprintf(page, sizeof page, "%s/report.html", run);
    char *html = slurp(page);
    has(html, "id=\"tail\"");
    has(html, "3 spans</h3>");
    assert_int_equal(count_in_chart(html, "waterfall-0", "class=\"span\""), 3);
    has(html, "<title>sqlite.step: 75 ms</title>");
    lacks(html, "waterfall-1");
    free(html);
    /* A line that is no span: refused, with the file and line. */
    assert_int_equal(report_fixture_put(run, "trace.json", "{\"traceId\":\"x\"}\nnot json\n"), 0);
    assert_int_equal(report_write_run_traces(run, path, &err), REPORT_BAD_INPUT);
    has(err.msg, "trace.json:2: not a Zipkin v2 span");
    /* No trace file: the page says how to get one. */
    assert_int_equal(report_write_run(run, &err), REPORT_WRITTEN);
    html = slurp(page);
    has(html, "No trace file given");
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_page_sections, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_escaping, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_missing_sources, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_odd_values, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_queue_depth_over_time, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_input, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_truncated_and_corrupted, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_compare_sweep, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_compare_without_sweep, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_throughput_and_answers, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_search_page, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_compare_capacity, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_waterfall, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
