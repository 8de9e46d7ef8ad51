/*
 * test_report_stats.c - batch means and Welch's t-test (report_stats.h): an
 * interval of known width, a real difference found, noise not called one,
 * and too-short runs given no verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>

#include <cmocka.h>

#include "report_stats.h"

static void test_interval(void **state)
{
    (void)state;
    /* 20 seconds: batches of 2; batch means 1,2,...,10 -> mean 5.5, sd 3.028. */
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = (double)(i / 2 + 1);
    struct report_ci ci = report_batch_ci(v, 20);
    assert_int_equal(ci.batches, 10);
    assert_true(fabs(ci.mean - 5.5) < 1e-12);
    assert_true(fabs(ci.var - 55.0 / 6) < 1e-12);
    assert_true(fabs(ci.half - 2.262 * sqrt(55.0 / 6 / 10)) < 1e-9);
    /* Too short for an interval. */
    assert_int_equal(report_batch_ci(v, 3).batches, 0);
    assert_int_equal(report_batch_ci(v, 4).batches, 4);
}

static void test_welch(void **state)
{
    (void)state;
    double a[30], b[30], c[30];
    for (int i = 0; i < 30; i++) {
        double noise = (i * 7 % 11) - 5; /* the same wiggle in every run */
        a[i] = 1000 + noise;
        b[i] = 1000 + noise * 1.1 + ((i % 2) ? 1 : -1); /* no real change */
        c[i] = 1100 + noise;                            /* 10 % more */
    }
    struct report_ci ca = report_batch_ci(a, 30), cb = report_batch_ci(b, 30),
                     cc = report_batch_ci(c, 30);
    double t;
    assert_false(report_significant(&cb, &ca, &t));
    assert_true(report_significant(&cc, &ca, &t));
    assert_true(t > 0);
    struct report_ci none = {0};
    assert_false(report_significant(&none, &ca, &t));
    assert_true(report_t95(1) == 12.706 && report_t95(9) == 2.262 && report_t95(100) == 1.96);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_welch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
