/*
 * test_statsd.c - the statsd line protocol byte for byte: single lines,
 * packing into datagrams of at most 1432 bytes, and real datagrams received
 * on a UDP socket of this test on 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "instrument/instrument.h"
#include "instrument/metrics.h"
#include "instrument/statsd.h"

static void test_lines(void **state)
{
    (void)state;
    char b[128];
    assert_int_equal(inst_statsd_line(b, sizeof b, "a.b", "1", "c", 1.0), 7);
    assert_string_equal(b, "a.b:1|c");
    inst_statsd_line(b, sizeof b, "a.b", "1", "c", 0.1);
    assert_string_equal(b, "a.b:1|c|@0.1");
    inst_statsd_line(b, sizeof b, "lat", "0.183", "ms", 1.0 / 3.0);
    assert_string_equal(b, "lat:0.183|ms|@0.333333");
    inst_statsd_line(b, sizeof b, "g", "-3", "g", 0.0); /* rate 0 means "not sampled" */
    assert_string_equal(b, "g:-3|g");
    assert_int_equal(inst_statsd_line(b, 7, "a.b", "1", "c", 1.0), 0); /* needs 8 with NUL */
}

struct capture {
    char grams[64][INST_STATSD_PAYLOAD_MAX + 1];
    size_t lens[64];
    int n;
};

static void capture_send(void *ctx, const char *d, size_t len)
{
    struct capture *c = ctx;
    assert_true(c->n < 64);
    assert_true(len <= INST_STATSD_PAYLOAD_MAX);
    memcpy(c->grams[c->n], d, len);
    c->grams[c->n][len] = '\0';
    c->lens[c->n++] = len;
}

static void test_packing(void **state)
{
    (void)state;
    static struct capture c;
    static struct inst_statsd_packer p;
    memset(&c, 0, sizeof c);
    memset(&p, 0, sizeof p);
    p.send = capture_send;
    p.ctx = &c;
    static char all[200 * 32];
    size_t all_len = 0;
    for (int i = 0; i < 200; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "service.metric_%03d:%d|c", i, i);
        inst_statsd_pack(&p, line, (size_t)n);
        memcpy(all + all_len, line, (size_t)n);
        all_len += (size_t)n;
        all[all_len++] = '\n';
    }
    inst_statsd_pack_flush(&p);
    inst_statsd_pack_flush(&p); /* nothing left: sends nothing */
    assert_true(c.n >= 4);
    /* joined with '\n' the datagrams give back every line in order, none cut */
    static char joined[sizeof all];
    size_t jl = 0;
    for (int i = 0; i < c.n; i++) {
        assert_true(c.lens[i] > INST_STATSD_PAYLOAD_MAX - 32 || i == c.n - 1);
        assert_true(c.grams[i][c.lens[i] - 1] != '\n');
        memcpy(joined + jl, c.grams[i], c.lens[i]);
        jl += c.lens[i];
        joined[jl++] = '\n';
    }
    assert_int_equal(jl, all_len);
    assert_memory_equal(joined, all, all_len);
    /* a line longer than a datagram is dropped, not split */
    static char huge[INST_STATSD_PAYLOAD_MAX + 10];
    memset(huge, 'x', sizeof huge);
    int before = c.n;
    inst_statsd_pack(&p, huge, sizeof huge);
    inst_statsd_pack_flush(&p);
    assert_int_equal(c.n, before);
}

static int udp_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void receive(int fd, char *buf, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    ssize_t n = recv(fd, buf, cap - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
}

/* The registry's lines byte for byte, then the five process gauges, in order. */
static void expect_lines(const char *got, const char *want)
{
    size_t n = strlen(want);
    if (strncmp(got, want, n) != 0 || got[n] != '\n')
        fail_msg("datagram\n%s\ndoes not start with\n%s", got, want);
    static const char *const process[] = {
        "process_cpu_seconds_total:", "process_resident_memory_bytes:", "process_open_fds:",
        "process_threads:", "process_start_time_seconds:"};
    const char *p = got + n + 1;
    for (size_t i = 0; i < 5; i++) {
        size_t k = strlen(process[i]);
        assert_memory_equal(p, process[i], k);
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        assert_memory_equal(p + len - 2, "|g", 2);
        assert_true(len > k + 2);
        p = end ? end + 1 : p + len;
    }
    assert_int_equal(*p, '\0');
}

static void test_udp_datagrams(void **state)
{
    (void)state;
    int port;
    int fd = udp_listener(&port);
    struct inst_label l[] = {{"route", "/a b"}, {"method", "GET"}};
    struct inst_metric *req = inst_metric_register(INST_COUNTER, "t_requests_total", "help", l, 2);
    struct inst_metric *inflight = inst_metric_register(INST_GAUGE, "t_inflight", "help", NULL, 0);
    struct inst_metric *lat = inst_metric_register(INST_HISTOGRAM, "t_lat_seconds", "help", NULL,
                                                   0);
    assert_non_null(req);
    assert_non_null(inflight);
    assert_non_null(lat);
    char hp[32], err[256];
    snprintf(hp, sizeof hp, "127.0.0.1:%d", port);
    /* an hour: the test flushes by hand, the thread must not interfere */
    struct inst_options o = {.statsd = hp, .statsd_interval_ms = 3600000};
    assert_int_equal(inst_start(&o, err, sizeof err), 0);

    inst_counter_add(req, 3);
    inst_gauge_set(inflight, -3);
    for (int i = 0; i < 5; i++)
        inst_observe_ns(lat, 1000000); /* bucket [999424, 1003520): middle 1.001 ms */
    inst_statsd_flush_now();
    char buf[2048];
    receive(fd, buf, sizeof buf);
    expect_lines(buf, "t_requests_total._a_b.GET:3|c\n"
                      "t_inflight:0|g\n"
                      "t_inflight:-3|g\n"
                      "t_lat_seconds:1.001|ms|@0.2");

    /* second flush: only the differences, plus the first datagram counted */
    inst_counter_add(req, 2);
    inst_gauge_set(inflight, 7);
    inst_observe_ns(lat, 50); /* exact below 128 ns: 0.000 ms at rate 1 */
    inst_statsd_flush_now();
    receive(fd, buf, sizeof buf);
    expect_lines(buf, "t_requests_total._a_b.GET:2|c\n"
                      "t_inflight:7|g\n"
                      "t_lat_seconds:0.000|ms\n"
                      "inst_statsd_datagrams_total:1|c");
    inst_stop();
    close(fd);
}

static void test_absent_collector(void **state)
{
    (void)state;
    /* nobody listens: sends fail quietly and are counted, nothing blocks */
    int port;
    int fd = udp_listener(&port);
    close(fd);
    char hp[32], err[256];
    snprintf(hp, sizeof hp, "127.0.0.1:%d", port);
    struct inst_options o = {.statsd = hp, .statsd_interval_ms = 3600000};
    assert_int_equal(inst_start(&o, err, sizeof err), 0);
    struct inst_metric *c = inst_metric_register(INST_COUNTER, "t_lost_total", "help", NULL, 0);
    for (int i = 0; i < 3; i++) {
        inst_counter_add(c, 1);
        inst_statsd_flush_now();
    }
    struct inst_metric *errors =
        inst_metric_register(INST_COUNTER, "inst_statsd_errors_total", "x", NULL, 0);
    inst_stop();
    /* the first send may still "succeed" before the ICMP refusal arrives */
    assert_true(inst_counter_read(errors) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_packing),
        cmocka_unit_test(test_udp_datagrams),
        cmocka_unit_test(test_absent_collector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
