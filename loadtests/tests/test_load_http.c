/*
 * test_load_http.c - the response parser on whole, split (byte by byte) and
 * chunked answers, the bodies that end with the connection, interim 1xx
 * answers, Server-Timing, and input that is not HTTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "load_http.h"

static char body[256];

/* Feeds s in pieces of `step` bytes; returns the final result, *consumed the total used. */
static enum load_http_result feed(struct load_http_resp *r, const char *s, size_t len,
                                  size_t step, size_t *consumed)
{
    enum load_http_result res = LOAD_HTTP_MORE;
    size_t off = 0;
    while (off < len && res == LOAD_HTTP_MORE) {
        size_t n = len - off < step ? len - off : step, used = 0;
        res = load_http_feed(r, s + off, n, &used);
        off += used;
        if (res == LOAD_HTTP_MORE) {
            assert_int_equal(used, n);
        }
    }
    *consumed = off;
    return res;
}

static const char content_length[] =
    "HTTP/1.1 201 Created\r\n"
    "Content-Type: application/json\r\n"
    "content-length: 14\r\n"
    "Server-Timing: store;dur=0.250, app;dur=1.5\r\n"
    "\r\n"
    "{\"id\":\"abc12\"}";

static void test_content_length_every_split(void **state)
{
    (void)state;
    size_t len = strlen(content_length);
    for (size_t step = 1; step <= len; step++) {
        struct load_http_resp r;
        size_t used;
        load_http_resp_init(&r, body, sizeof(body));
        assert_int_equal(feed(&r, content_length, len, step, &used), LOAD_HTTP_DONE);
        assert_int_equal(used, len);
        assert_int_equal(r.status, 201);
        assert_true(r.keep_alive);
        assert_int_equal(r.body_len, 14);
        assert_memory_equal(r.body, "{\"id\":\"abc12\"}", 14);
        assert_int_equal(r.st_store_us, 250);
        assert_int_equal(r.st_app_us, 1500);
        assert_int_equal(r.st_cache_us, -1);
    }
}

static const char chunked[] =
    "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Connection: close\r\n"
    "\r\n"
    "5;ext=1\r\nhello\r\n"
    "1\r\n \r\n"
    "A\r\n0123456789\r\n"
    "0\r\n"
    "X-Trailer: yes\r\n"
    "\r\n";

static void test_chunked_every_split(void **state)
{
    (void)state;
    size_t len = strlen(chunked);
    for (size_t step = 1; step <= len; step++) {
        struct load_http_resp r;
        size_t used;
        load_http_resp_init(&r, body, sizeof(body));
        assert_int_equal(feed(&r, chunked, len, step, &used), LOAD_HTTP_DONE);
        assert_int_equal(used, len);
        assert_int_equal(r.status, 200);
        assert_false(r.keep_alive);
        assert_int_equal(r.body_len, 16);
        assert_memory_equal(r.body, "hello 0123456789", 16);
    }
}

static void test_two_answers_in_one_read(void **state)
{
    (void)state;
    char two[512];
    size_t a = strlen(content_length);
    memcpy(two, content_length, a);
    memcpy(two + a, chunked, sizeof(chunked));
    size_t len = strlen(two), used;
    struct load_http_resp r;
    load_http_resp_init(&r, body, sizeof(body));
    assert_int_equal(load_http_feed(&r, two, len, &used), LOAD_HTTP_DONE);
    assert_int_equal(used, a); /* stops where the first answer ends */
    load_http_resp_reset(&r, false);
    assert_int_equal(load_http_feed(&r, two + used, len - used, &used), LOAD_HTTP_DONE);
    assert_int_equal(r.body_len, 16);
}

static void test_body_until_close(void **state)
{
    (void)state;
    static const char s[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it";
    struct load_http_resp r;
    size_t used;
    load_http_resp_init(&r, body, sizeof(body));
    assert_int_equal(feed(&r, s, strlen(s), 3, &used), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(&r), LOAD_HTTP_DONE);
    assert_false(r.keep_alive);
    assert_int_equal(r.body_len, 9);
    assert_memory_equal(r.body, "all of it", 9);
}

static void test_eof_inside_a_length_body_is_an_error(void **state)
{
    (void)state;
    static const char s[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    struct load_http_resp r;
    size_t used;
    load_http_resp_init(&r, body, sizeof(body));
    assert_int_equal(feed(&r, s, strlen(s), 1, &used), LOAD_HTTP_MORE);
    assert_int_equal(load_http_eof(&r), LOAD_HTTP_ERROR);
}

static void test_no_body_answers(void **state)
{
    (void)state;
    static const char s204[] = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                               "Content-Length: 2\r\n\r\nok";
    struct load_http_resp r;
    size_t used;
    load_http_resp_init(&r, body, sizeof(body));
    assert_int_equal(feed(&r, s204, strlen(s204), 1, &used), LOAD_HTTP_DONE);
    assert_int_equal(r.body_len, 0);
    load_http_resp_reset(&r, true);
    assert_int_equal(feed(&r, head, strlen(head), 7, &used), LOAD_HTTP_DONE);
    assert_int_equal(r.body_total, 0);
    load_http_resp_reset(&r, false);
    assert_int_equal(feed(&r, cont, strlen(cont), 1, &used), LOAD_HTTP_DONE);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "ok", 2);
}

static void test_body_beyond_the_buffer_is_counted_not_kept(void **state)
{
    (void)state;
    char small[4];
    static const char s[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    struct load_http_resp r;
    size_t used;
    load_http_resp_init(&r, small, sizeof(small));
    assert_int_equal(feed(&r, s, strlen(s), 2, &used), LOAD_HTTP_DONE);
    assert_int_equal(r.body_len, 4);
    assert_int_equal(r.body_total, 10);
    assert_memory_equal(small, "0123", 4);
}

static void test_not_http(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct load_http_resp r;
        size_t used;
        load_http_resp_init(&r, body, sizeof(body));
        assert_int_equal(feed(&r, bad[i], strlen(bad[i]), 1, &used), LOAD_HTTP_ERROR);
    }
}

static void test_overlong_header_line(void **state)
{
    (void)state;
    static char s[LOAD_HTTP_LINE_MAX + 64];
    struct load_http_resp r;
    size_t used;
    memcpy(s, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(s + 20, 'a', sizeof(s) - 21);
    load_http_resp_init(&r, body, sizeof(body));
    assert_int_equal(feed(&r, s, sizeof(s) - 1, 100, &used), LOAD_HTTP_ERROR);
}

static void test_server_timing_forms(void **state)
{
    (void)state;
    struct load_http_resp r;
    load_http_resp_init(&r, NULL, 0);
    static const char v[] = "cache;desc=\"redis\";dur=0.012, db;dur=9, APP ; dur=12";
    load_http_server_timing(&r, v, strlen(v));
    assert_int_equal(r.st_cache_us, 12);
    assert_int_equal(r.st_app_us, 12000);
    assert_int_equal(r.st_store_us, -1);
    /* Any name is kept (lower-cased), with its first dur; a name given twice and
       a metric without dur add nothing. */
    static const char w[] = "queue;dur=3;dur=99, app;dur=1, app;dur=7, miss, Pool-Wait;dur=0.5,"
                            "a-very-long-metric-name-indeed;dur=2";
    load_http_resp_reset(&r, false);
    load_http_server_timing(&r, w, strlen(w));
    assert_int_equal(r.nst, 4);
    assert_string_equal(r.st[0].name, "queue");
    assert_int_equal(r.st[0].us, 3000);
    assert_string_equal(r.st[1].name, "app");
    assert_int_equal(r.st[1].us, 1000);
    assert_int_equal(r.st_app_us, 1000);
    assert_string_equal(r.st[2].name, "pool-wait");
    assert_int_equal(r.st[2].us, 500);
    assert_int_equal(strlen(r.st[3].name), LOAD_ST_NAME - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length_every_split),
        cmocka_unit_test(test_chunked_every_split),
        cmocka_unit_test(test_two_answers_in_one_read),
        cmocka_unit_test(test_body_until_close),
        cmocka_unit_test(test_eof_inside_a_length_body_is_an_error),
        cmocka_unit_test(test_no_body_answers),
        cmocka_unit_test(test_body_beyond_the_buffer_is_counted_not_kept),
        cmocka_unit_test(test_not_http),
        cmocka_unit_test(test_overlong_header_line),
        cmocka_unit_test(test_server_timing_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
