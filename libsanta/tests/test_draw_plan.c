/*
 * test_draw_plan.c - ids and names through the plan a store feeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/draw_plan.h"
#include "test_rng.h"

static void id_of(char *buf, size_t len, uint32_t i)
{
    snprintf(buf, len, "id%019u", i); /* 22 characters like real ids */
}

static void test_pairs_are_a_bijection_over_ids(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 1);
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    assert_non_null(plan);
    const uint32_t n = 5000;
    char id[32], other[32], name[32];
    for (int round = 0; round < 2; round++) { /* begin() resets for a retried transaction */
        santa_draw_plan_begin(plan, round == 1);
        for (uint32_t i = 0; i < n; i++) {
            id_of(id, sizeof id, i);
            snprintf(name, sizeof name, "Person %u", i);
            assert_int_equal(santa_draw_plan_add_participant(plan, id, name), SANTA_OK);
        }
        for (uint32_t i = 0; i + 1 < n; i += 2) { /* i may not give to i + 1 */
            id_of(id, sizeof id, i);
            id_of(other, sizeof other, i + 1);
            assert_int_equal(santa_draw_plan_add_exclusion(plan, id, other), SANTA_OK);
        }
        assert_int_equal(santa_draw_plan_count(plan), n);
        assert_int_equal(santa_draw_plan_solve(plan), SANTA_OK);
        char *taken = calloc(n, 1);
        assert_non_null(taken);
        for (uint32_t i = 0; i < n; i++) {
            const char *g, *r;
            santa_draw_plan_pair(plan, i, &g, &r);
            id_of(id, sizeof id, i);
            assert_string_equal(g, id); /* join order kept */
            assert_string_not_equal(g, r);
            uint32_t ri = (uint32_t)strtoul(r + 2, NULL, 10);
            assert_true(ri < n);
            assert_false(taken[ri]);
            taken[ri] = 1;
            if (i % 2 == 0)
                assert_int_not_equal(ri, i + 1);
        }
        free(taken);
    }
    santa_draw_plan_free(plan);
}

static void test_unknown_ids_and_repeats_are_ignored(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 2);
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    santa_draw_plan_begin(plan, false);
    assert_int_equal(santa_draw_plan_add_participant(plan, "a", "Ann"), SANTA_OK);
    assert_int_equal(santa_draw_plan_add_participant(plan, "b", "Bob"), SANTA_OK);
    assert_int_equal(santa_draw_plan_add_participant(plan, "a", "Ann"), SANTA_OK);
    assert_int_equal(santa_draw_plan_count(plan), 2);
    assert_int_equal(santa_draw_plan_add_exclusion(plan, "gone", "a"), SANTA_OK);
    assert_int_equal(santa_draw_plan_solve(plan), SANTA_TOO_FEW_PARTICIPANTS);
    assert_non_null(strstr(santa_draw_plan_detail(plan), "at least 3"));
    assert_int_equal(santa_draw_plan_add_participant(plan, "c", "Cy"), SANTA_OK);
    assert_int_equal(santa_draw_plan_solve(plan), SANTA_OK);
    santa_draw_plan_free(plan);
}

static void test_detail_names_who_blocks(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 3);
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    const char *ids[] = {"p0", "p1", "p2", "p3"};
    const char *names[] = {"Ann", "Bob, Jr.", "Cy", "Dee"};
    santa_draw_plan_begin(plan, false);
    for (int i = 0; i < 4; i++)
        santa_draw_plan_add_participant(plan, ids[i], names[i]);
    for (int i = 0; i < 4; i++)
        if (i != 1)
            santa_draw_plan_add_exclusion(plan, "p1", ids[i]);
    assert_int_equal(santa_draw_plan_solve(plan), SANTA_DRAW_INFEASIBLE);
    assert_non_null(strstr(santa_draw_plan_detail(plan), "leave Bob, Jr. nobody to give to"));

    santa_draw_plan_begin(plan, true); /* 3 people with no_mutual: two 3-cycles exist */
    for (int i = 0; i < 3; i++)
        santa_draw_plan_add_participant(plan, ids[i], names[i]);
    assert_int_equal(santa_draw_plan_solve(plan), SANTA_OK);
    assert_string_equal(santa_draw_plan_detail(plan), "");

    santa_draw_plan_begin(plan, true); /* 4 people, Ann and Cy may only give to Bob */
    for (int i = 0; i < 4; i++)
        santa_draw_plan_add_participant(plan, ids[i], names[i]);
    santa_draw_plan_add_exclusion(plan, "p0", "p2");
    santa_draw_plan_add_exclusion(plan, "p0", "p3");
    santa_draw_plan_add_exclusion(plan, "p2", "p0");
    santa_draw_plan_add_exclusion(plan, "p2", "p3");
    assert_int_equal(santa_draw_plan_solve(plan), SANTA_DRAW_INFEASIBLE);
    assert_non_null(strstr(santa_draw_plan_detail(plan), "cannot be matched"));
    santa_draw_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_are_a_bijection_over_ids),
        cmocka_unit_test(test_unknown_ids_and_repeats_are_ignored),
        cmocka_unit_test(test_detail_names_who_blocks),
    };
    return cmocka_run_group_tests_name("draw_plan", tests, NULL, NULL);
}
