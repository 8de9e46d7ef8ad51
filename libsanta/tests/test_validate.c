/*
 * test_validate.c - API.md's content rules (validate.c), at their edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

static bool name_ok(const char *s)
{
    return santa_valid_name(s, strlen(s));
}

static bool email_ok(const char *s)
{
    return santa_valid_email(s, strlen(s));
}

static bool date_ok(const char *s)
{
    return santa_valid_date(s, strlen(s));
}

/* Appends s to the NUL-terminated buf (callers size buf generously). */
static void cat(char *buf, const char *s)
{
    size_t n = strlen(buf), k = strlen(s);
    memcpy(buf + n, s, k + 1);
}

static void repeat(char *buf, const char *unit, int times)
{
    buf[0] = '\0';
    for (int i = 0; i < times; i++)
        cat(buf, unit);
}

static void test_names(void **state)
{
    (void)state;
    char buf[2048];
    assert_true(name_ok("A"));
    assert_true(name_ok("Zoë O'Brien, \"Z\""));
    assert_false(name_ok(""));
    assert_false(name_ok("   "));
    assert_false(name_ok("a\nb"));
    assert_false(name_ok("tab\there"));
    repeat(buf, "x", 100);
    assert_true(name_ok(buf));
    repeat(buf, "x", 101);
    assert_false(name_ok(buf));
    /* 100 characters of 4 bytes each are still 100 characters */
    repeat(buf, "\xf0\x9f\x8e\x85", 100);
    assert_true(name_ok(buf));
    repeat(buf, "\xf0\x9f\x8e\x85", 101);
    assert_false(name_ok(buf));
}

static void test_emails(void **state)
{
    (void)state;
    char buf[512];
    assert_true(email_ok("a@b.co"));
    assert_true(email_ok("first.last+tag@mail.example.org"));
    assert_false(email_ok("no-at.example.org"));
    assert_false(email_ok("two@@example.org"));
    assert_false(email_ok("a@b@example.org"));
    assert_false(email_ok("@example.org"));
    assert_false(email_ok("a@localhost"));
    assert_false(email_ok("a@.org"));
    assert_false(email_ok("a@example."));
    assert_false(email_ok("a b@example.org"));
    assert_false(email_ok("a@exa\nmple.org"));
    repeat(buf, "x", 64);
    cat(buf, "@example.org");
    assert_true(email_ok(buf));
    repeat(buf, "x", 65);
    cat(buf, "@example.org");
    assert_false(email_ok(buf)); /* local part over 64 */
    repeat(buf, "x", 60);
    cat(buf, "@");
    while (strlen(buf) < 252) /* then "org" makes it 255 or 256 */
        cat(buf, "d.");
    cat(buf, "org");
    assert_false(email_ok(buf)); /* over 254 */
}

static void test_dates(void **state)
{
    (void)state;
    assert_true(date_ok("2026-12-24"));
    assert_true(date_ok("2024-02-29"));
    assert_true(date_ok("2000-02-29"));
    assert_false(date_ok("2100-02-29"));
    assert_false(date_ok("2026-02-29"));
    assert_false(date_ok("2026-13-01"));
    assert_false(date_ok("2026-00-10"));
    assert_false(date_ok("2026-04-31"));
    assert_false(date_ok("2026-4-30"));
    assert_false(date_ok("26-04-30"));
    assert_false(date_ok("2026/04/30"));
    assert_false(date_ok("2026-04-3x"));
    assert_false(date_ok("0000-01-01"));
}

static void test_text_and_key(void **state)
{
    (void)state;
    char buf[9000];
    repeat(buf, "\xc3\xa9", 2000);
    assert_true(santa_valid_text(buf, strlen(buf), 2000));
    cat(buf, "x");
    assert_false(santa_valid_text(buf, strlen(buf), 2000));
    assert_int_equal(santa_utf8_chars("a\xc3\xa9\xf0\x9f\x8e\x85", 7), 3);

    struct santa_arena a;
    santa_arena_init(&a, 4096);
    char *key = santa_email_key(&a, "Zoe.Q@Example.ORG", 17);
    assert_string_equal(key, "zoe.q@example.org");
    santa_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_emails),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_text_and_key),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
