/*
 * test_load_openloop.c - coordinated omission, tested against a deliberately
 * slow server on 127.0.0.1 that this test starts: it answers one request at a
 * time and takes 50 ms for each (20 requests/s at most).
 *
 * Open loop at 40 requests/s for 2 s schedules 80 requests the server cannot
 * keep up with. A generator that measured from the moment it actually sent
 * would report about 50 ms; measured from each request's intended start, the
 * queue shows: the k-th request waits for the k-1 before it, so the median is
 * around a second and the last one about two. The closed-loop run against the
 * same server is the control: there every latency is the 50 ms of service.
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
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "load_config.h"
#include "load_run.h"
#include "testproc.h"

#define SERVICE_MS 50
#define MAX_CLIENTS 8

struct slow_server {
    long service_ms;
    int lfd;
    uint16_t port;
    _Atomic int stop;
    _Atomic unsigned served;
    pthread_t thread;
};

static void serve_one(struct slow_server *s, int fd)
{
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 "Server-Timing: app;dur=50.000\r\n\r\nok";
    if (s->service_ms > 0) {
        nanosleep(&(struct timespec){.tv_nsec = s->service_ms * 1000000L}, NULL);
    }
    ssize_t n = send(fd, answer, sizeof(answer) - 1, MSG_NOSIGNAL);
    (void)n;
    atomic_fetch_add(&s->served, 1);
}

/* One thread, one request at a time: the queue forms in front of it. */
static void *slow_main(void *arg)
{
    struct slow_server *s = arg;
    struct pollfd p[MAX_CLIENTS + 1];
    char pending[MAX_CLIENTS][4]; /* the last bytes seen, to find "\r\n\r\n" across reads */
    int nfd = 1;
    memset(pending, 0, sizeof(pending));
    p[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (poll(p, (nfds_t)nfd, 50) <= 0) {
            continue;
        }
        if ((p[0].revents & POLLIN) && nfd < MAX_CLIENTS + 1) {
            int fd = accept(s->lfd, NULL, NULL);
            if (fd >= 0) {
                memset(pending[nfd - 1], 0, 4);
                p[nfd++] = (struct pollfd){.fd = fd, .events = POLLIN};
            }
        }
        for (int i = 1; i < nfd; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP))) {
                continue;
            }
            char buf[4096];
            ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                close(p[i].fd);
                p[i] = p[--nfd];
                memcpy(pending[i - 1], pending[nfd - 1], 4);
                i--;
                continue;
            }
            for (ssize_t k = 0; k < n; k++) {
                char *w = pending[i - 1];
                memmove(w, w + 1, 3);
                w[3] = buf[k];
                if (memcmp(w, "\r\n\r\n", 4) == 0) {
                    serve_one(s, p[i].fd);
                }
            }
        }
    }
    for (int i = 1; i < nfd; i++) {
        close(p[i].fd);
    }
    return NULL;
}

static void slow_start(struct slow_server *s)
{
    int port = 0;
    s->lfd = testproc_listen(SOCK_STREAM, &port); /* a port the kernel chose */
    assert_true(s->lfd >= 0);
    s->port = (uint16_t)port;
    atomic_store(&s->stop, 0);
    atomic_store(&s->served, 0);
    assert_int_equal(pthread_create(&s->thread, NULL, slow_main, s), 0);
}

static void slow_stop(struct slow_server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

/* Runs santa-load's plain mode against the server; returns the parsed summary. */
static json_t *run(struct slow_server *s, unsigned users, double rate, double secs,
                   unsigned timeout_ms)
{
    static struct load_config cfg;
    char dir[] = "/tmp/test_load_openloop_XXXXXX", path[512], cmd[600];
    assert_non_null(mkdtemp(dir));
    memset(&cfg, 0, sizeof(cfg));
    cfg.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(s->port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    snprintf(cfg.host_port, sizeof(cfg.host_port), "127.0.0.1:%u", (unsigned)s->port);
    snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:%u/", (unsigned)s->port);
    cfg.threads = 1;
    cfg.timeout_ms = timeout_ms;
    cfg.out_dir = dir;
    load_scenario_defaults(&cfg.sc);
    cfg.sc.run_time = secs;
    cfg.sc.warmup = 0;
    load_scenario_plain(&cfg.sc, users, rate);
    cfg.open_loop = rate > 0;
    int rc = load_run(&cfg);
    /* 3 would mean santa-load blamed itself; on a loaded machine that can be right,
       and it does not change what this test checks. */
    assert_true(rc == LOAD_EXIT_OK || rc == LOAD_EXIT_BOTTLENECK);
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return j;
}

static double ms(json_t *j, const char *what, const char *p)
{
    return json_real_value(json_object_get(json_object_get(j, what), p));
}

static void test_open_loop_counts_the_queue(void **state)
{
    (void)state;
    struct slow_server s = {.service_ms = SERVICE_MS};
    slow_start(&s);
    json_t *j = run(&s, 2, 40, 2, 10000);
    slow_stop(&s);
    json_int_t req = json_integer_value(json_object_get(j, "requests"));
    double p50 = ms(j, "latency_ms", "p50"), max = ms(j, "latency_ms", "max");
    double app = json_real_value(json_object_get(json_object_get(json_object_get(
        j, "server_timing_ms"), "app"), "p50"));
    print_message("open loop: %lld requests, p50 %.1f ms, max %.1f ms, server app p50 %.1f ms\n",
                  (long long)req, p50, max, app);
    /* Every scheduled request was sent and answered (the drain waits for them). */
    assert_true(req >= 79 && req <= 81);
    assert_int_equal(json_integer_value(json_object_get(j, "errors")), 0);
    /* The server says each took 50 ms ... */
    assert_true(app > 45 && app < 55);
    /* ... but the users waited in the queue: ~1 s median, ~2 s for the last. */
    assert_true(p50 > 600);
    assert_true(max > 1500);
    /* And the rate the server really held is its own, not the target. */
    double achieved = json_real_value(json_object_get(j, "achieved_rps"));
    assert_true(achieved > 15 && achieved < 25);
    json_decref(j);
}

/* The same overload with a drain too short for the backlog: the starts nobody could
   send before the stop are not dropped but counted as timeouts. */
static void test_open_loop_unsent_are_timeouts(void **state)
{
    (void)state;
    struct slow_server s = {.service_ms = SERVICE_MS};
    slow_start(&s);
    json_t *j = run(&s, 2, 40, 2, 500);
    slow_stop(&s);
    json_int_t req = json_integer_value(json_object_get(j, "requests"));
    json_int_t err = json_integer_value(json_object_get(j, "errors"));
    json_int_t timeouts =
        json_integer_value(json_object_get(json_object_get(j, "errors_by_kind"), "timeout"));
    print_message("short drain: %lld requests, %lld timeouts\n", (long long)req,
                  (long long)timeouts);
    assert_true(req >= 79 && req <= 81);
    assert_int_equal(err, timeouts);
    /* ~2.5 s of serving at 20/s answers ~50; the other ~30 never got an answer.
     * How many were answered depends on how much CPU the machine lends the slow
     * server and the generator (a busy 2-core machine answered only 30), so the
     * bound is the claim itself: a backlog is counted as timeouts, not dropped,
     * and the requests answered in time are not counted among them. */
    assert_true(timeouts >= 15 && timeouts < req);
    json_decref(j);
}

static void test_closed_loop_control(void **state)
{
    (void)state;
    struct slow_server s = {.service_ms = SERVICE_MS};
    slow_start(&s);
    json_t *j = run(&s, 1, 0, 2, 10000);
    slow_stop(&s);
    json_int_t req = json_integer_value(json_object_get(j, "requests"));
    double p50 = ms(j, "latency_ms", "p50");
    print_message("closed loop: %lld requests, p50 %.1f ms\n", (long long)req, p50);
    /* One user, one request at a time: no queue, the latency is the service time. */
    assert_true(req >= 20 && req <= 41);
    assert_true(p50 >= SERVICE_MS && p50 < 3 * SERVICE_MS);
    json_decref(j);
}

/* The opposite: a server that answers at once, so an answer is sometimes there
   before the next recv() and a user's requests chain inside one event (the worker
   defers a send after 8 in a row instead of recursing). A guard, not a proof: the
   bug this path once had (a user deferred twice overflowed the wake-up heap)
   needed a multi-threaded server's timing to show. */
static void test_instant_server(void **state)
{
    (void)state;
    struct slow_server s = {.service_ms = 0};
    slow_start(&s);
    json_t *j = run(&s, 8, 0, 2, 10000);
    slow_stop(&s);
    json_int_t req = json_integer_value(json_object_get(j, "requests"));
    print_message("instant server: %lld requests\n", (long long)req);
    assert_true(req > 100);
    assert_int_equal(json_integer_value(json_object_get(j, "errors")), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_loop_counts_the_queue),
        cmocka_unit_test(test_open_loop_unsent_are_timeouts),
        cmocka_unit_test(test_closed_loop_control),
        cmocka_unit_test(test_instant_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
