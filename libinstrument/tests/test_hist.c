/*
 * test_hist.c - the log-linear histogram against exact answers.
 *
 * Random data (log-uniform from 1 us to 60 s, plus narrow clusters) is kept
 * sorted beside the histogram; every percentile must be within 1 % of the
 * nearest-rank value of the sorted array, and count/sum/min/max exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#include <cmocka.h>

#include "instrument/hist.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void)
{
    /* splitmix64: reproducible, seedable, good enough for test data */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    if (p <= 0.0)
        return sorted[0];
    double r = ceil(p / 100.0 * (double)n);
    size_t rank = r < 1.0 ? 1 : (size_t)r;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void check_against_exact(struct inst_hist *h, uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    assert_int_equal(inst_hist_count(h), n);
    assert_int_equal(inst_hist_sum(h), sum);
    assert_int_equal(inst_hist_min(h), v[0]);
    assert_int_equal(inst_hist_max(h), v[n - 1]);
    assert_true(fabs(inst_hist_mean(h) - (double)sum / (double)n) < 1e-6 * (double)sum / (double)n);
    double worst = 0.0;
    for (double p = 0.0; p <= 100.0; p += 0.25) {
        uint64_t want = exact_percentile(v, n, p);
        uint64_t got = inst_hist_percentile(h, p);
        double err = fabs((double)got - (double)want) / (double)want;
        if (err > worst)
            worst = err;
        if (err > 0.01)
            fail_msg("p%.2f: got %llu want %llu (error %.4f)", p, (unsigned long long)got,
                     (unsigned long long)want, err);
    }
    for (double p = 99.0; p < 100.0; p += 0.01) {
        uint64_t want = exact_percentile(v, n, p);
        uint64_t got = inst_hist_percentile(h, p);
        assert_true(fabs((double)got - (double)want) <= 0.01 * (double)want);
    }
    print_message("n=%zu worst relative error %.5f\n", n, worst);
}

static void test_error_bound_log_uniform(void **state)
{
    (void)state;
    static struct inst_hist h;
    inst_hist_init(&h);
    size_t n = 200000;
    uint64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    const double lo = log(1e3), hi = log(60e9);
    for (size_t i = 0; i < n; i++) {
        v[i] = (uint64_t)exp(lo + (hi - lo) * rng_unit());
        inst_hist_record(&h, v[i]);
    }
    check_against_exact(&h, v, n);
    free(v);
}

static void test_error_bound_clusters(void **state)
{
    (void)state;
    /* Realistic latencies: a tight cluster around 180 us, a tail near 3 ms and rare 2 s. */
    static struct inst_hist h;
    inst_hist_init(&h);
    size_t n = 50000;
    uint64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        double u = rng_unit();
        double base = u < 0.9 ? 180e3 : u < 0.999 ? 3e6 : 2e9;
        v[i] = (uint64_t)(base * (0.9 + 0.2 * rng_unit()));
        inst_hist_record(&h, v[i]);
    }
    check_against_exact(&h, v, n);
    free(v);
}

static void test_small_values_exact(void **state)
{
    (void)state;
    static struct inst_hist h;
    inst_hist_init(&h);
    for (uint64_t i = 1; i <= 255; i++)
        inst_hist_record(&h, i);
    /* below 256 ns every value has a bucket of width one */
    assert_int_equal(inst_hist_percentile(&h, 50.0), 128);
    assert_int_equal(inst_hist_count_le(&h, 100), 100);
    assert_int_equal(inst_hist_count_le(&h, 0), 0);
}

static void test_empty_and_extremes(void **state)
{
    (void)state;
    static struct inst_hist h;
    inst_hist_init(&h);
    assert_int_equal(inst_hist_count(&h), 0);
    assert_int_equal(inst_hist_min(&h), 0);
    assert_int_equal(inst_hist_max(&h), 0);
    assert_int_equal(inst_hist_percentile(&h, 50.0), 0);
    assert_true(inst_hist_mean(&h) == 0.0);

    /* values above the bucket range clamp into the top bucket; max stays exact */
    uint64_t huge = UINT64_C(3600) * 1000000000u;
    inst_hist_record(&h, huge);
    inst_hist_record(&h, 0);
    assert_int_equal(inst_hist_max(&h), huge);
    assert_int_equal(inst_hist_min(&h), 0);
    assert_int_equal(inst_hist_percentile(&h, 100.0), huge);
    assert_int_equal(inst_hist_percentile(&h, 0.0), 0);
    assert_int_equal(inst_hist_percentile(&h, 50.0), 0);
    assert_int_equal(inst_hist_count_le(&h, 1000), 1);

    /* re-init discards everything */
    inst_hist_init(&h);
    assert_int_equal(inst_hist_count(&h), 0);
}

static void test_merge_equals_single(void **state)
{
    (void)state;
    static struct inst_hist a, b, all, merged;
    inst_hist_init(&a);
    inst_hist_init(&b);
    inst_hist_init(&all);
    inst_hist_init(&merged);
    for (int i = 0; i < 10000; i++) {
        uint64_t x = 1000 + rng_next() % 50000000;
        inst_hist_record(i % 3 ? &a : &b, x);
        inst_hist_record(&all, x);
    }
    inst_hist_merge(&merged, &a);
    inst_hist_merge(&merged, &b);
    assert_int_equal(inst_hist_count(&merged), inst_hist_count(&all));
    assert_int_equal(inst_hist_sum(&merged), inst_hist_sum(&all));
    assert_int_equal(inst_hist_min(&merged), inst_hist_min(&all));
    assert_int_equal(inst_hist_max(&merged), inst_hist_max(&all));
    for (double p = 0; p <= 100; p += 1)
        assert_int_equal(inst_hist_percentile(&merged, p), inst_hist_percentile(&all, p));
    for (uint64_t le = 1000; le < 60000000; le *= 3)
        assert_int_equal(inst_hist_count_le(&merged, le), inst_hist_count_le(&all, le));
}

static void test_count_le_brackets(void **state)
{
    (void)state;
    static struct inst_hist h;
    inst_hist_init(&h);
    uint64_t v[1000];
    for (int i = 0; i < 1000; i++) {
        v[i] = 1000 + rng_next() % 10000000;
        inst_hist_record(&h, v[i]);
    }
    for (uint64_t le = 1000; le < 20000000; le = le * 5 / 4) {
        uint64_t below = 0, below_wide = 0;
        for (int i = 0; i < 1000; i++) {
            below += v[i] <= le;
            below_wide += (double)v[i] <= (double)le * 0.99;
        }
        uint64_t got = inst_hist_count_le(&h, le);
        assert_true(got <= below);
        assert_true(got >= below_wide);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_bound_log_uniform),
        cmocka_unit_test(test_error_bound_clusters),
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_empty_and_extremes),
        cmocka_unit_test(test_merge_equals_single),
        cmocka_unit_test(test_count_le_brackets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
