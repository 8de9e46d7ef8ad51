/*
 * test_load_stats.c - the generator's results code: histogram percentiles of
 * recorded latencies, merging two workers, per-transaction and per-step
 * counts, the slowest list, sample thinning, and the files of a results folder
 * (summary.json read back, samples.csv and timeseries.csv counted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "load_config.h"
#include "load_results.h"
#include "load_stats.h"

static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void rec(struct load_stats *s, uint64_t t_ms, uint64_t lat_us, unsigned txn,
                unsigned timer, enum load_err err)
{
    struct load_record r = {.t_ns = t_ms * 1000000u, .latency_ns = lat_us * 1000u,
                            .st_us = {lat_us / 2, lat_us / 4, -1}, .status = err ? 500 : 200,
                            .txn = txn, .timer = timer, .err = err, .trace = trace};
    load_stats_record(s, &r);
}

static void near(double got, double want, double rel)
{
    if (got < want * (1 - rel) || got > want * (1 + rel)) {
        fail_msg("got %.6f, want %.6f +- %.2f%%", got, want, rel * 100);
    }
}

/* Two workers: one records 1..1000 ms, the other 1001..2000 ms. */
static void test_percentiles_after_merge(void **state)
{
    (void)state;
    struct load_stats a, b, total;
    assert_int_equal(load_stats_init(&a, 2, 1, 10, 1), 0);
    assert_int_equal(load_stats_init(&b, 2, 1, 10, 1), 0);
    assert_int_equal(load_stats_init(&total, 2, 1, 10, 1), 0);
    for (uint64_t i = 1; i <= 1000; i++) {
        rec(&a, i, i * 1000, 0, 0, LOAD_ERR_NONE);
        rec(&b, i, (1000 + i) * 1000, 0, 1, LOAD_ERR_NONE);
    }
    rec(&b, 5, 3000000, 0, 1, LOAD_ERR_HTTP_5XX); /* failures: counted, kept apart */
    for (int k = 0; k < 9; k++) {
        rec(&a, 5, 1000, 0, 0, LOAD_ERR_HTTP_5XX);
    }
    assert_int_equal(load_stats_merge(&total, &a), 0);
    assert_int_equal(load_stats_merge(&total, &b), 0);
    assert_int_equal(total.requests, 2010);
    assert_int_equal(total.errors, 10);
    assert_int_equal(total.err_kind[LOAD_ERR_HTTP_5XX], 10);
    assert_int_equal(total.timer_req[0], 1009);
    assert_int_equal(total.timer_err[1], 1);
    assert_int_equal(inst_hist_count(total.fail), 10);
    assert_true(load_ms(total.fail, 100) == 3000.0);
    /* Nearest rank over 1..2000 ms: p50 = 1000, p90 = 1800, p99 = 1980; max exact. */
    near(load_ms(total.all, 50), 1000, 0.005);
    near(load_ms(total.all, 90), 1800, 0.005);
    near(load_ms(total.all, 99), 1980, 0.005);
    near(load_ms(total.all, 99.9), 1998, 0.005);
    assert_true(load_ms(total.all, 100) == 2000.0);
    near(load_ms(&total.timer[0], 50), 500, 0.005);
    near(load_ms(&total.timer[1], 50), 1500, 0.005);
    near(inst_hist_mean(total.all) / 1e6, 1000.5, 1e-9);
    /* Server-Timing app was half the latency. */
    near(load_ms(&total.st[0], 50), 500, 0.005);
    /* The 20 slowest, slowest first. */
    assert_int_equal(total.nslow, LOAD_SLOWEST);
    assert_int_equal(total.slow[0].latency_ns, 3000000000u); /* the failure, marked */
    assert_int_equal(total.slow[0].err, LOAD_ERR_HTTP_5XX);
    assert_int_equal(total.slow[1].latency_ns, 2000000000u);
    assert_int_equal(total.slow[19].latency_ns, 1982000000u);
    /* Both workers' seconds were merged: each second got 2 x 1000 / 1 s. */
    assert_int_equal(total.sec_req[0], 2 * 999 + 10);
    assert_int_equal(total.nsamples, 2010);
    load_stats_release(&a);
    load_stats_release(&b);
    load_stats_release(&total);
}

/* OK answers, failed answers and timeouts each in their own histogram: a
   timeout's wait is no answer's latency and must not become max or p99.9. */
static void test_failures_and_timeouts_apart(void **state)
{
    (void)state;
    struct load_stats s;
    assert_int_equal(load_stats_init(&s, 1, 1, 4, 1), 0);
    for (uint64_t i = 0; i < 100; i++) {
        rec(&s, i * 10, 1000, 0, 0, LOAD_ERR_NONE);          /* 1 ms answers */
        load_stats_completed(&s, i * 10 * 1000000u + 1000000u); /* all in second 0 */
    }
    for (int i = 0; i < 5; i++) {
        rec(&s, 1500, 3000000, 0, 0, LOAD_ERR_HTTP_5XX);       /* 3 s failures */
    }
    for (int i = 0; i < 2; i++) {
        rec(&s, 1500, 5000000, 0, 0, LOAD_ERR_TIMEOUT);        /* 5 s without an answer */
    }
    assert_int_equal(s.requests, 107);
    assert_int_equal(s.errors, 7);
    assert_true(load_ms(s.all, 100) == 1.0);
    assert_true(load_ms(s.all, 99.9) == 1.0);
    assert_int_equal(inst_hist_count(s.all), 100);
    assert_int_equal(inst_hist_count(s.fail), 5);
    assert_int_equal(inst_hist_count(s.tmo), 2);
    assert_true(load_ms(s.tmo, 100) == 5000.0);
    /* The slowest list holds answers, the failures marked; no timeouts. */
    assert_int_equal(s.nslow, LOAD_SLOWEST);
    assert_int_equal(s.slow[0].latency_ns, 3000000000u);
    assert_int_equal(s.slow[0].err, LOAD_ERR_HTTP_5XX);
    for (unsigned i = 0; i < s.nslow; i++) {
        assert_int_not_equal(s.slow[i].err, LOAD_ERR_TIMEOUT);
    }
    /* Throughput by completion: second 0 got all 100, second 1 none. */
    assert_int_equal(s.sec_done[0], 100);
    assert_int_equal(s.sec_done[1], 0);
    assert_true(load_stats_min_rps(&s, 2) == 0);
    assert_true(load_stats_min_rps(&s, 1) == 100);
    load_stats_release(&s);
}

static void test_samples_are_thinned_to_the_cap(void **state)
{
    (void)state;
    struct load_stats s;
    assert_int_equal(load_stats_init(&s, 1, 1, 2, 1), 0);
    uint64_t n = LOAD_SAMPLES_MAX * 3 + 7;
    for (uint64_t i = 0; i < n; i++) {
        rec(&s, i / (n / 2 + 1), 100, 0, 0, LOAD_ERR_NONE);
    }
    assert_true(s.nsamples <= LOAD_SAMPLES_MAX);
    assert_int_equal(s.stride, 4);
    assert_int_equal(s.nsamples, (n + 3) / 4);
    assert_int_equal(s.requests, n);
    load_stats_release(&s);
}

static void test_long_runs_get_coarser_rows(void **state)
{
    (void)state;
    assert_int_equal(load_stats_step(20), 1);
    assert_int_equal(load_stats_step(LOAD_SERIES_MAX), 1);
    assert_int_equal(load_stats_step(LOAD_SERIES_MAX + 1), 2);
    assert_int_equal(load_stats_step(3600), 12);
    struct load_stats s;
    assert_int_equal(load_stats_init(&s, 1, 1, 4, 2), 0);
    rec(&s, 1999, 100, 0, 0, LOAD_ERR_NONE); /* row 0: seconds 0-1 */
    rec(&s, 2000, 100, 0, 0, LOAD_ERR_NONE); /* row 1: seconds 2-3 */
    rec(&s, 5999, 100, 0, 0, LOAD_ERR_NONE);
    assert_int_equal(s.sec_req[0], 1);
    assert_int_equal(s.sec_req[1], 1);
    assert_int_equal(s.sec_req[2], 1);
    load_stats_release(&s);
}

static unsigned lines_of(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned n = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        n += c == '\n';
    }
    fclose(f);
    return n;
}

static void test_results_folder(void **state)
{
    (void)state;
    static struct load_config cfg;
    char dir[] = "/tmp/test_load_stats_XXXXXX", err[256], path[512];
    assert_non_null(mkdtemp(dir));
    load_scenario_defaults(&cfg.sc);
    char text[] = "[user_group-1]\nscript = a, b\n[transaction-a]\nsteps = join, reveal\n"
                  "[transaction-b]\nsteps = view_exchange\n";
    assert_int_equal(load_scenario_parse_text("mix.cfg", text, &cfg.sc, err, sizeof(err)), 0);
    snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:1");
    cfg.stage = "99-test";
    cfg.threads = 1;
    struct load_stats s;
    assert_int_equal(load_stats_init(&s, cfg.sc.ntimers, cfg.sc.ntxns, 4, 1), 0);
    for (unsigned i = 0; i < 300; i++) {
        rec(&s, i * 10, 1000 + i, i % 3 == 2 ? 1 : 0, i % 3,
            i % 50 == 0 ? LOAD_ERR_TIMEOUT : LOAD_ERR_NONE);
        if (i % 50 != 0) {
            load_stats_completed(&s, (uint64_t)i * 10000000u + 1000000u);
        }
    }
    load_stats_txn(&s, 0, 5000000, false);
    struct load_summary sum = {.cfg = &cfg, .st = &s, .duration_s = 3, .warmup_s = 1};
    assert_int_equal(load_results_mkdir(dir, err, sizeof(err)), 0);
    assert_int_equal(load_results_write(dir, &sum, &s, err, sizeof(err)), 0);

    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    assert_int_equal(lines_of(path), 1 + 300);
    snprintf(path, sizeof(path), "%s/timeseries.csv", dir);
    assert_int_equal(lines_of(path), 1 + 3);
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "requests")), 300);
    assert_int_equal(json_integer_value(json_object_get(j, "errors")), 6);
    /* rps is achieved (294 answers in 3 s), offered_rps the 300 started. */
    near(json_real_value(json_object_get(j, "rps")), 98, 1e-9);
    near(json_real_value(json_object_get(j, "offered_rps")), 100, 1e-9);
    near(json_real_value(json_object_get(j, "min_second_rps")), 98, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "timeouts"),
                                                        "count")), 6);
    assert_false(json_is_true(json_object_get(j, "partial")));
    json_t *ek = json_object_get(j, "errors_by_kind");
    assert_int_equal(json_integer_value(json_object_get(ek, "timeout")), 6);
    json_t *lat = json_object_get(j, "latency_ms");
    near(json_real_value(json_object_get(lat, "max")), 1.299, 1e-9);
    json_t *txa = json_object_get(json_object_get(j, "transactions"), "a");
    assert_int_equal(json_integer_value(json_object_get(txa, "requests")), 200);
    json_t *steps = json_object_get(txa, "steps");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(steps, "join"),
                                                        "requests")), 100);
    assert_int_equal(json_integer_value(json_object_get(txa, "count")), 1);
    json_t *meta = json_object_get(j, "meta");
    assert_string_equal(json_string_value(json_object_get(meta, "stage")), "99-test");
    assert_string_equal(json_string_value(json_object_get(meta, "scenario")), "mix");
    assert_string_equal(json_string_value(json_object_get(meta, "mode")), "closed");
    json_t *slow = json_array_get(json_object_get(j, "slowest"), 0);
    assert_string_equal(json_string_value(json_object_get(slow, "trace_id")),
                        "0102030405060708090a0b0c0d0e0f10");
    assert_int_equal(json_array_size(json_object_get(j, "latency_distribution")), 15);
    json_decref(j);
    load_stats_release(&s);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles_after_merge),
        cmocka_unit_test(test_failures_and_timeouts_apart),
        cmocka_unit_test(test_samples_are_thinned_to_the_cap),
        cmocka_unit_test(test_long_runs_get_coarser_rows),
        cmocka_unit_test(test_results_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
