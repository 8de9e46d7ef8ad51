/*
 * store_contract.c - the conformance suite of store.h (see store_contract.h).
 *
 * Every test opens a fresh store through the factory, so tests never depend
 * on each other and a back end can be debugged one test at a time. The suite
 * checks only what store.h promises: where store.h leaves an order of checks
 * open (say, an unknown participant of a drawn exchange: NOT_FOUND or
 * ALREADY_DRAWN?) no test depends on it.
 *
 * The tests live by operation group in store_contract_exchange.c,
 * _participant.c, _draw.c and _concurrency.c; store_contract_kit.c holds
 * their fixture and helpers.
 */
#include <stdint.h>

#include "store_contract_kit.h"

int santa_store_contract_run(const struct santa_store_factory *factory)
{
    if (santa_token_init() != SANTA_OK) {
        print_error("libsodium did not initialise\n");
        return 1;
    }
    /* The factory rides in as each test's initial state; setup swaps it for
     * a fixture holding a fresh store. */
    void *f = (void *)(uintptr_t)factory;
#define CONTRACT_TEST(t)                                                                           \
    cmocka_unit_test_prestate_setup_teardown(t, contract_setup, contract_teardown, f)
    const struct CMUnitTest tests[] = {
        CONTRACT_TEST(test_ping),
        CONTRACT_TEST(test_exchange_round_trip),
        CONTRACT_TEST(test_participant_count_follows_joins),
        CONTRACT_TEST(test_principal_find),
        CONTRACT_TEST(test_join_and_get),
        CONTRACT_TEST(test_join_email_taken),
        CONTRACT_TEST(test_join_exchange_full),
        CONTRACT_TEST(test_join_unknown_exchange),
        CONTRACT_TEST(test_drawn_exchange_refuses_changes),
        CONTRACT_TEST(test_unknown_ids_are_not_found),
        CONTRACT_TEST(test_text_round_trips_exactly),
        CONTRACT_TEST(test_participant_paging),
        CONTRACT_TEST(test_remove_participant),
        CONTRACT_TEST(test_wishlist_before_and_after_draw),
        CONTRACT_TEST(test_exclusion_one_way_and_idempotent),
        CONTRACT_TEST(test_exclusion_mutual),
        CONTRACT_TEST(test_draw_no_mutual),
        CONTRACT_TEST(test_draw_too_few),
        CONTRACT_TEST(test_draw_infeasible_leaves_exchange_open),
        CONTRACT_TEST(test_draw_undraw_cycle),
        CONTRACT_TEST(test_reminders_queue),
        CONTRACT_TEST(test_durability),
        CONTRACT_TEST(test_concurrent_joins_lose_nothing),
        CONTRACT_TEST(test_concurrent_same_email_one_wins),
        CONTRACT_TEST(test_concurrent_joins_respect_the_limit),
        CONTRACT_TEST(test_concurrent_draws_one_wins),
    };
#undef CONTRACT_TEST
    return cmocka_run_group_tests_name(factory->name, tests, NULL, NULL);
}
