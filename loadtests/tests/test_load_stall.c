/*
 * test_load_stall.c - a stalled server must show as a dip. The test server
 * runs in a child process; 2 s into a 6 s open-loop run at 200 requests/s
 * the test stops it (SIGSTOP) for 2 s, then lets it go on (SIGCONT).
 *
 * Counted by intended start, as santa-load once did, throughput stays at
 * the schedule's 200/s and the stall is invisible. Counted at completion,
 * the stalled seconds complete nothing and the seconds after it complete
 * the backlog: the summary's lowest second, the report page and --assert
 * min_rps all say so. The fault is checked to have hit under load: the
 * server was seen stopped, requests were due while nothing completed, and
 * the run went on past the recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load_config.h"
#include "load_run.h"
#include "report_page.h"
#include "test_server.h"

#define RATE 200
#define SECONDS 6

struct staller {
    pid_t pid;
    double at_s, for_s;
    _Atomic int stopped_seen; /* waitpid saw the child stopped */
    pthread_t thread;
};

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void *stall_main(void *arg)
{
    struct staller *st = arg;
    int status = 0;
    sleep_s(st->at_s);
    kill(st->pid, SIGSTOP);
    if (waitpid(st->pid, &status, WUNTRACED) == st->pid && WIFSTOPPED(status)) {
        atomic_store(&st->stopped_seen, 1);
    }
    sleep_s(st->for_s);
    kill(st->pid, SIGCONT);
    return NULL;
}

/* Runs plain open loop against s; writes into dir. */
static int run(struct test_server *s, const char *dir, double secs, const char *asserts)
{
    static struct load_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(s->port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    snprintf(cfg.host_port, sizeof(cfg.host_port), "127.0.0.1:%u", (unsigned)s->port);
    snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:%u/", (unsigned)s->port);
    cfg.threads = 1;
    cfg.timeout_ms = 8000; /* longer than the stall: the backlog is answered, not lost */
    cfg.out_dir = dir;
    cfg.assert_expr = asserts;
    cfg.stage = "stall-test";
    load_scenario_defaults(&cfg.sc);
    cfg.sc.run_time = secs;
    cfg.sc.warmup = 0;
    load_scenario_plain(&cfg.sc, 64, RATE);
    cfg.open_loop = true;
    return load_run(&cfg);
}

static json_t *summary(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    return j;
}

static double real(json_t *j, const char *key)
{
    return json_number_value(json_object_get(j, key));
}

/* The page of dir, as santa-report writes it. */
static char *page(const char *dir)
{
    struct report_error err = {{0}};
    char path[512];
    if (report_write_run(dir, &err) != REPORT_WRITTEN) {
        fail_msg("santa-report: %s", err.msg);
    }
    snprintf(path, sizeof(path), "%s/report.html", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char html[4 << 20];
    size_t n = fread(html, 1, sizeof(html) - 1, f);
    html[n] = '\0';
    fclose(f);
    return html;
}

/* Rows of timeseries.csv: offered_rps and completed per second. */
static unsigned series(const char *dir, double *offered, double *completed, unsigned max)
{
    char path[512], line[512];
    snprintf(path, sizeof(path), "%s/timeseries.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned n = 0;
    assert_non_null(fgets(line, sizeof(line), f));
    assert_non_null(strstr(line, ",offered_rps,completed"));
    while (n < max && fgets(line, sizeof(line), f)) {
        /* second,requests,errors,rps,p50,p90,p99,max,lag,offered_rps,completed */
        char *p = line;
        for (int k = 0; k < 9 && p; k++) {
            p = strchr(p, ',');
            p = p ? p + 1 : NULL;
        }
        assert_non_null(p);
        offered[n] = strtod(p, &p);
        completed[n] = strtod(p + 1, NULL);
        n++;
    }
    fclose(f);
    return n;
}

static void test_stall_shows_as_a_dip(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_load_stall_XXXXXX", cmd[600];
    assert_non_null(mkdtemp(dir));
    struct test_server s;
    test_server_fork(&s, TS_ANSWER);
    struct staller st = {.pid = s.child, .at_s = 2.1, .for_s = 2.0};
    assert_int_equal(pthread_create(&st.thread, NULL, stall_main, &st), 0);
    int rc = run(&s, dir, SECONDS, "min_rps>100");
    pthread_join(st.thread, NULL);
    test_server_kill(&s);
    assert_int_equal(atomic_load(&st.stopped_seen), 1); /* the fault really happened */

    /* --assert: the lowest second is far below 100/s. */
    assert_int_equal(rc, LOAD_EXIT_ASSERT);

    /* The summary: offered the schedule, the average nearly whole (the backlog
       was answered after the stall), the lowest second near nothing. */
    json_t *j = summary(dir);
    double offered = real(j, "offered_rps"), achieved = real(j, "achieved_rps");
    double low = real(j, "min_second_rps");
    print_message("offered %.1f/s, achieved %.1f/s, lowest second %.1f/s, p99 %.0f ms\n",
                  offered, achieved, low,
                  json_number_value(json_object_get(json_object_get(j, "latency_ms"), "p99")));
    assert_true(offered > 0.95 * RATE && offered < 1.05 * RATE);
    assert_true(low < 0.25 * RATE);
    assert_true(real(j, "rps") == achieved);
    /* The stall cost the answers' latency, not their existence. */
    assert_true(json_number_value(json_object_get(json_object_get(j, "latency_ms"), "max")) >
                1500);
    json_decref(j);

    /* Under load: a second with requests due and (almost) nothing completed,
       and after it a second completing more than was due (the catch-up). */
    double off[16], done[16];
    unsigned n = series(dir, off, done, 16);
    assert_int_equal(n, SECONDS);
    bool dip = false, catch_up = false;
    for (unsigned i = 0; i < n; i++) {
        print_message("second %u: offered %.0f, completed %.0f\n", i, off[i], done[i]);
        dip |= off[i] >= 0.75 * RATE && done[i] <= 0.25 * RATE;
        catch_up |= dip && done[i] > 1.2 * off[i];
    }
    assert_true(dip);
    assert_true(catch_up);

    /* The page says it in words and in the throughput chart. */
    char *html = page(dir);
    assert_non_null(strstr(html, "id=\"dip\""));
    assert_non_null(strstr(html, "Throughput dipped"));
    assert_non_null(strstr(html, "achieved (answers / s, at completion)"));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The control: the same server left alone holds the rate every second, so
   the same --assert passes (a 50 % drop is far beyond a busy machine's jitter). */
static void test_no_stall_no_dip(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_load_stall_XXXXXX", cmd[600];
    assert_non_null(mkdtemp(dir));
    struct test_server s;
    test_server_fork(&s, TS_ANSWER);
    int rc = run(&s, dir, 3, "min_rps>100");
    test_server_kill(&s);
    assert_true(rc == LOAD_EXIT_OK || rc == LOAD_EXIT_BOTTLENECK);
    json_t *j = summary(dir);
    print_message("control: lowest second %.1f/s\n", real(j, "min_second_rps"));
    assert_true(real(j, "min_second_rps") > 0.5 * RATE);
    json_decref(j);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void *interrupt_main(void *arg)
{
    sleep_s(*(double *)arg);
    kill(getpid(), SIGINT); /* as Ctrl-C would */
    return NULL;
}

/* Ctrl-C 1.5 s into a 5 s run: what was measured is written, marked partial,
   with the duration that ran; the exit code says interrupted. */
static void test_ctrl_c_writes_partial_results(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_load_stall_XXXXXX", cmd[600];
    assert_non_null(mkdtemp(dir));
    struct test_server s;
    test_server_fork(&s, TS_ANSWER);
    double at = 1.5;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, interrupt_main, &at), 0);
    int rc = run(&s, dir, 5, NULL);
    pthread_join(t, NULL);
    test_server_kill(&s);
    signal(SIGINT, SIG_DFL);
    assert_int_equal(rc, LOAD_EXIT_INTERRUPTED);
    json_t *j = summary(dir);
    double secs = real(j, "duration_s");
    print_message("interrupted after %.3f s: %lld requests, partial %d\n", secs,
                  (long long)json_integer_value(json_object_get(j, "requests")),
                  json_is_true(json_object_get(j, "partial")));
    assert_true(json_is_true(json_object_get(j, "partial")));
    assert_true(json_is_true(json_object_get(json_object_get(j, "meta"), "partial")));
    assert_true(secs > 0.5 && secs < 4.5);
    /* The rate is over the part that ran, not the 5 s planned. */
    assert_true(real(j, "offered_rps") > 0.8 * RATE && real(j, "offered_rps") < 1.2 * RATE);
    json_decref(j);
    char *html = page(dir);
    assert_non_null(strstr(html, "id=\"partial\""));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stall_shows_as_a_dip),
        cmocka_unit_test(test_no_stall_no_dip),
        cmocka_unit_test(test_ctrl_c_writes_partial_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
