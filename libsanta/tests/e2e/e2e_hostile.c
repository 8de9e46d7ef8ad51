/*
 * e2e_hostile.c - issue 10's hostile inputs against a real stage binary
 * (argv[1]; argv[2] is JSONTestSuite's test_parsing directory). Every stage
 * runs this same file.
 *
 * Each test sends the exact bytes of the report, through raw sockets where
 * framing matters (libcurl would normalise it), and checks both the answer
 * and that the server is still up afterwards: deep nesting, request
 * smuggling, short and slow bodies, JSONTestSuite, and the rate limit.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"
#include "testproc.h"

static struct e2e_server server;
static const char *binary, *suite_dir;

static void expect_alive(void)
{
    struct e2e_resp r;
    if (e2e_request(&server, "GET", "/healthz", NULL, NULL, 0, NULL, &r) != 0 || r.status != 200)
        fail_msg("the server no longer answers /healthz (see %s)", server.log_path);
    e2e_resp_free(&r);
}

/* The code member of the first answer in raw bytes, or "". */
static const char *raw_code(const char *raw, char *code, size_t cap)
{
    const char *c = strstr(raw, "\"code\":\"");
    code[0] = '\0';
    if (c) {
        c += 8;
        size_t n = strcspn(c, "\"");
        snprintf(code, cap, "%.*s", (int)(n < cap ? n : cap - 1), c);
    }
    return code;
}

/* Sends bytes; expects exactly one answer with this status and code, and
 * (when must_close) that the server closes the connection after it. */
static void expect_raw(const char *what, const char *bytes, size_t len, bool half_close,
                       int status, const char *code, bool must_close)
{
    char out[8192], got_code[64];
    bool closed = false;
    int st = e2e_raw_ex(&server, bytes, len, half_close, 3000, out, sizeof out, &closed);
    raw_code(out, got_code, sizeof got_code);
    print_message("%s: %d %s, %d answer(s), connection %s\n", what, st, got_code,
                  e2e_count_answers(out), closed ? "closed" : "open");
    if (st != status || strcmp(got_code, code) != 0)
        fail_msg("%s: expected %d %s, got %d %s:\n%.600s", what, status, code, st, got_code, out);
    assert_non_null(strstr(out, "application/problem+json"));
    if (e2e_count_answers(out) != 1)
        fail_msg("%s: a request hidden behind the refused one was served:\n%.2000s", what, out);
    if (must_close && !closed)
        fail_msg("%s: the connection stayed open after the answer", what);
    expect_alive();
}

static void post_raw(char *buf, size_t cap, size_t *len, const char *path, const char *headers,
                     const char *body, size_t body_len)
{
    int n = snprintf(buf, cap,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "%sContent-Length: %zu\r\n\r\n",
                     path, headers, body_len);
    assert_true(n > 0 && (size_t)n + body_len <= cap);
    memcpy(buf + n, body, body_len);
    *len = (size_t)n + body_len;
}

/* ---- item 2: deep nesting ---- */

static void test_deep_nesting_is_refused_on_every_body_route(void **state)
{
    (void)state;
    /* {"name": + 850 x [ + 850 x ] + }: 1.7 KB, no token. It was SIGSEGV. */
    char body[1800];
    size_t n = 0;
    memcpy(body, "{\"name\":", 8);
    n = 8;
    memset(body + n, '[', 850);
    n += 850;
    memset(body + n, ']', 850);
    n += 850;
    body[n++] = '}';
    char req[4096];
    size_t len;
    /* Connection: close only so the test need not wait for a kept connection. */
    post_raw(req, sizeof req, &len, "/api/exchanges", "Connection: close\r\n", body, n);
    expect_raw("850 nested arrays", req, len, false, 400, "validation_failed", false);

    /* The same on routes that read a body after auth or an id. */
    struct e2e_resp r;
    assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL, "{\"name\":\"deep\"}",
                                 15, NULL, &r),
                     0);
    assert_int_equal(r.status, 201);
    char path[160], admin[64];
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", e2e_str(r.json, "id"));
    snprintf(admin, sizeof admin, "%s", e2e_str(r.json, "admin_token"));
    e2e_resp_free(&r);
    post_raw(req, sizeof req, &len, path, "Connection: close\r\n", body, n);
    expect_raw("850 nested arrays, join", req, len, false, 400, "validation_failed", false);
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\nConnection: close\r\n", admin);
    snprintf(path + strlen(path) - strlen("participants"), 16, "exclusions");
    post_raw(req, sizeof req, &len, path, auth, body, n);
    expect_raw("850 nested arrays, exclusions", req, len, false, 400, "validation_failed", false);
}

/* ---- item 4: smuggling, duplicate lengths, short bodies ---- */

static void test_content_length_and_transfer_encoding_closes(void **state)
{
    (void)state;
    static const char smuggled[] = "0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Length: %zu\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                     sizeof smuggled - 1, smuggled);
    expect_raw("Content-Length with Transfer-Encoding", req, (size_t)n, false, 400,
               "validation_failed", true);
}

static void test_body_too_large_closes(void **state)
{
    (void)state;
    static const char head[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Length: 70000\r\n\r\n";
    static const char next[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    size_t len = sizeof head - 1 + 70000 + sizeof next - 1;
    char *req = malloc(len);
    assert_non_null(req);
    memcpy(req, head, sizeof head - 1);
    memset(req + sizeof head - 1, ' ', 70000);
    memcpy(req + sizeof head - 1 + 70000, next, sizeof next - 1);
    expect_raw("413 then a request after the body", req, len, false, 413, "body_too_large",
               true);
    free(req);
}

static void test_two_content_lengths_are_refused(void **state)
{
    (void)state;
    static const char twice[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: application/json\r\n"
                                "Content-Length: 12\r\nContent-Length: 13\r\n\r\n"
                                "{\"name\":\"x\"} ";
    expect_raw("two Content-Length headers", twice, sizeof twice - 1, false, 400,
               "validation_failed", true);
    static const char listed[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 12, 13\r\n\r\n"
                                 "{\"name\":\"x\"} ";
    expect_raw("Content-Length: 12, 13", listed, sizeof listed - 1, false, 400,
               "validation_failed", true);
}

static void test_short_body_is_never_complete(void **state)
{
    (void)state;
    /* 12 bytes of a valid exchange, 50 declared, then the client stops
     * sending. It was 201 Created. */
    static const char cut[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 50\r\n\r\n"
                              "{\"name\":\"x\"}";
    expect_raw("body cut short", cut, sizeof cut - 1, true, 400, "validation_failed", true);
}

static void test_chunked_body_needs_a_length(void **state)
{
    (void)state;
    static const char chunked[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "c\r\n{\"name\":\"x\"}\r\n0\r\n\r\n";
    expect_raw("chunked body", chunked, sizeof chunked - 1, false, 411, "length_required", true);
}

/* ---- item 5: JSON edge cases, through the real request path ---- */

static void test_json_edge_cases(void **state)
{
    (void)state;
    static const struct {
        const char *what, *body;
        size_t len;
    } cases[] = {
        {"[\"\\\xf0\x9f\x8c\x80\"] (was 503)", "[\"\\\xf0\x9f\x8c\x80\"]", 9},
        {"123 NUL (was validation_failed)", "123\0", 4},
        {"{9999E9999:1} (was validation_failed)", "{9999E9999:1}", 13},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[512];
        size_t len;
        post_raw(req, sizeof req, &len, "/api/exchanges", "Connection: close\r\n",
                 cases[i].body, cases[i].len);
        expect_raw(cases[i].what, req, len, false, 400, "invalid_json", false);
    }
}

/* A detail that quotes the client's bytes must still render: GET /%FF was
 * "503 out of memory" (jansson refused the invalid UTF-8 in the detail). */
static void test_invalid_utf8_in_a_path_is_404(void **state)
{
    (void)state;
    static const char get[] = "GET /%FF%FE HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\n\r\n";
    expect_raw("GET /%FF%FE", get, sizeof get - 1, false, 404, "not_found", false);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

/* All 318 files as the body of POST /api/exchanges: n_ files are 400
 * invalid_json, y_ files are some other 4xx (valid JSON, but no valid
 * exchange), i_ files a 400 either way; the two files over 64 KiB are 413
 * body_too_large before a byte is read. Never a 5xx, never a dead server. */
static void test_json_test_suite_over_http(void **state)
{
    (void)state;
    DIR *d = suite_dir ? opendir(suite_dir) : NULL;
    if (d == NULL)
        fail_msg("JSONTestSuite not found at %s", suite_dir ? suite_dir : "(no argv[2])");
    int files = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char kind = e->d_name[0];
        if (e->d_name[1] != '_' || (kind != 'y' && kind != 'n' && kind != 'i'))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", suite_dir, e->d_name);
        size_t len = 0;
        char *body = slurp(path, &len);
        assert_non_null(body);
        struct e2e_resp r;
        int rc = e2e_request(&server, "POST", "/api/exchanges", NULL, body, len, NULL, &r);
        free(body);
        files++;
        const char *code = e2e_str(r.json, "code");
        bool ok = rc == 0 && r.status >= 400 && r.status < 500 && r.status != 429;
        if (len > 65536) /* refused unread; the server discards the rest before it
                            closes (linger_discard), so the whole 413 arrives */
            ok = rc == 0 && r.status == 413 && strcmp(code, "body_too_large") == 0;
        else if (kind == 'n')
            ok = ok && r.status == 400 && strcmp(code, "invalid_json") == 0;
        else if (kind == 'y')
            ok = ok && strcmp(code, "invalid_json") != 0;
        else
            ok = ok && r.status == 400;
        if (!ok) {
            print_message("%s: %ld %s\n", e->d_name, r.status, r.body ? r.body : "(no answer)");
            bad++;
        }
        e2e_resp_free(&r);
        if (rc != 0)
            expect_alive();
    }
    closedir(d);
    print_message("JSONTestSuite over HTTP: %d files, %d with the wrong answer\n", files, bad);
    assert_int_equal(files, 318);
    assert_int_equal(bad, 0);
    expect_alive();
}

static int setup(void **state)
{
    (void)state;
    return e2e_start(&server, binary);
}

static int teardown(void **state)
{
    (void)state;
    e2e_cleanup(&server);
    return 0;
}

/* ---- item 3: slow bodies (own server: 4 workers, a 1 s body deadline) ---- */

static const char *const slow_opts[] = {"--threads", "4", "--body-timeout-ms", "1000", NULL};
enum { SLOW_CLIENTS = 4 };

struct slow_client {
    int fd;
    atomic_int sent;   /* body bytes sent so far */
    char answer[1024]; /* what came back */
    bool closed;       /* the server closed the connection */
    bool silent;       /* sends nothing after the first body byte */
};

/* Declares 60000 bytes and sends one every 200 ms (or, silent, none), for at
 * most 50 s (longer than the /healthz request's 30 s) or until the server
 * answers or closes. */
static void *slow_worker(void *arg)
{
    struct slow_client *c = arg;
    static const char head[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 60000\r\n\r\n{";
    if (send(c->fd, head, sizeof head - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof head - 1))
        return NULL;
    atomic_store(&c->sent, 1);
    struct timeval tv = {0, 200 * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t got = 0;
    for (int i = 0; i < 250; i++) {
        ssize_t n = recv(c->fd, c->answer + got, sizeof c->answer - 1 - got, 0);
        if (n > 0) {
            got += (size_t)n;
            c->answer[got] = '\0';
            if (got + 1 >= sizeof c->answer)
                break;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            c->closed = true;
            break;
        }
        if (got == 0 && !c->silent && send(c->fd, " ", 1, MSG_NOSIGNAL) == 1)
            atomic_fetch_add(&c->sent, 1);
    }
    return NULL;
}

static void test_slow_bodies_do_not_starve_workers(void **state)
{
    (void)state;
    struct slow_client c[SLOW_CLIENTS];
    pthread_t t[SLOW_CLIENTS];
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].silent = i == 0; /* one goes quiet: cut at the deadline too, not after 10 s */
        c[i].fd = testproc_connect(server.port, 0);
        assert_true(c[i].fd >= 0);
        atomic_init(&c[i].sent, 0);
        pthread_create(&t[i], NULL, slow_worker, &c[i]);
    }
    /* Every slow client is mid-body (each holds one of the 4 workers). */
    for (int waited = 0; waited < 300; waited++) {
        int ready = 0;
        for (int i = 0; i < SLOW_CLIENTS; i++)
            ready += atomic_load(&c[i].sent) >= (c[i].silent ? 1 : 3);
        if (ready == SLOW_CLIENTS)
            break;
        testproc_sleep_ms(50);
    }
    /* They keep trickling for up to 50 s; /healthz must answer well before:
     * the body deadline (1 s) frees their workers. */
    struct e2e_resp r;
    int rc = e2e_request(&server, "GET", "/healthz", NULL, NULL, 0, NULL, &r);
    long st = r.status;
    e2e_resp_free(&r);
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        pthread_join(t[i], NULL);
        close(c[i].fd);
    }
    if (rc != 0 || st != 200)
        fail_msg("/healthz did not answer while %d clients trickled their bodies",
                 SLOW_CLIENTS);
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        char code[64];
        print_message("slow client %d: sent %d body bytes, got %.12s %s, %s\n", i,
                      atomic_load(&c[i].sent), c[i].answer, raw_code(c[i].answer, code, 64),
                      c[i].closed ? "closed" : "open");
        if (strncmp(c[i].answer, "HTTP/1.1 408", 12) != 0 || !c[i].closed)
            fail_msg("slow client %d: expected 408 and a closed connection, got: %.300s", i,
                     c[i].answer);
        assert_string_equal(code, "request_timeout");
    }
    expect_alive();
}

static int setup_slow(void **state)
{
    (void)state;
    return e2e_start_with(&server, binary, slow_opts);
}

/* ---- item 9: the rate limit (own server: 5 a minute, loopback limited) ---- */

static const char *const limit_opts[] = {"--rate-limit", "5", "--rate-limit-loopback", NULL};

static void test_rate_limit_answers_429_with_retry_after(void **state)
{
    (void)state;
    struct e2e_resp r;
    char id[64] = "";
    for (int i = 0; i < 5; i++) {
        assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL,
                                     "{\"name\":\"burst\"}", 16, NULL, &r),
                         0);
        if (r.status != 201)
            fail_msg("write %d of a burst of 5: %ld %s", i + 1, r.status, r.body);
        snprintf(id, sizeof id, "%s", e2e_str(r.json, "id"));
        e2e_resp_free(&r);
    }
    assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL, "{\"name\":\"more\"}",
                                 15, NULL, &r),
                     0);
    print_message("6th write in a burst of 5: %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 429);
    assert_string_equal(e2e_str(r.json, "code"), "rate_limited");
    assert_true(e2e_has_header(&r, "Content-Type", "application/problem+json"));
    /* 5 a minute: the next token is 12 s away. */
    bool retry = false;
    for (int s = 1; s <= 12; s++) {
        char v[8];
        snprintf(v, sizeof v, "%d\r", s);
        retry = retry || e2e_has_header(&r, "Retry-After", v);
    }
    if (!retry)
        fail_msg("no Retry-After of 1-12 s in:\n%s", r.headers);
    e2e_resp_free(&r);
    /* Reads are not limited. */
    char path[128];
    snprintf(path, sizeof path, "/api/exchanges/%s", id);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(e2e_request(&server, "GET", path, NULL, NULL, 0, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        e2e_resp_free(&r);
    }
}

static int setup_limit(void **state)
{
    (void)state;
    return e2e_start_with(&server, binary, limit_opts);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s STAGE_BINARY JSONTESTSUITE_DIR\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    suite_dir = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* A server of its own for each test: one hole (the nesting crash was
     * SIGSEGV) must not hide what the others do. */
#define T(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_deep_nesting_is_refused_on_every_body_route, setup),
        T(test_content_length_and_transfer_encoding_closes, setup),
        T(test_body_too_large_closes, setup),
        T(test_two_content_lengths_are_refused, setup),
        T(test_short_body_is_never_complete, setup),
        T(test_chunked_body_needs_a_length, setup),
        T(test_json_edge_cases, setup),
        T(test_json_test_suite_over_http, setup),
        T(test_invalid_utf8_in_a_path_is_404, setup),
        T(test_slow_bodies_do_not_starve_workers, setup_slow),
        T(test_rate_limit_answers_429_with_retry_after, setup_limit),
    };
#undef T
    const char *slash = strrchr(binary, '/');
    int failed = cmocka_run_group_tests_name(slash ? slash + 1 : binary, tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
