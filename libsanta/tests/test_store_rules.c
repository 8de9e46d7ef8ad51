/*
 * test_store_rules.c - the decisions every store shares
 * (santa/store_rules.h): which refusal wins, and the reveal's row read
 * strictly (a damaged row is UNAVAILABLE, never a half-filled answer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "santa/store_rules.h"

#define GIVER "AAAAAAAAAAAAAAAAAAAAAA"
#define RECIPIENT "BBBBBBBBBBBBBBBBBBBBBB"

static struct santa_col col(const char *s)
{
    return (struct santa_col){s, s ? strlen(s) : 0};
}

static void test_join_refusals_in_order(void **state)
{
    (void)state;
    struct santa_exchange_state open = {.participants = 2}, drawn = {.drawn = true};
    assert_int_equal(santa_rule_join(&open, false, 3), SANTA_OK);
    assert_int_equal(santa_rule_join(&open, false, 2), SANTA_EXCHANGE_FULL);
    assert_int_equal(santa_rule_join(&open, true, 2), SANTA_EMAIL_TAKEN);
    assert_int_equal(santa_rule_join(&drawn, true, 0), SANTA_ALREADY_DRAWN);
}

static void test_remove_and_exclusion(void **state)
{
    (void)state;
    struct santa_exchange_state open = {0}, drawn = {.drawn = true};
    assert_int_equal(santa_rule_remove(&open, true), SANTA_OK);
    assert_int_equal(santa_rule_remove(&drawn, false), SANTA_NOT_FOUND);
    assert_int_equal(santa_rule_remove(&drawn, true), SANTA_ALREADY_DRAWN);
    assert_int_equal(santa_rule_exclusion(&open, true, true), SANTA_OK);
    assert_int_equal(santa_rule_exclusion(&drawn, true, false), SANTA_NOT_FOUND);
    assert_int_equal(santa_rule_exclusion(&drawn, false, true), SANTA_NOT_FOUND);
    assert_int_equal(santa_rule_exclusion(&drawn, true, true), SANTA_ALREADY_DRAWN);
}

static enum santa_status reveal(const struct santa_reveal_row *row, struct santa_assignment *out)
{
    struct santa_arena a;
    santa_arena_init(&a, 4096);
    enum santa_status st = santa_reveal_read("test", "exchange", GIVER, row, &a, out);
    if (st == SANTA_OK) {
        /* Copied into the arena: the row's buffers may go. */
        assert_string_equal(out->giver_name, "Ann");
        assert_string_equal(out->recipient_name, "Bob");
        assert_string_equal(out->recipient_wishlist, "");
    }
    santa_arena_release(&a);
    return st;
}

static void test_reveal(void **state)
{
    (void)state;
    struct santa_assignment out;
    struct santa_reveal_row ok = {true, col("Ann"), col(RECIPIENT), col("Bob"), col("")};
    assert_int_equal(reveal(&ok, &out), SANTA_OK);
    assert_string_equal(out.giver_id, GIVER);
    assert_string_equal(out.recipient_id, RECIPIENT);

    assert_int_equal(reveal(NULL, &out), SANTA_NOT_FOUND); /* no exchange */
    struct santa_reveal_row r = ok;
    r.giver_name = col(NULL); /* no such giver, even once drawn */
    assert_int_equal(reveal(&r, &out), SANTA_NOT_FOUND);
    r = ok;
    r.drawn = false;
    r.recipient_id = col(NULL);
    assert_int_equal(reveal(&r, &out), SANTA_NOT_DRAWN);
    r.drawn = true; /* drawn, yet no assignment: damaged */
    assert_int_equal(reveal(&r, &out), SANTA_UNAVAILABLE);
    r = ok;
    r.recipient_id = col("short");
    assert_int_equal(reveal(&r, &out), SANTA_UNAVAILABLE);
    r = ok;
    r.recipient_wishlist = col(NULL);
    assert_int_equal(reveal(&r, &out), SANTA_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_refusals_in_order),
        cmocka_unit_test(test_remove_and_exclusion),
        cmocka_unit_test(test_reveal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
