/*
 * test_ratelimit.c - the per-address token buckets (ratelimit.c), with the
 * clock driven by the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "ratelimit.h"

#define S 1000000000ull /* one second in ns */

static void test_burst_then_refill(void **state)
{
    (void)state;
    struct santa_ratelimit *rl = santa_ratelimit_new(6, false); /* one every 10 s */
    assert_non_null(rl);
    uint64_t t = 100 * S;
    for (int i = 0; i < 6; i++)
        assert_int_equal(santa_ratelimit_take(rl, "192.0.2.1", t), 0);
    assert_int_equal(santa_ratelimit_take(rl, "192.0.2.1", t), 10); /* Retry-After */
    assert_int_equal(santa_ratelimit_take(rl, "192.0.2.1", t + 4 * S), 6);
    /* another address has its own bucket */
    assert_int_equal(santa_ratelimit_take(rl, "192.0.2.2", t), 0);
    /* refills at 6 a minute, even when asked every 100 ms in between */
    uint64_t u = t + 4 * S;
    for (; u < t + 10 * S - S / 10; u += S / 10)
        assert_true(santa_ratelimit_take(rl, "192.0.2.1", u) > 0);
    assert_int_equal(santa_ratelimit_take(rl, "192.0.2.1", t + 10 * S), 0);
    assert_true(santa_ratelimit_take(rl, "192.0.2.1", t + 10 * S) > 0);
    /* never more than the burst, however long the pause */
    uint64_t later = t + 3600 * S;
    for (int i = 0; i < 6; i++)
        assert_int_equal(santa_ratelimit_take(rl, "192.0.2.1", later), 0);
    assert_true(santa_ratelimit_take(rl, "192.0.2.1", later) > 0);
    santa_ratelimit_free(rl);
}

static void test_loopback_exempt_unless_asked(void **state)
{
    (void)state;
    struct santa_ratelimit *rl = santa_ratelimit_new(1, false);
    const char *loop[] = {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 10; i++)
            assert_int_equal(santa_ratelimit_take(rl, loop[k], S), 0);
    assert_int_equal(santa_ratelimit_take(rl, "2001:db8::1", S), 0);
    assert_int_equal(santa_ratelimit_take(rl, "2001:db8::1", S), 60);
    santa_ratelimit_free(rl);
    rl = santa_ratelimit_new(1, true);
    assert_int_equal(santa_ratelimit_take(rl, "127.0.0.1", S), 0);
    assert_int_equal(santa_ratelimit_take(rl, "127.0.0.1", S), 60);
    /* IPv4 and its IPv6-mapped form are one client */
    assert_int_equal(santa_ratelimit_take(rl, "::ffff:127.0.0.1", S), 60);
    santa_ratelimit_free(rl);
    assert_null(santa_ratelimit_new(0, false)); /* 0: no limit */
    assert_int_equal(santa_ratelimit_take(NULL, "192.0.2.1", S), 0);
}

/* Far more addresses than buckets: memory stays fixed, and a client under
 * its limit is never refused because of the others. */
static void test_table_full(void **state)
{
    (void)state;
    struct santa_ratelimit *rl = santa_ratelimit_new(2, false);
    char addr[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        assert_int_equal(santa_ratelimit_take(rl, addr, S + (uint64_t)i), 0);
    }
    santa_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_loopback_exempt_unless_asked),
        cmocka_unit_test(test_table_full),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
