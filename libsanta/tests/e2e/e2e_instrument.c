/*
 * e2e_instrument.c - libinstrument end to end, against a real stage binary
 * (argv[1]) on a loopback port.
 *
 * The stage is configured through the environment (SANTA_TRACE_FILE,
 * SANTA_STATSD, ...), as deploy/local/up would do it. The test sends
 * traffic carrying a W3C traceparent and checks that: GET /metrics passes
 * `promtool check metrics` (Debian package prometheus; the test fails when
 * it is missing, since deploy/install-deps installs it) and counts the
 * route; every response has Server-Timing and X-Trace-Id; the trace file
 * holds the request span and its store child span under the caller's trace
 * id; a UDP listener of this test receives well-formed statsd lines.
 * Then, with --trace-sample 0: a client's sampled traceparent exports
 * nothing unless --trace-trust-parent, and a slow request is kept anyway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e.h"
#include "testproc.h"

#define TRACE_ID "4bf92f3577b34da6a3ce929d0e0e4736"
#define PARENT_ID "00f067aa0ba902b7"
#define TRACEPARENT "traceparent: 00-" TRACE_ID "-" PARENT_ID "-01"

static const char *binary;
static struct e2e_server server;
static char work[64] = "/tmp/santa-e2e-inst-XXXXXX";
static char trace_path[128];
static int udp_fd = -1;

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(work) == NULL)
        return -1;
    snprintf(trace_path, sizeof trace_path, "%s/trace.json", work);
    int port = 0;
    udp_fd = testproc_listen(SOCK_DGRAM, &port);
    if (udp_fd < 0)
        return -1;
    char statsd[32];
    snprintf(statsd, sizeof statsd, "127.0.0.1:%d", port);
    /* the environment variables, not flags: that is the path deploy/local/up uses */
    setenv("SANTA_TRACE_FILE", trace_path, 1);
    setenv("SANTA_TRACE_SAMPLE", "1", 1);
    setenv("SANTA_STATSD", statsd, 1);
    setenv("SANTA_STATSD_INTERVAL", "100", 1);
    return e2e_start(&server, binary);
}

static int teardown(void **state)
{
    (void)state;
    e2e_cleanup(&server);
    if (udp_fd >= 0)
        close(udp_fd);
    unlink(trace_path);
    rmdir(work);
    return 0;
}

static char exchange_id[64];

/* Copies header `name`'s value out of the raw headers; "" when absent. */
static void header_value(const struct e2e_resp *r, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= cap)
                len = cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return;
        }
    }
}

/* name;dur=<digits>.<3 digits>, followed by the end or ", " (RFC 8673's
 * Server-Timing, milliseconds as libsanta writes them). */
static bool timing_well_formed(const char *v, const char *name)
{
    char want[32];
    snprintf(want, sizeof want, "%s;dur=", name);
    const char *p = strstr(v, want);
    if (!p)
        return false;
    p += strlen(want);
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != '.')
        return false;
    for (int i = 0; i < 3; i++, p++)
        if (*p < '0' || *p > '9')
            return false;
    return *p == '\0' || strncmp(p, ", ", 2) == 0;
}

static void test_traced_requests(void **state)
{
    (void)state;
    struct e2e_resp r;
    const char *body = "{\"name\":\"Traced\"}";
    assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL, body, strlen(body),
                                 NULL, &r),
                     0);
    assert_int_equal(r.status, 201);
    snprintf(exchange_id, sizeof exchange_id, "%s", e2e_str(r.json, "id"));
    e2e_resp_free(&r);

    char path[128], v[256];
    snprintf(path, sizeof path, "/api/exchanges/%s", exchange_id);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(e2e_request(&server, "GET", path, NULL, NULL, 0, TRACEPARENT, &r), 0);
        assert_int_equal(r.status, 200);
        header_value(&r, "X-Trace-Id", v, sizeof v);
        assert_string_equal(v, TRACE_ID);
        header_value(&r, "Server-Timing", v, sizeof v);
        assert_true(timing_well_formed(v, "store"));
        assert_true(timing_well_formed(v, "app"));
        assert_true(strstr(v, "store;dur=") == v); /* store first */
        e2e_resp_free(&r);
    }
    /* a malformed traceparent starts a new trace; the request is served all the same */
    assert_int_equal(e2e_request(&server, "GET", path, NULL, NULL, 0,
                                 "traceparent: ff-" TRACE_ID "-" PARENT_ID "-01", &r),
                     0);
    assert_int_equal(r.status, 200);
    header_value(&r, "X-Trace-Id", v, sizeof v);
    assert_int_equal(strlen(v), 32);
    assert_string_not_equal(v, TRACE_ID);
    e2e_resp_free(&r);
    /* errors carry the headers too */
    assert_int_equal(e2e_request(&server, "GET", "/api/exchanges/nope/x", NULL, NULL, 0, NULL, &r),
                     0);
    assert_int_equal(r.status, 404);
    assert_true(e2e_has_header(&r, "Server-Timing", "store;dur="));
    e2e_resp_free(&r);
    /* a method no route knows: counted as "other", so clients cannot invent series */
    assert_int_equal(e2e_request(&server, "PATCH", path, NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    e2e_resp_free(&r);
}

static void test_metrics_pass_promtool(void **state)
{
    (void)state;
    struct e2e_resp r;
    assert_int_equal(e2e_request(&server, "GET", "/metrics", NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(e2e_has_header(&r, "Content-Type", "text/plain; version=0.0.4"));
    assert_non_null(strstr(r.body, "santa_http_requests_total{method=\"GET\","
                                   "route=\"/api/exchanges/{id}\",status_class=\"2xx\"} 4\n"));
    assert_non_null(strstr(r.body, "santa_http_request_duration_seconds_count{method=\"GET\","
                                   "route=\"/api/exchanges/{id}\"} 4\n"));
    assert_non_null(strstr(r.body, "santa_store_operation_duration_seconds_count{"
                                   "op=\"exchange_get\"} 4\n"));
    assert_non_null(strstr(r.body, "santa_request_phase_duration_seconds_bucket{phase=\"store\""));
    assert_non_null(strstr(r.body, "\nsanta_http_requests_in_flight 1\n")); /* this one */
    assert_non_null(strstr(r.body, "\nprocess_open_fds "));
    assert_non_null(strstr(r.body, "santa_http_requests_total{method=\"GET\",route=\"unmatched\","
                                   "status_class=\"4xx\"} 1\n"));
    assert_non_null(strstr(r.body, "santa_http_requests_total{method=\"other\","
                                   "route=\"unmatched\",status_class=\"4xx\"} 1\n"));
    assert_null(strstr(r.body, "PATCH"));
    assert_null(strstr(r.body, exchange_id)); /* ids never become label values */
    char prom[128];
    snprintf(prom, sizeof prom, "%s/metrics.prom", work);
    FILE *f = fopen(prom, "w");
    assert_non_null(f);
    fwrite(r.body, 1, r.body_len, f);
    fclose(f);
    e2e_resp_free(&r);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "promtool check metrics < '%s'", prom);
    int rc = system(cmd);
    unlink(prom);
    if (rc != 0)
        fail_msg("`%s` failed (exit %d); promtool comes with the Debian package prometheus "
                 "(deploy/install-deps)", cmd, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
}

/* name:value|type[|@rate] with value a number, type c, ms or g. */
static bool statsd_line_ok(const char *l, size_t n)
{
    const char *colon = memchr(l, ':', n), *end = l + n;
    if (colon == NULL || colon == l)
        return false;
    const char *p = colon + 1;
    if (p < end && *p == '-')
        p++;
    const char *digits = p;
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '.'))
        p++;
    if (p == digits || p >= end || *p != '|')
        return false;
    p++;
    size_t rest = (size_t)(end - p);
    size_t tl = rest >= 2 && memcmp(p, "ms", 2) == 0 ? 2 : 1;
    if (!(tl == 2 || *p == 'c' || *p == 'g'))
        return false;
    p += tl;
    if (p == end)
        return true;
    if (end - p < 3 || memcmp(p, "|@", 2) != 0)
        return false;
    for (p += 2; p < end; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == '-'))
            return false;
    return true;
}

static void test_statsd_lines(void **state)
{
    (void)state;
    const char *want = "santa_http_requests_total.GET._api_exchanges__id_.2xx:";
    bool seen = false;
    int datagrams = 0;
    char buf[2048];
    for (int waited = 0; !seen && waited < 10000; waited += 100) {
        struct pollfd p = {.fd = udp_fd, .events = POLLIN};
        if (poll(&p, 1, 100) != 1)
            continue;
        ssize_t n = recv(udp_fd, buf, sizeof buf, 0);
        assert_true(n > 0 && n <= 1432);
        datagrams++;
        for (const char *l = buf, *e = buf + n; l < e;) {
            const char *nl = memchr(l, '\n', (size_t)(e - l));
            size_t len = nl ? (size_t)(nl - l) : (size_t)(e - l);
            if (!statsd_line_ok(l, len))
                fail_msg("malformed statsd line: %.*s", (int)len, l);
            if (len > strlen(want) && memcmp(l, want, strlen(want)) == 0 &&
                memcmp(l + len - 2, "|c", 2) == 0)
                seen = true;
            l += len + 1;
        }
    }
    assert_true(datagrams > 0);
    assert_true(seen);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void test_trace_file(void **state)
{
    (void)state;
    /* stopping the stage drains the exporter: every finished span is in the file */
    assert_int_equal(e2e_stop(&server, SIGTERM), 0);
    FILE *f = fopen(trace_path, "r");
    assert_non_null(f);
    json_t *roots = json_array(), *children = json_array();
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        json_error_t e;
        json_t *s = json_loads(line, 0, &e);
        if (s == NULL)
            fail_msg("trace file line is not JSON: %s", line);
        if (strcmp(jstr(s, "traceId"), TRACE_ID) != 0) {
            json_decref(s);
            continue;
        }
        json_array_append_new(strcmp(jstr(s, "kind"), "SERVER") == 0 ? roots : children, s);
    }
    fclose(f);
    assert_int_equal(json_array_size(roots), 3);
    size_t i;
    json_t *root;
    json_array_foreach(roots, i, root)
    {
        assert_string_equal(jstr(root, "name"), "GET /api/exchanges/{id}");
        assert_string_equal(jstr(root, "parentId"), PARENT_ID);
        assert_string_equal(jstr(json_object_get(root, "tags"), "http.status_code"), "200");
        /* its store call is its child */
        size_t j, found = 0;
        json_t *c;
        json_array_foreach(children, j, c)
        {
            if (strcmp(jstr(c, "parentId"), jstr(root, "id")) == 0) {
                assert_string_equal(jstr(c, "name"), "store.exchange_get");
                found++;
            }
        }
        assert_int_equal(found, 1);
    }
    json_decref(roots);
    json_decref(children);
}

/* ---- clients cannot force tracing ---- */

#define FORCED_ID "0af7651916cd43dd8448eb211c80319c"
#define SLOW_ID "1bf7651916cd43dd8448eb211c80319d"

/* A POST whose body follows its headers 400 ms later: slower than --slow-ms
 * 200 on any machine, since the request is timed from its arrival. Its
 * traceparent says "not sampled", so only slowness can keep it. */
static void slow_post(const struct e2e_server *s)
{
    static const char head[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nConnection: close\r\n"
                               "traceparent: 00-" SLOW_ID "-" PARENT_ID "-00\r\n"
                               "Content-Length: 15\r\n\r\n";
    static const char body[] = "{\"name\":\"slow\"}";
    int fd = testproc_connect(s->port, 0);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, head, sizeof head - 1, MSG_NOSIGNAL), (ssize_t)(sizeof head - 1));
    testproc_sleep_ms(400);
    assert_int_equal(send(fd, body, sizeof body - 1, MSG_NOSIGNAL), (ssize_t)(sizeof body - 1));
    char answer[64] = "";
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 30000), 1);
    assert_true(recv(fd, answer, sizeof answer - 1, 0) > 12);
    close(fd);
    assert_memory_equal(answer, "HTTP/1.1 201", 12);
}

/* Counts the spans of one trace id in a trace file. */
static int spans_of(const char *path, const char *trace_id)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int n = 0;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        json_error_t e;
        json_t *span = json_loads(line, 0, &e);
        n += span && strcmp(jstr(span, "traceId"), trace_id) == 0;
        json_decref(span);
    }
    fclose(f);
    return n;
}

/* Runs a stage with --trace-sample 0 (plus trust or not), sends three
 * requests whose traceparent says sampled and one slow one, stops it and
 * counts what reached the trace file. */
static void run_sampled_by_client(bool trust, int *forced, int *slow)
{
    char dir[] = "/tmp/santa-e2e-inst-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/trace.json", dir);
    setenv("SANTA_TRACE_FILE", path, 1);
    setenv("SANTA_TRACE_SAMPLE", "0", 1);
    unsetenv("SANTA_STATSD");
    static const char *const trusting[] = {"--trace-trust-parent", "--slow-ms", "200", NULL};
    static const char *const plain[] = {"--slow-ms", "200", NULL};
    struct e2e_server s;
    assert_int_equal(e2e_start_with(&s, binary, trust ? trusting : plain), 0);
    for (int i = 0; i < 3; i++) {
        struct e2e_resp r;
        assert_int_equal(e2e_request(&s, "GET", "/healthz", NULL, NULL, 0,
                                     "traceparent: 00-" FORCED_ID "-" PARENT_ID "-01", &r),
                         0);
        assert_int_equal(r.status, 200);
        e2e_resp_free(&r);
    }
    slow_post(&s);
    assert_int_equal(e2e_stop(&s, SIGTERM), 0); /* drains the exporter */
    *forced = spans_of(path, FORCED_ID);
    *slow = spans_of(path, SLOW_ID);
    e2e_cleanup(&s);
    unlink(path);
    rmdir(dir);
}

static void test_clients_cannot_force_tracing(void **state)
{
    (void)state;
    int forced, slow;
    run_sampled_by_client(false, &forced, &slow);
    print_message("--trace-sample 0: %d spans of the client-sampled trace, %d of the slow one\n",
                  forced, slow);
    assert_int_equal(forced, 0);
    assert_true(slow >= 1);
    run_sampled_by_client(true, &forced, &slow);
    print_message("--trace-sample 0 --trace-trust-parent: %d spans of the client-sampled trace, "
                  "%d of the slow one\n",
                  forced, slow);
    assert_int_equal(forced, 3);
    assert_true(slow >= 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s STAGE_BINARY\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traced_requests),
        cmocka_unit_test(test_metrics_pass_promtool),
        cmocka_unit_test(test_statsd_lines),
        cmocka_unit_test(test_trace_file),
    };
    const struct CMUnitTest trust[] = {
        cmocka_unit_test(test_clients_cannot_force_tracing),
    };
    int failed = cmocka_run_group_tests_name(binary, tests, setup, teardown);
    return failed + cmocka_run_group_tests_name("trace trust", trust, NULL, NULL);
}
