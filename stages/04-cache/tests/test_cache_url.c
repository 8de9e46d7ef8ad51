/*
 * test_cache_url.c - the forms --redis / SANTA_REDIS takes, and that a
 * message about a bad one never repeats the password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cache_url.h"

static void test_forms(void **state)
{
    (void)state;
    struct cache_url u;
    char err[256];
    assert_true(cache_url_parse("127.0.0.1:6379", &u, err, sizeof err));
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6379);
    assert_string_equal(u.password, "");
    assert_true(cache_url_parse(":s3cret@127.0.0.2:7000", &u, err, sizeof err));
    assert_string_equal(u.host, "127.0.0.2");
    assert_int_equal(u.port, 7000);
    assert_string_equal(u.password, "s3cret");
    assert_true(cache_url_parse("redis://:a%40b%3Ac@127.0.0.1:6380", &u, err, sizeof err));
    assert_string_equal(u.password, "a@b:c");
    assert_int_equal(u.port, 6380);
    assert_true(cache_url_parse("redis://default:pw@127.0.0.1:1", &u, err, sizeof err));
    assert_string_equal(u.password, "pw");
    /* In the plain form only the last '@' ends the password. */
    assert_true(cache_url_parse(":p@ss@127.0.0.1:6379", &u, err, sizeof err));
    assert_string_equal(u.password, "p@ss");
    assert_true(cache_url_parse("redis://127.0.0.1:6379", &u, err, sizeof err));
    assert_string_equal(u.password, "");
    /* A DNS name: the compose service of the container deployment. */
    assert_true(cache_url_parse(":pw@redis:6379", &u, err, sizeof err));
    assert_string_equal(u.host, "redis");
    assert_true(cache_url_parse("cache-1.santa.internal:6380", &u, err, sizeof err));
    assert_string_equal(u.host, "cache-1.santa.internal");
}

static void test_bad_forms_never_echo_the_password(void **state)
{
    (void)state;
    struct cache_url u;
    char err[256];
    const char *bad[] = {
        ":hunter2@local_host:6379",    ":hunter2@127.0.0.1:0",  ":hunter2@127.0.0.1",
        "admin:hunter2@127.0.0.1:6379", "redis://bob:hunter2@127.0.0.1:1",
        "redis://:hunter2%4@127.0.0.1:1", "hunter2@127.0.0.1:6379", ":@127.0.0.1:6379",
        "-redis:6379", "redis-.lan:6379", "a..b:6379", "127.0.0.1:65536", "127.0.0.1:", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (cache_url_parse(bad[i], &u, err, sizeof err))
            fail_msg("accepted '%s'", bad[i]);
        assert_true(strlen(err) > 0);
        if (strstr(err, "hunter2"))
            fail_msg("the message for '%s' repeats the password: %s", bad[i], err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_bad_forms_never_echo_the_password),
    };
    return cmocka_run_group_tests_name("cache_url", tests, NULL, NULL);
}
