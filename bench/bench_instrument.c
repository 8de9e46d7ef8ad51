/*
 * bench_instrument.c - what one observation costs (bench/run-bench-instrument
 * prints these beside the macro figures).
 *
 * Single-threaded and with 2 threads recording into the same metric at the
 * same time, in ns per operation: libinstrument's counter add and histogram
 * record, and two baselines measured in the same run - a counter behind a
 * pthread mutex (what a client with a registry lock pays; the C Prometheus
 * client takes two such locks per observation) and one shared atomic
 * fetch-add (a lock-free counter without shards, whose cache line bounces
 * between cores). Also a whole traced request: begin, two child spans, end,
 * with the spans queued for the exporter (which writes to /dev/null).
 * No pass/fail: it prints figures; the machine may be shared.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "instrument/instrument.h"
#include "instrument/metrics.h"
#include "instrument/request.h"
#include "instrument/trace.h"

static uint64_t iters = 20000000;
static struct inst_metric *counter, *hist;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t locked_counter;
static _Atomic uint64_t shared_counter;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *run_counter(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < iters; i++)
        inst_counter_add(counter, 1);
    return NULL;
}

static void *run_hist(void *arg)
{
    (void)arg;
    /* varied values so the bucket index really varies: 1 us .. ~1 ms */
    for (uint64_t i = 0; i < iters; i++)
        inst_observe_ns(hist, 1000 + (i * 7919) % 1000000);
    return NULL;
}

static void *run_mutex(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < iters; i++) {
        pthread_mutex_lock(&mutex);
        locked_counter++;
        pthread_mutex_unlock(&mutex);
    }
    return NULL;
}

static void *run_atomic(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < iters; i++)
        atomic_fetch_add_explicit(&shared_counter, 1, memory_order_relaxed);
    return NULL;
}

/* ns per operation with `threads` threads each doing iters operations. */
static double measure(void *(*fn)(void *), int threads)
{
    pthread_t t[2];
    uint64_t t0 = now_ns();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, fn, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return (double)(now_ns() - t0) / (double)iters;
}

static double traced_request(void)
{
    uint64_t n = iters / 100, t0 = now_ns();
    struct inst_request_result r;
    for (uint64_t i = 0; i < n; i++) {
        inst_request_begin("GET", NULL);
        inst_request_rename("GET /api/exchanges/{id}");
        struct inst_span *a = inst_span_start("store.principal_find");
        inst_span_end(a, false);
        struct inst_span *b = inst_span_start("store.exchange_get");
        inst_span_end(b, false);
        inst_request_end(200, &r);
    }
    return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        iters = strtoull(argv[1], NULL, 10);
    if (iters < 1000)
        iters = 1000;
    counter = inst_metric_register(INST_COUNTER, "bench_total", "bench", NULL, 0);
    hist = inst_metric_register(INST_HISTOGRAM, "bench_seconds", "bench", NULL, 0);
    measure(run_counter, 1); /* warm-up: attach the shard, fault the pages in */

    printf("micro (ns per operation; 2 threads = wall time / ops per thread, both recording "
           "into the same metric)\n");
    printf("%-44s %10s %10s\n", "operation", "1 thread", "2 threads");
    struct {
        const char *name;
        void *(*fn)(void *);
    } rows[] = {
        {"libinstrument counter add", run_counter},
        {"libinstrument histogram record", run_hist},
        {"baseline: counter behind a pthread mutex", run_mutex},
        {"baseline: one shared atomic fetch-add", run_atomic},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double one = measure(rows[i].fn, 1), two = measure(rows[i].fn, 2);
        printf("%-44s %10.2f %10.2f\n", rows[i].name, one, two);
    }

    struct inst_options o = {.service = "bench", .trace_file = "/dev/null", .trace_sample = 1.0};
    char err[256];
    if (inst_start(&o, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    printf("%-44s %10.1f\n", "traced request: begin + 2 spans + end, kept", traced_request());
    inst_stop();
    return 0;
}
