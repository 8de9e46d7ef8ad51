/*
 * test_metrics_mt.c - the registry under concurrency (run under TSan by
 * `make test-tsan`): several threads record into their own shards while a
 * reader renders /metrics; the merged totals must be exact. Also the
 * Prometheus text itself: HELP/TYPE, label escaping, cumulative buckets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include <cmocka.h>

#include "instrument/metrics.h"
#include "instrument/prometheus.h"

#define THREADS 4
#define PER_THREAD 20000

static struct inst_metric *counter, *gauge, *hist;
static atomic_bool reading;

static void *writer(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg;
    for (uint64_t i = 0; i < PER_THREAD; i++) {
        inst_gauge_add(gauge, 1);
        inst_counter_add(counter, 1);
        inst_observe_ns(hist, 1000 + base * PER_THREAD + i);
        inst_gauge_add(gauge, -1);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    int renders = 0;
    while (atomic_load(&reading) || renders == 0) {
        size_t len = 0;
        char *text = inst_prometheus_render(&len);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        free(text);
        renders++;
    }
    return NULL;
}

static void run_round(void)
{
    pthread_t w[THREADS], r;
    atomic_store(&reading, true);
    assert_int_equal(pthread_create(&r, NULL, reader, NULL), 0);
    for (uintptr_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&w[i], NULL, writer, (void *)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i], NULL);
    atomic_store(&reading, false);
    pthread_join(r, NULL);
}

static void test_shards_merge_exactly(void **state)
{
    (void)state;
    counter = inst_metric_register(INST_COUNTER, "mt_total", "Adds.", NULL, 0);
    gauge = inst_metric_register(INST_GAUGE, "mt_in_flight", "Up and down.", NULL, 0);
    hist = inst_metric_register(INST_HISTOGRAM, "mt_seconds", "Values.", NULL, 0);
    run_round();
    assert_int_equal(inst_counter_read(counter), THREADS * PER_THREAD);
    assert_int_equal(inst_gauge_read(gauge), 0);
    static struct inst_hist h;
    inst_hist_read(hist, &h);
    uint64_t n = THREADS * PER_THREAD;
    assert_int_equal(inst_hist_count(&h), n);
    /* values 1000 .. 1000 + n - 1, each once */
    assert_int_equal(inst_hist_sum(&h), n * 1000 + n * (n - 1) / 2);
    assert_int_equal(inst_hist_min(&h), 1000);
    assert_int_equal(inst_hist_max(&h), 1000 + n - 1);
    double median = 1000.0 + (double)n / 2;
    assert_true(fabs((double)inst_hist_percentile(&h, 50) - median) < 0.01 * median);

    /* the threads have exited; new ones take their shards over and nothing is lost */
    run_round();
    assert_int_equal(inst_counter_read(counter), 2 * THREADS * PER_THREAD);
    inst_hist_read(hist, &h);
    assert_int_equal(inst_hist_count(&h), 2 * n);
}

static void test_registration_rules(void **state)
{
    (void)state;
    struct inst_label l[] = {{"route", "/x"}};
    struct inst_metric *a = inst_metric_register(INST_COUNTER, "reg_total", "h", l, 1);
    assert_non_null(a);
    assert_ptr_equal(inst_metric_register(INST_COUNTER, "reg_total", "h", l, 1), a);
    assert_null(inst_metric_register(INST_GAUGE, "reg_total", "h", l, 1)); /* type clash */
    assert_null(inst_metric_register(INST_COUNTER, "9bad", "h", NULL, 0));
    assert_null(inst_metric_register(INST_COUNTER, "bad-name", "h", NULL, 0));
    struct inst_label le[] = {{"le", "1"}};
    assert_null(inst_metric_register(INST_HISTOGRAM, "reg_seconds", "h", le, 1));
    struct inst_label badl[] = {{"bad label", "1"}};
    assert_null(inst_metric_register(INST_COUNTER, "reg2_total", "h", badl, 1));
    /* NULL handles are accepted everywhere */
    inst_counter_add(NULL, 1);
    inst_gauge_add(NULL, 1);
    inst_observe_ns(NULL, 1);
    assert_int_equal(inst_counter_read(NULL), 0);
    /* the wrong kind of recording is ignored */
    inst_observe_ns(a, 5);
    inst_gauge_add(a, 5);
    assert_int_equal(inst_counter_read(a), 0);
}

static void test_prometheus_text(void **state)
{
    (void)state;
    struct inst_label l[] = {{"path", "a\"b\\c\nd"}};
    struct inst_metric *c = inst_metric_register(INST_COUNTER, "esc_total", "Line one\nline two.",
                                                 l, 1);
    inst_counter_add(c, 42);
    struct inst_label rl[] = {{"route", "/r"}};
    struct inst_metric *h = inst_metric_register(INST_HISTOGRAM, "lat_seconds", "Latency.", rl, 1);
    inst_observe_ns(h, 50000);      /* 50 us */
    inst_observe_ns(h, 2000000);    /* 2 ms */
    inst_observe_ns(h, 7000000000); /* 7 s */
    size_t len;
    char *t = inst_prometheus_render(&len);
    assert_non_null(t);
    assert_non_null(strstr(t, "# HELP esc_total Line one line two.\n# TYPE esc_total counter\n"
                              "esc_total{path=\"a\\\"b\\\\c\\nd\"} 42\n"));
    assert_non_null(strstr(t, "# TYPE lat_seconds histogram\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"0.0025\"} 2\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"5\"} 2\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"10\"} 3\n"));
    assert_non_null(strstr(t, "lat_seconds_bucket{route=\"/r\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "lat_seconds_sum{route=\"/r\"} 7.002050000\n"));
    assert_non_null(strstr(t, "lat_seconds_count{route=\"/r\"} 3\n"));
    assert_non_null(strstr(t, "# TYPE process_cpu_seconds_total counter\n"));
    assert_non_null(strstr(t, "\nprocess_open_fds "));
    assert_non_null(strstr(t, "\nprocess_threads "));
    assert_non_null(strstr(t, "\nprocess_resident_memory_bytes "));
    assert_non_null(strstr(t, "\nprocess_start_time_seconds "));
    assert_int_equal(t[len - 1], '\n');
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_merge_exactly),
        cmocka_unit_test(test_registration_rules),
        cmocka_unit_test(test_prometheus_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
