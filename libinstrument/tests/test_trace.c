/*
 * test_trace.c - traceparent parsing, spans, sampling, the slow-request
 * line, and the Zipkin v2 JSON that reaches the trace file and a Zipkin
 * collector (a small HTTP listener on 127.0.0.1 started by the test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "instrument/instrument.h"
#include "instrument/request.h"
#include "instrument/trace.h"

static const char valid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

static void test_traceparent_valid(void **state)
{
    (void)state;
    struct inst_trace_context c;
    assert_true(inst_traceparent_parse(valid, &c));
    assert_int_equal(c.trace_id[0], 0x4b);
    assert_int_equal(c.trace_id[15], 0x36);
    assert_int_equal(c.parent_id[0], 0x00);
    assert_int_equal(c.parent_id[7], 0xb7);
    assert_int_equal(c.flags, 1);
    char out[56];
    inst_traceparent_format(c.trace_id, c.parent_id, c.flags, out);
    assert_string_equal(out, valid);
    /* flags 00: not sampled by the caller, still valid */
    assert_true(inst_traceparent_parse(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", &c));
    assert_int_equal(c.flags, 0);
    /* a future version may append fields after a dash */
    assert_true(inst_traceparent_parse(
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", &c));
    assert_true(inst_traceparent_parse(
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", &c));
    assert_int_equal(c.flags, 9);
}

static void test_traceparent_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "00",
        /* version ff is forbidden */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        /* upper-case hex */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        /* non-hex digits in each field */
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
        /* all-zero ids */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        /* wrong lengths */
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
        /* version 00 allows nothing after the flags */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        /* a higher version needs a dash before anything extra */
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        /* wrong separators */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
        /* surrounding whitespace is not trimmed */
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    };
    struct inst_trace_context c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (inst_traceparent_parse(bad[i], &c))
            fail_msg("accepted malformed traceparent \"%s\"", bad[i]);
    assert_false(inst_traceparent_parse(NULL, &c));
}

static void test_off_is_noop(void **state)
{
    (void)state;
    /* not started: no spans, no trace, phases still measured */
    assert_null(inst_span_start("x"));
    inst_span_attr(NULL, "k", "v");
    inst_span_end(NULL, true);
    char tp[56];
    assert_false(inst_trace_current_traceparent(tp));
    assert_string_equal(tp, "");
    inst_request_begin("GET", valid);
    usleep(5000); /* phases are clamped to the request's own duration */
    inst_phase_add(INST_PHASE_STORE, 3000000);
    inst_phase_add(INST_PHASE_CACHE, 1000000);
    struct inst_request_result r;
    inst_request_end(200, &r);
    assert_int_equal(r.store_ns, 2000000);
    assert_int_equal(r.cache_ns, 1000000);
    assert_true(r.total_ns >= r.app_ns);
    assert_string_equal(r.trace_id, "");
    /* without a current request phases go nowhere and end zeroes the result */
    inst_phase_add(INST_PHASE_STORE, 5);
    inst_request_end(200, &r);
    assert_int_equal(r.total_ns, 0);
}

/* Reads every line of path as a JSON object into an array. */
static json_t *read_spans(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    json_t *all = json_array();
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (j == NULL)
            fail_msg("trace file line is not JSON (%s): %s", e.text, line);
        json_array_append_new(all, j);
    }
    fclose(f);
    return all;
}

static json_t *find_span(json_t *spans, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(spans, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
            return s;
    }
    return NULL;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void test_spans_to_trace_file(void **state)
{
    (void)state;
    char path[] = "/tmp/inst-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    /* trace_trust_parent: case 1 is exported on the caller's flag alone */
    struct inst_options o = {.service = "svc", .trace_file = path, .trace_sample = 0.0,
                             .trace_trust_parent = true, .slow_ms = 20, .slow_fd = pipefd[1],
                             .export_interval_ms = 10};
    char err[256];
    assert_int_equal(inst_start(&o, err, sizeof err), 0);

    /* 1: a continued trace, sampled by the caller's flag, with nested children */
    inst_request_begin("GET", valid);
    inst_request_rename("GET /things/{id}");
    struct inst_span *a = inst_span_start("store.thing_get");
    assert_non_null(a);
    inst_span_attr(a, "db.statement", "SELECT \"x\"\n");
    char tp[56], sql[80];
    assert_true(inst_trace_current_traceparent(tp));
    assert_int_equal(strlen(tp), INST_TRACEPARENT_LEN);
    assert_memory_equal(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36);
    assert_true(inst_trace_sql_comment(sql, sizeof sql));
    assert_int_equal(strlen(sql), INST_SQL_COMMENT_LEN);
    assert_memory_equal(sql, "/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-", 51);
    assert_false(inst_trace_sql_comment(sql, INST_SQL_COMMENT_LEN));
    struct inst_span *b = inst_span_start("cache.get");
    inst_span_end(b, true);
    inst_span_end(a, false);
    struct inst_request_result r;
    inst_request_end(200, &r);
    assert_string_equal(r.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_true(r.sampled);

    /* 2: new trace, ratio 0, not sampled by flag: dropped */
    inst_request_begin("GET", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    inst_request_rename("GET /unsampled");
    inst_request_end(200, &r);
    assert_false(r.sampled);

    /* 3: malformed header -> a new trace; error status -> always kept */
    inst_request_begin("POST", "garbage");
    inst_request_rename("POST /fails");
    inst_request_end(503, &r);
    assert_true(r.sampled);
    assert_int_equal(strlen(r.trace_id), 32);
    assert_string_not_equal(r.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");

    /* 4: slow -> kept, and one slow-request line */
    inst_request_begin("GET", NULL);
    inst_request_rename("GET /slow");
    struct inst_span *c = inst_span_start("store.slow_op");
    usleep(25000);
    inst_span_end(c, false);
    inst_request_end(200, &r);
    assert_true(r.sampled);
    char slow_tid[33];
    memcpy(slow_tid, r.trace_id, sizeof slow_tid);

    inst_stop(); /* the last drain writes everything */
    close(pipefd[1]);
    char line[4096];
    ssize_t n = read(pipefd[0], line, sizeof line - 1);
    close(pipefd[0]);
    assert_true(n > 0);
    line[n] = '\0';
    json_error_t e;
    json_t *slow = json_loads(line, 0, &e);
    assert_non_null(slow);
    assert_string_equal(jstr(slow, "route"), "GET /slow");
    assert_string_equal(jstr(slow, "trace_id"), slow_tid);
    assert_int_equal(json_integer_value(json_object_get(slow, "status")), 200);
    assert_true(json_number_value(json_object_get(slow, "duration_ms")) >= 20.0);
    json_t *breakdown = json_object_get(slow, "spans");
    assert_int_equal(json_array_size(breakdown), 1);
    assert_string_equal(jstr(json_array_get(breakdown, 0), "name"), "store.slow_op");
    json_decref(slow);

    json_t *spans = read_spans(path);
    unlink(path);
    assert_int_equal(json_array_size(spans), 3 + 1 + 2);
    assert_null(find_span(spans, "GET /unsampled"));
    json_t *root = find_span(spans, "GET /things/{id}");
    json_t *child = find_span(spans, "store.thing_get");
    json_t *grand = find_span(spans, "cache.get");
    assert_non_null(root);
    assert_non_null(child);
    assert_non_null(grand);
    assert_string_equal(jstr(root, "traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(jstr(root, "parentId"), "00f067aa0ba902b7");
    assert_string_equal(jstr(root, "kind"), "SERVER");
    assert_string_equal(jstr(json_object_get(root, "localEndpoint"), "serviceName"), "svc");
    assert_string_equal(jstr(json_object_get(root, "tags"), "http.status_code"), "200");
    assert_int_equal(strlen(jstr(root, "id")), 16);
    assert_string_equal(jstr(child, "traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(jstr(child, "parentId"), jstr(root, "id"));
    assert_null(json_object_get(child, "kind"));
    assert_string_equal(jstr(json_object_get(child, "tags"), "db.statement"), "SELECT \"x\"\n");
    assert_string_equal(jstr(grand, "parentId"), jstr(child, "id"));
    assert_string_equal(jstr(json_object_get(grand, "tags"), "error"), "true");
    /* the traceparent handed out inside the store span names that span as the parent */
    assert_memory_equal(tp + 36, jstr(child, "id"), 16);
    json_int_t ts_root = json_integer_value(json_object_get(root, "timestamp"));
    json_int_t ts_child = json_integer_value(json_object_get(child, "timestamp"));
    assert_true(ts_root > 1600000000000000LL); /* microseconds since the epoch */
    assert_true(ts_child >= ts_root);
    assert_true(json_integer_value(json_object_get(root, "duration")) >=
                json_integer_value(json_object_get(child, "duration")));
    json_t *fails = find_span(spans, "POST /fails");
    assert_non_null(fails);
    assert_null(json_object_get(fails, "parentId"));
    assert_string_equal(jstr(json_object_get(fails, "tags"), "error"), "true");
    json_decref(spans);
}

/* Without trace_trust_parent (the default) a caller's sampled flag forces
 * nothing: the trace id is continued, but only the ratio, errors and slow
 * requests decide what is exported. */
static void test_caller_cannot_force_export(void **state)
{
    (void)state;
    char path[] = "/tmp/inst-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int devnull = open("/dev/null", O_WRONLY);
    struct inst_options o = {.service = "svc", .trace_file = path, .trace_sample = 0.0,
                             .slow_ms = 20, .slow_fd = devnull, .export_interval_ms = 10};
    char err[256];
    assert_int_equal(inst_start(&o, err, sizeof err), 0);
    struct inst_request_result r;

    inst_request_begin("GET", valid); /* flags 01: the caller sampled it */
    inst_request_rename("GET /forced");
    char tp[56];
    assert_true(inst_trace_current_traceparent(tp));
    assert_memory_equal(tp + 53, "00", 2); /* and we pass on that we did not */
    inst_request_end(200, &r);
    assert_string_equal(r.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_false(r.sampled);

    inst_request_begin("POST", valid); /* an error is kept all the same */
    inst_request_rename("POST /fails");
    inst_request_end(500, &r);
    assert_true(r.sampled);

    inst_request_begin("GET", valid); /* and so is a slow request */
    inst_request_rename("GET /slow");
    usleep(25000);
    inst_request_end(200, &r);
    assert_true(r.sampled);

    inst_stop();
    close(devnull);
    json_t *spans = read_spans(path);
    unlink(path);
    assert_null(find_span(spans, "GET /forced"));
    assert_non_null(find_span(spans, "POST /fails"));
    assert_non_null(find_span(spans, "GET /slow"));
    json_decref(spans);
}

/* A one-request HTTP listener standing in for a Zipkin collector. */
struct collector {
    int fd;
    int port;
    char body[65536];
    size_t body_len;
    char head[4096];
};

static void *collect(void *arg)
{
    struct collector *c = arg;
    int conn = accept(c->fd, NULL, NULL);
    if (conn < 0)
        return NULL;
    size_t len = 0;
    char buf[70000];
    char *end = NULL;
    while (len < sizeof buf - 1) {
        ssize_t n = read(conn, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        const char *cl = strcasestr(buf, "Content-Length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (len - (size_t)(end + 4 - buf) >= want) {
            size_t hl = (size_t)(end - buf);
            memcpy(c->head, buf, hl < sizeof c->head - 1 ? hl : sizeof c->head - 1);
            c->body_len = want < sizeof c->body - 1 ? want : sizeof c->body - 1;
            memcpy(c->body, end + 4, c->body_len);
            break;
        }
    }
    static const char ok[] =
        "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ssize_t w = write(conn, ok, sizeof ok - 1);
    (void)w;
    close(conn);
    return NULL;
}

static void test_zipkin_post(void **state)
{
    (void)state;
    static struct collector c;
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(c.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(c.fd, 4), 0);
    assert_int_equal(getsockname(c.fd, (struct sockaddr *)&a, &alen), 0);
    c.port = ntohs(a.sin_port);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, collect, &c), 0);

    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v2/spans", c.port);
    struct inst_options o = {.service = "svc", .zipkin_url = url, .trace_sample = 1.0,
                             .export_interval_ms = 10};
    char err[256];
    assert_int_equal(inst_start(&o, err, sizeof err), 0);
    inst_request_begin("GET", valid);
    inst_request_rename("GET /posted");
    struct inst_span *s = inst_span_start("store.one");
    inst_span_end(s, false);
    struct inst_request_result r;
    inst_request_end(201, &r);
    assert_true(r.sampled);
    inst_stop();
    pthread_join(th, NULL);
    close(c.fd);

    assert_non_null(strstr(c.head, "POST /api/v2/spans HTTP/1.1"));
    assert_non_null(strcasestr(c.head, "Content-Type: application/json"));
    c.body[c.body_len] = '\0';
    json_error_t e;
    json_t *batch = json_loads(c.body, 0, &e);
    if (batch == NULL)
        fail_msg("POST body is not JSON: %s", c.body);
    assert_true(json_is_array(batch));
    assert_int_equal(json_array_size(batch), 2);
    json_t *root = find_span(batch, "GET /posted");
    assert_non_null(root);
    assert_string_equal(jstr(root, "traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(jstr(find_span(batch, "store.one"), "parentId"), jstr(root, "id"));
    json_decref(batch);
}

static void test_no_exporter_still_propagates(void **state)
{
    (void)state;
    /* no trace file, no Zipkin: spans still exist for traceparent and X-Trace-Id
     * (trusting the caller's flag, which then travels on) */
    struct inst_options o = {.service = "svc", .trace_sample = 0.0, .trace_trust_parent = true};
    char err[256];
    assert_int_equal(inst_start(&o, err, sizeof err), 0);
    inst_request_begin("GET", valid);
    struct inst_span *s = inst_span_start("redis.get");
    assert_non_null(s);
    char tp[56];
    assert_true(inst_trace_current_traceparent(tp));
    assert_memory_equal(tp, valid, 36);     /* same version and trace id */
    assert_string_equal(tp + 52, "-01");    /* the caller's sampled flag travels on */
    assert_memory_not_equal(tp + 36, "00f067aa0ba902b7", 16); /* our span is the parent */
    inst_span_end(s, false);
    struct inst_request_result r;
    inst_request_end(200, &r);
    assert_string_equal(r.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_false(r.sampled); /* kept, but nowhere to send it */
    inst_stop();
}

static void test_bad_options(void **state)
{
    (void)state;
    char err[256];
    struct inst_options o = {.trace_file = "/nonexistent-dir/x/trace.json"};
    assert_int_equal(inst_start(&o, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x/trace.json"));
    struct inst_options o2 = {.statsd = "localhost:notaport"};
    assert_int_equal(inst_start(&o2, err, sizeof err), -1);
    assert_non_null(strstr(err, "statsd"));
    assert_false(inst_enabled());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traceparent_valid),
        cmocka_unit_test(test_traceparent_malformed),
        cmocka_unit_test(test_off_is_noop),
        cmocka_unit_test(test_spans_to_trace_file),
        cmocka_unit_test(test_caller_cannot_force_export),
        cmocka_unit_test(test_zipkin_post),
        cmocka_unit_test(test_no_exporter_still_propagates),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
