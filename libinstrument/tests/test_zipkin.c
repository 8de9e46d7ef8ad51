/*
 * test_zipkin.c - the Zipkin v2 encoder byte for byte (white box: it calls
 * inst_zipkin_span() from src/internal.h on hand-made spans).
 *
 * The expected lines are what the first encoder (snprintf-based) wrote for
 * the same spans; the hand-written one that replaced it for speed must write
 * exactly the same bytes, including the escapes, the optional members, the
 * 1 us floor on durations, the extremes of the integers, and "0 when it does
 * not fit" at every buffer size.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static void set_attrs(struct inst_span *s, const char *const *kv, size_t n)
{
    s->attrs_len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(kv[i]) + 1;
        memcpy(s->attrs + s->attrs_len, kv[i], k);
        s->attrs_len = (uint16_t)(s->attrs_len + k);
    }
}

static struct inst_span base_span(void)
{
    struct inst_span s;
    memset(&s, 0, sizeof s);
    static const uint8_t tid[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                    0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
    static const uint8_t id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    static const uint8_t parent[8] = {0xff, 0x01, 0x10, 0x9a, 0xa9, 0x00, 0x00, 0x01};
    memcpy(s.trace_id, tid, 16);
    memcpy(s.id, id, 8);
    memcpy(s.parent, parent, 8);
    snprintf(s.name, sizeof s.name, "%s", "GET /api/exchanges/{id}");
    s.start_us = 1764771234567890;
    s.dur_ns = 1234567;
    return s;
}

/* Encodes s and compares with want, then checks that every smaller buffer
 * gives 0 and that the output is NUL-terminated when it fits. */
static void expect(const struct inst_span *s, const char *service, const char *want)
{
    char buf[4096];
    size_t n = inst_zipkin_span(s, service, buf, sizeof buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
    for (size_t cap = 0; cap <= n; cap++) {
        memset(buf, 'x', sizeof buf);
        assert_int_equal(inst_zipkin_span(s, service, buf, cap), 0);
    }
    memset(buf, 'x', sizeof buf);
    assert_int_equal(inst_zipkin_span(s, service, buf, n + 1), n);
    assert_memory_equal(buf, want, n + 1);
}

static void test_root_span(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.server = true;
    s.has_parent = true;
    static const char *const kv[] = {"http.status_code", "200"};
    set_attrs(&s, kv, 2);
    expect(&s, "santa-02-sqlite",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"parentId\":\"ff01109aa9000001\",\"name\":\"GET /api/exchanges/{id}\","
           "\"kind\":\"SERVER\",\"timestamp\":1764771234567890,\"duration\":1234,"
           "\"localEndpoint\":{\"serviceName\":\"santa-02-sqlite\"},"
           "\"tags\":{\"http.status_code\":\"200\"}}");
}

static void test_child_without_tags(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.has_parent = true;
    snprintf(s.name, sizeof s.name, "%s", "store.exchange_get");
    s.dur_ns = 999; /* under 1 us: Zipkin wants at least 1 */
    expect(&s, "svc",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"parentId\":\"ff01109aa9000001\",\"name\":\"store.exchange_get\","
           "\"timestamp\":1764771234567890,\"duration\":1,"
           "\"localEndpoint\":{\"serviceName\":\"svc\"}}");
    s.dur_ns = 1000;
    expect(&s, "svc",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"parentId\":\"ff01109aa9000001\",\"name\":\"store.exchange_get\","
           "\"timestamp\":1764771234567890,\"duration\":1,"
           "\"localEndpoint\":{\"serviceName\":\"svc\"}}");
}

static void test_error_without_attrs(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.error = true;
    s.name[0] = '\0';
    s.start_us = 0;
    s.dur_ns = 10000000000000ULL;
    expect(&s, "",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"name\":\"\",\"timestamp\":0,\"duration\":10000000000,"
           "\"localEndpoint\":{\"serviceName\":\"\"},\"tags\":{\"error\":\"true\"}}");
}

/* Everything JSON must escape, in the name, the service, keys and values. */
static void test_escapes(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.error = true;
    s.has_parent = true;
    snprintf(s.name, sizeof s.name, "%s", "q\"b\\n\nr\rt\t\x01\x1f\x7f\xc3\xa9");
    static const char *const kv[] = {"db.statement", "SELECT \"x\"\n", "k\\", "\x02v"};
    set_attrs(&s, kv, 4);
    expect(&s, "my \"svc\"",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"parentId\":\"ff01109aa9000001\","
           "\"name\":\"q\\\"b\\\\n\\nr\\rt\\t\\u0001\\u001f\x7f\xc3\xa9\","
           "\"timestamp\":1764771234567890,\"duration\":1234,"
           "\"localEndpoint\":{\"serviceName\":\"my \\\"svc\\\"\"},"
           "\"tags\":{\"db.statement\":\"SELECT \\\"x\\\"\\n\",\"k\\\\\":\"\\u0002v\","
           "\"error\":\"true\"}}");
}

/* The integers' extremes: what %lld and %llu wrote. */
static void test_integer_extremes(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.start_us = INT64_MIN;
    s.dur_ns = UINT64_MAX;
    expect(&s, "svc",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"name\":\"GET /api/exchanges/{id}\",\"timestamp\":-9223372036854775808,"
           "\"duration\":18446744073709551,\"localEndpoint\":{\"serviceName\":\"svc\"}}");
    s.start_us = INT64_MAX;
    s.dur_ns = 9999;
    expect(&s, "svc",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"name\":\"GET /api/exchanges/{id}\",\"timestamp\":9223372036854775807,"
           "\"duration\":9,\"localEndpoint\":{\"serviceName\":\"svc\"}}");
    s.start_us = -1;
    s.dur_ns = 10000;
    expect(&s, "svc",
           "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\","
           "\"name\":\"GET /api/exchanges/{id}\",\"timestamp\":-1,"
           "\"duration\":10,\"localEndpoint\":{\"serviceName\":\"svc\"}}");
}

/* A span as full as the record allows still fits the exporter's buffer. */
static void test_full_span_fits_export_buffer(void **state)
{
    (void)state;
    struct inst_span s = base_span();
    s.server = s.has_parent = s.error = true;
    memset(s.name, 1, sizeof s.name - 1); /* every byte escaped to six */
    s.name[sizeof s.name - 1] = '\0';
    memset(s.attrs, 1, sizeof s.attrs);
    for (size_t i = 1; i < sizeof s.attrs; i += 2)
        s.attrs[i] = '\0'; /* the most pairs: one-byte keys and values */
    s.attrs_len = sizeof s.attrs;
    char buf[8192];
    char service[64];
    memset(service, '"', sizeof service - 1);
    service[sizeof service - 1] = '\0';
    size_t n = inst_zipkin_span(&s, service, buf, sizeof buf - 1);
    assert_true(n > 0);
    assert_int_equal(strlen(buf), n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_span),
        cmocka_unit_test(test_child_without_tags),
        cmocka_unit_test(test_error_without_attrs),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_integer_extremes),
        cmocka_unit_test(test_full_span_fits_export_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
