/*
 * test_report_readers.c - santa-report's input readers and HTML escaping.
 *
 * Good input parses to the expected values; every kind of malformed input
 * is refused with a message naming the file and the line (CSV, Prometheus)
 * or the JSON path (summary.json). Files are written to a fresh temporary
 * folder per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report_buf.h"
#include "report_csv.h"
#include "report_fixture.h"
#include "report_prom.h"
#include "report_summary.h"

static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/report-readers-XXXXXX");
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

static void put(const char *dir, const char *name, const char *text, char *path, size_t n)
{
    assert_int_equal(report_fixture_put(dir, name, text), 0);
    snprintf(path, n, "%s/%s", dir, name);
}

/* Opens text as CSV and reads every row; returns the first error (or ""). */
static int csv_all(const char *dir, const char *text, struct report_error *err, int *rows)
{
    char path[512];
    struct report_csv *c;
    put(dir, "t.csv", text, path, sizeof path);
    *rows = 0;
    if (report_csv_open(&c, path, err) < 0)
        return -1;
    static const char *const cols[] = {"a", "b"};
    int idx[2], rc = report_csv_columns(c, cols, 2, idx, err);
    while (rc == 0 && (rc = report_csv_next(c, err)) == 1) {
        double v;
        (*rows)++;
        rc = report_csv_number(c, idx[1], &v, NULL, err);
    }
    report_csv_close(c);
    return rc;
}

static void test_csv_good(void **state)
{
    const char *dir = *state;
    char path[512];
    struct report_error err;
    struct report_csv *c;
    put(dir, "g.csv", "x,a,b\r\n\"q,\"\"uo\"\"te\",1,2.5\n\nplain,,-3e2\n", path, sizeof path);
    assert_int_equal(report_csv_open(&c, path, &err), 0);
    static const char *const cols[] = {"a", "b", "x"};
    int idx[3];
    assert_int_equal(report_csv_columns(c, cols, 3, idx, &err), 0);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[2], 0);
    assert_int_equal(report_csv_next(c, &err), 1);
    assert_string_equal(report_csv_field(c, idx[2]), "q,\"uo\"te");
    double v;
    bool present;
    assert_int_equal(report_csv_number(c, idx[1], &v, NULL, &err), 0);
    assert_true(v == 2.5);
    assert_int_equal(report_csv_next(c, &err), 1); /* the blank line is skipped */
    assert_int_equal(report_csv_line(c), 4);
    assert_int_equal(report_csv_number(c, idx[0], &v, &present, &err), 0);
    assert_false(present);
    assert_int_equal(report_csv_number(c, idx[0], &v, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "g.csv:4: column 'a': empty"));
    assert_int_equal(report_csv_number(c, idx[1], &v, NULL, &err), 0);
    assert_true(v == -300);
    assert_int_equal(report_csv_next(c, &err), 0);
    report_csv_close(c);
}

static void expect_csv_error(const char *dir, const char *text, const char *msg, int rows)
{
    struct report_error err = {{0}};
    int n;
    assert_int_equal(csv_all(dir, text, &err, &n), -1);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("expected '%s' in '%s'", msg, err.msg);
    assert_int_equal(n, rows);
}

static void test_csv_malformed(void **state)
{
    const char *dir = *state;
    expect_csv_error(dir, "", "t.csv:1: empty file", 0);
    expect_csv_error(dir, "a,c\n1,2\n", "t.csv:1: missing column 'b'", 0);
    expect_csv_error(dir, "a,b\n1,2\n3,x7\n", "t.csv:3: column 'b': 'x7' is not a finite", 2);
    expect_csv_error(dir, "a,b\n1,2\n3,nan\n", "t.csv:3: column 'b': 'nan'", 2);
    expect_csv_error(dir, "a,b\n1,1e999\n", "t.csv:2: column 'b'", 1);
    expect_csv_error(dir, "a,b\n1,2,3\n", "t.csv:2: 3 fields, the header has 2", 0);
    expect_csv_error(dir, "a,b\n1\n", "t.csv:2: 1 fields, the header has 2", 0);
    expect_csv_error(dir, "a,b\n\"1,2\n", "t.csv:2: field 1: unterminated quote", 0);
    expect_csv_error(dir, "a,b\n\"1\"x,2\n", "t.csv:2: field 1: text after closing quote", 0);
    expect_csv_error(dir, "a,b\n1\"2,3\n", "t.csv:2: field 1: quote inside", 0);
    char *big = malloc(70000);
    assert_non_null(big);
    memcpy(big, "a,b\n1,", 6);
    memset(big + 6, '7', 69990);
    big[69996] = '\0';
    expect_csv_error(dir, big, "t.csv:2: line longer than 65536 bytes", 0);
    free(big);

    struct report_error err;
    struct report_csv *c;
    assert_int_equal(report_csv_open(&c, "/nonexistent/x.csv", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
}

static void test_prom_good(void **state)
{
    (void)state;
    static const char text[] =
        "# HELP x help text with \"quotes\"\n# TYPE x counter\n"
        "process_cpu_seconds_total 12.5\n"
        "  santa_request_phase_duration_seconds_sum{phase=\"app\",route=\"/a\"} 0.5 1700000\n"
        "santa_request_phase_duration_seconds_sum{route=\"/b\",phase=\"app\",} 1.5\r\n"
        "santa_request_phase_duration_seconds_sum{phase=\"store\"} 2\n"
        "h_bucket{le=\"+Inf\",q=\"a \\\"b\\\" \\\\ c\\n\"} +Inf\n"
        "weird{} NaN\n";
    struct report_prom *p;
    struct report_error err;
    double sum;
    assert_int_equal(report_prom_parse(&p, "x.prom", text, strlen(text), &err), 0);
    assert_int_equal(report_prom_count(p), 6);
    assert_int_equal(report_prom_sum(p, "process_cpu_seconds_total", NULL, NULL, &sum), 1);
    assert_true(sum == 12.5);
    assert_int_equal(report_prom_sum(p, "santa_request_phase_duration_seconds_sum", "phase",
                                     "app", &sum), 2);
    assert_true(sum == 2.0);
    assert_int_equal(report_prom_sum(p, "santa_request_phase_duration_seconds_sum", "phase",
                                     "cache", &sum), 0);
    assert_true(sum == 0);
    assert_int_equal(report_prom_sum(p, "h_bucket", "q", "a \"b\" \\ c\n", &sum), 1);
    assert_int_equal(report_prom_sum(NULL, "h_bucket", NULL, NULL, &sum), 0);
    report_prom_free(p);
}

static void expect_prom_error(const char *text, const char *msg)
{
    struct report_prom *p = NULL;
    struct report_error err = {{0}};
    assert_int_equal(report_prom_parse(&p, "m.prom", text, strlen(text), &err), -1);
    assert_null(p);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_prom_malformed(void **state)
{
    (void)state;
    expect_prom_error("ok 1\n9bad 1\n", "m.prom:2: expected a metric name");
    expect_prom_error("ok 1\n\nx{a=\"1\" 2\n", "m.prom:3: expected ',' or '}'");
    expect_prom_error("x{a=1} 2\n", "m.prom:1: expected '\"' to open a label value");
    expect_prom_error("x{a=\"1} 2\n", "m.prom:1: unterminated label value");
    expect_prom_error("x{a\"1\"} 2\n", "m.prom:1: expected '=' after a label name");
    expect_prom_error("x{a=\"\\t\"} 2\n", "m.prom:1: bad escape");
    expect_prom_error("x{,} 2\n", "m.prom:1: expected a label name");
    expect_prom_error("x\n", "m.prom:1: expected a sample value");
    expect_prom_error("x 12abc\n", "m.prom:1: '12abc' is not a number");
    expect_prom_error("x 1 2 3\n", "m.prom:1: unexpected text after the timestamp");
    expect_prom_error("x 1\ny 1 zz\n", "m.prom:2: 'zz' is not a number");
    static const char nul[] = "x 1\ny\0 2\n";
    struct report_prom *p;
    struct report_error err;
    assert_int_equal(report_prom_parse(&p, "m.prom", nul, sizeof nul - 1, &err), -1);
    assert_non_null(strstr(err.msg, "m.prom:2: NUL byte"));
    assert_int_equal(report_prom_load(&p, "/nonexistent/m.prom", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/m.prom: cannot open"));
}

#define LAT "{\"mean\":1,\"p50\":1,\"p90\":2,\"p99\":3,\"p999\":4,\"max\":5}"
#define MIN_SUMMARY                                                                            \
    "{\"meta\":{\"stage\":\"s\"},\"requests\":10,\"errors\":0,\"rps\":1,\"duration_s\":1,"    \
    "\"latency_ms\":" LAT

/* Reads text as summary.json; returns the result, err holds the message. */
static int summary_text(const char *dir, const char *text, struct report_summary *s,
                        struct santa_arena *a, struct report_error *err)
{
    char path[512];
    put(dir, "summary.json", text, path, sizeof path);
    return report_summary_read(s, path, a, err);
}

static void expect_summary_error(const char *dir, const char *text, const char *msg)
{
    struct santa_arena a;
    struct report_summary s;
    struct report_error err = {{0}};
    santa_arena_init(&a, 1 << 20);
    int rc = summary_text(dir, text, &s, &a, &err);
    santa_arena_release(&a);
    assert_int_equal(rc, -1);
    if (strstr(err.msg, msg) == NULL || strstr(err.msg, "summary.json") == NULL)
        fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_summary_good(void **state)
{
    const char *dir = *state;
    struct report_fixture_opts o = {.stage = "04-cache", .cache = true, .bottleneck = true,
                                    .participants = 5000};
    struct santa_arena a;
    struct report_summary s;
    struct report_error err;
    char path[512];
    assert_int_equal(report_fixture_write(dir, &o), 0);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(report_summary_read(&s, path, &a, &err), 0);
    assert_string_equal(s.stage, "04-cache");
    assert_string_equal(s.mode, "closed");
    assert_true(s.has_seed && s.seed_participants == 5000);
    assert_true(s.requests == 30000 && s.errors == 36 && s.rps == 1000);
    assert_true(s.latency.p50 == 1.2);
    assert_int_equal(s.ndist, 15);
    assert_true(s.dist_p[14] == 100);
    assert_true(s.dist_p[11] == 99 && s.dist_ms[11] > s.dist_ms[10]);
    assert_int_equal(s.ntxns, 2);
    assert_string_equal(s.txns[0].name, "organiser");
    assert_int_equal(s.txns[0].nsteps, 3);
    assert_string_equal(s.txns[0].steps[2].name, "draw");
    assert_int_equal(s.nerrors_by_kind, 6);
    assert_true(s.server_timing[REPORT_PHASE_CACHE].present);
    assert_true(s.bottleneck);
    assert_int_equal(s.nslowest, 20);
    assert_int_equal(strlen(s.slowest[0].trace_id), 32);
    santa_arena_release(&a);

    /* The whole histogram, when exported, gives the percentile curve: 1000
       values at 1 ms (bucket [999424, 8192)), 10 at 100 ms: p50 1 ms, the
       p99.9 and beyond in the 100 ms bucket, max exact. */
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(summary_text(dir, MIN_SUMMARY ",\"histograms\":{\"response\":{"
                                       "\"count\":1010,\"min\":1000000,\"max\":100000000,"
                                       "\"buckets\":[[999424,8192,1000],"
                                       "[99614720,524288,10]]}}}", &s, &a, &err), 0);
    assert_true(s.dist_from_histogram);
    assert_int_equal(s.ndist, REPORT_HIST_POINTS);
    assert_true(s.dist_p[0] == 0 && s.dist_p[REPORT_HIST_POINTS - 1] == 100);
    assert_true(s.dist_ms[0] == 1.0); /* min */
    assert_true(fabs(s.dist_ms[10] - 1.003520) < 1e-6); /* p90: bucket middle */
    assert_true(s.dist_ms[REPORT_HIST_POINTS - 1] == 100.0); /* max */
    assert_true(fabs(s.dist_ms[30] - 99.876864) < 1e-6); /* p99.9 */
    santa_arena_release(&a);

    /* --repeat's figures. */
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(summary_text(dir, MIN_SUMMARY ",\"repeats\":{\"runs\":[{},{},{}],"
                                       "\"achieved_rps\":{\"mean\":100,\"ci95\":3},"
                                       "\"p50_ms\":{\"mean\":1,\"ci95\":0.1},"
                                       "\"p99_ms\":{\"mean\":9,\"ci95\":2}}}", &s, &a, &err), 0);
    assert_true(s.has_repeats && s.repeat_runs == 3);
    assert_true(s.repeat_mean[0] == 100 && s.repeat_ci[2] == 2);
    santa_arena_release(&a);
    expect_summary_error(dir, MIN_SUMMARY ",\"repeats\":{\"p50_ms\":{\"mean\":1}}}",
                         ": $.repeats.achieved_rps: missing");

    /* The minimum: only the required members. */
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(summary_text(dir, MIN_SUMMARY "}", &s, &a, &err), 0);
    assert_int_equal(s.ntxns, 0);
    assert_false(s.has_generator);
    assert_false(s.server_timing[REPORT_PHASE_APP].present);
    santa_arena_release(&a);
}

static void test_summary_malformed(void **state)
{
    const char *d = *state;
    expect_summary_error(d, "{\"meta\": }", "summary.json:1:10: not valid JSON");
    expect_summary_error(d, "", "not valid JSON");
    expect_summary_error(d, "[1]", ": $: expected an object");
    expect_summary_error(d, "{\"requests\":1}", ": $.meta: missing");
    expect_summary_error(d, "{\"meta\":{\"stage\":7}}", ": $.meta.stage: expected a string");
    expect_summary_error(d, "{\"meta\":{\"stage\":\"\"}}", ": $.meta.stage: empty");
    expect_summary_error(d, "{\"meta\":{\"stage\":\"s\",\"seed\":{\"participants\":\"many\"}}}",
                         ": $.meta.seed.participants: expected a number");
    expect_summary_error(d, "{\"meta\":{\"stage\":\"s\"},\"requests\":-1}",
                         ": $.requests: expected a number >= 0");
    expect_summary_error(d, "{\"meta\":{\"stage\":\"s\"},\"requests\":1,\"errors\":0,\"rps\":1,"
                            "\"duration_s\":1,\"latency_ms\":{\"mean\":1}}",
                         ": $.latency_ms.p50: missing (expected a number)");
    expect_summary_error(d, MIN_SUMMARY ",\"transactions\":{\"join\":{\"requests\":1,"
                            "\"latency_ms\":{\"mean\":1,\"p50\":1,\"p90\":1,\"p99\":\"x\"}}}}",
                         ": $.transactions.join.latency_ms.p99: expected a number");
    expect_summary_error(d, MIN_SUMMARY ",\"transactions\":{\"t\":{\"requests\":1,\"latency_ms\":"
                            LAT ",\"steps\":{\"s\":{\"latency_ms\":" LAT "}}}}}",
                         ": $.transactions.t.steps.s.requests: missing");
    expect_summary_error(d, MIN_SUMMARY ",\"transactions\":[]}",
                         ": $.transactions: expected an object");
    expect_summary_error(d, MIN_SUMMARY ",\"latency_distribution\":[{\"p\":0,\"ms\":1},"
                            "{\"p\":101,\"ms\":2}]}",
                         ": $.latency_distribution[1].p: expected a percentile in [0, 100]");
    expect_summary_error(d, MIN_SUMMARY ",\"latency_distribution\":[{\"p\":50,\"ms\":1},"
                            "{\"p\":50,\"ms\":2}]}",
                         ": $.latency_distribution[1].p: percentiles must increase");
    expect_summary_error(d, MIN_SUMMARY ",\"latency_distribution\":[3]}",
                         ": $.latency_distribution[0]: expected an object");
    expect_summary_error(d, MIN_SUMMARY ",\"errors_by_kind\":{\"timeout\":\"4\"}}",
                         ": $.errors_by_kind.timeout: expected a number");
    expect_summary_error(d, MIN_SUMMARY ",\"server_timing_ms\":{\"store\":{\"p50\":1}}}",
                         ": $.server_timing_ms.store.mean: missing");
    expect_summary_error(d, MIN_SUMMARY ",\"generator\":{\"bottleneck\":\"yes\"}}",
                         ": $.generator.bottleneck: expected true or false");
    expect_summary_error(d, MIN_SUMMARY ",\"generator\":{\"send_lag_ms\":{\"p99\":null}}}",
                         ": $.generator.send_lag_ms.p99: expected a number");
    expect_summary_error(d, MIN_SUMMARY ",\"slowest\":[{\"trace_id\":\"ab\"}]}",
                         ": $.slowest[0].latency_ms: missing");
    expect_summary_error(d, MIN_SUMMARY ",\"rps\":2}", "duplicate object key");
    expect_summary_error(d, MIN_SUMMARY ",\"histograms\":{\"response\":{\"count\":3,\"min\":1,"
                            "\"max\":9,\"buckets\":[[1,1,2]]}}}",
                         ": $.histograms.response.buckets: their counts do not add up");
    expect_summary_error(d, MIN_SUMMARY ",\"histograms\":{\"service\":{\"count\":1,\"min\":1,"
                            "\"max\":9,\"buckets\":[[1,1]]}}}",
                         ": $.histograms.service[0]: expected [low_ns, width_ns, count]");

    struct santa_arena a;
    struct report_summary s;
    struct report_error err;
    santa_arena_init(&a, 1 << 20);
    assert_int_equal(report_summary_read(&s, "/nonexistent/summary.json", &a, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/summary.json: missing"));
    santa_arena_release(&a);
}

static void test_escape_and_ceiling(void **state)
{
    (void)state;
    struct report_buf b;
    report_buf_init(&b, 1 << 16);
    report_buf_escape(&b, "<script>alert(\"x\")&'</script> ok");
    assert_string_equal(b.data, "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt; ok");
    report_buf_escape(&b, NULL);
    report_buf_release(&b);

    /* printf longer than its stack buffer still lands whole. */
    report_buf_init(&b, 1 << 16);
    char big[2000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    report_buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, sizeof big + 1);
    assert_false(b.failed);
    report_buf_release(&b);

    /* The ceiling: the first append past it sets failed; nothing after lands. */
    report_buf_init(&b, 10);
    report_buf_puts(&b, "12345");
    report_buf_puts(&b, "678901");
    assert_true(b.failed);
    report_buf_puts(&b, "x");
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "12345");
    report_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_good, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_csv_malformed, setup_dir, teardown_dir),
        cmocka_unit_test(test_prom_good),
        cmocka_unit_test(test_prom_malformed),
        cmocka_unit_test_setup_teardown(test_summary_good, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_summary_malformed, setup_dir, teardown_dir),
        cmocka_unit_test(test_escape_and_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
