/*
 * test_load_assert.c - --assert: terms, units, percentages, and the messages
 * for terms that cannot be read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "load_assert.h"

static struct load_asserts a;
static char err[256];

static const struct load_assert_input run = {
    .latency_ms = {10, 8, 20, 49.5, 80, 120}, /* mean p50 p90 p99 p999 max */
    .requests = 10000, .errors = 5, .rps = 1234, .min_rps = 12, .offered_rps = 1300,
    .timeouts = 2,
};

static unsigned failed(const char *expr)
{
    if (load_assert_parse(expr, &a, err, sizeof(err)) != 0) {
        fail_msg("'%s' did not parse: %s", expr, err);
    }
    return load_assert_check(&a, &run);
}

static void test_terms_hold_or_fail(void **state)
{
    (void)state;
    assert_int_equal(failed("p99<50ms,errors<0.1%"), 0);      /* 49.5 ms, 0.05 % */
    assert_int_equal(failed("p99<49ms"), 1);
    assert_int_equal(failed("p99<0.05s, p50 <= 8, max<120000us"), 1); /* max is 120 ms */
    assert_int_equal(failed("errors<0.01%"), 1);
    assert_int_equal(failed("errors<=5"), 0);
    assert_int_equal(failed("errors<5"), 1);
    assert_int_equal(failed("rps>1000,requests>=10000"), 0);
    assert_int_equal(failed("rps>2000,p999<50,mean<5"), 3);
    /* A stall: the lowest second's rate, the schedule, the timeouts. */
    assert_int_equal(failed("min_rps>100"), 1);
    assert_int_equal(failed("min_rps>=12,offered_rps>1299,timeouts<=2"), 0);
    assert_int_equal(failed("timeouts<1"), 1);
    assert_int_equal(failed(""), 0);
}

static void bad(const char *expr, const char *what)
{
    assert_int_equal(load_assert_parse(expr, &a, err, sizeof(err)), -1);
    if (!strstr(err, what)) {
        fail_msg("'%s': want '%s' in '%s'", expr, what, err);
    }
}

static void test_unreadable_terms(void **state)
{
    (void)state;
    bad("p98<50ms", "unknown metric 'p98'");
    bad("p99=50ms", "no < or >");
    bad("p99<", "no number");
    bad("p99<50%", "unit '%'");
    bad("rps>5ms", "unit 'ms'");
    bad("p99<50ms,,errors<1", "empty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms_hold_or_fail),
        cmocka_unit_test(test_unreadable_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
