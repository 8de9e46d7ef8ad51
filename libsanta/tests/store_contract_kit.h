/*
 * store_contract_kit.h - what the files of the store conformance suite
 * share: the fixture, the input and check helpers (store_contract_kit.c)
 * and the tests, by operation group (store_contract_exchange.c,
 * _participant.c, _draw.c, _concurrency.c). Internal to the suite; a back
 * end's test program includes store_contract.h only.
 *
 * Worker threads never call cmocka's assertions (they longjmp, which is only
 * safe on the test's own thread): they record what they saw, and the test
 * asserts on it after joining them.
 */
#ifndef SANTA_STORE_CONTRACT_KIT_H
#define SANTA_STORE_CONTRACT_KIT_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/token.h"
#include "store_contract.h"

/* Room for everything one test reads; far more than any test needs, so
 * hitting it means a store returned garbage sizes. */
#define CONTRACT_ARENA_LIMIT (256u << 20)
#define CONTRACT_THREADS 8u
#define CONTRACT_JOINS_PER_THREAD 40u
#define CONTRACT_MAX_PEOPLE 512u

struct contract_fixture {
    const struct santa_store_factory *factory;
    struct santa_store *s;
    struct santa_arena arena; /* holds test inputs and store outputs alike */
    struct santa_rng rng;     /* plans keep a pointer: it must outlive them */
};

/* giver -> receiver, as indices into the test's participant array. */
struct contract_arc {
    uint32_t giver;
    uint32_t receiver;
};

/* Fails with the status words, so a back end's author sees "not_found"
 * rather than "5 != 9". */
#define CONTRACT_EXPECT(expr, want)                                                                \
    do {                                                                                           \
        enum santa_status got_ = (expr);                                                           \
        enum santa_status want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s returned %s, expected %s", #expr, santa_status_code(got_),                \
                     santa_status_code(want_));                                                    \
    } while (0)

#define CONTRACT_OK(expr) CONTRACT_EXPECT(expr, SANTA_OK)

int contract_setup(void **state);
int contract_teardown(void **state);
void contract_copy_id(char dst[SANTA_ID_LEN + 1], const char *src);
char *contract_text(struct santa_arena *a, const char *prefix, unsigned n);
char *contract_concat(struct santa_arena *a, const char *x, const char *y);
char *contract_email_key(struct santa_arena *a, const char *email);
void contract_random_hash(struct santa_hash *h);
void contract_unknown_id(char id[SANTA_ID_LEN + 1]);
void contract_exchange_new(struct contract_fixture *fx, struct santa_exchange *ex, const char *name,
                           bool no_mutual);
enum santa_status contract_try_join(struct santa_store *s, struct santa_arena *a,
                                    const char *exchange_id, const char *name, const char *email,
                                    const char *wishlist, uint32_t max,
                                    struct santa_participant *p);
void contract_join(struct contract_fixture *fx, const char *exchange_id, unsigned n,
                   struct santa_participant *p);
void contract_join_many(struct contract_fixture *fx, const char *exchange_id, unsigned first,
                        unsigned n, struct santa_participant *ps);
enum santa_status contract_draw(struct contract_fixture *fx, const char *exchange_id);
void contract_exclude(struct contract_fixture *fx, const char *exchange_id,
                      const struct santa_participant *giver,
                      const struct santa_participant *receiver, bool mutual);
void contract_set_wishlist(struct contract_fixture *fx, struct santa_participant *p,
                           const char *wishlist);
void contract_assert_hash(const struct santa_hash *want, const struct santa_hash *got);
void contract_assert_exchange(const struct santa_exchange *want, const struct santa_exchange *got,
                              bool drawn, uint32_t count);
void contract_check_exchange(struct contract_fixture *fx, const struct santa_exchange *want,
                             bool drawn, uint32_t count);
void contract_assert_participant(const struct santa_participant *want,
                                 const struct santa_participant *got);
void contract_check_participant(struct contract_fixture *fx, const struct santa_participant *want);
uint32_t contract_list_all(struct contract_fixture *fx, const char *exchange_id, uint32_t limit,
                           struct santa_participant *out, uint32_t cap);
uint32_t contract_index_of(const struct santa_participant *ps, uint32_t n, const char *id);
void contract_check_draw(struct contract_fixture *fx, const char *exchange_id,
                         const struct santa_participant *ps, uint32_t n,
                         const struct contract_arc *excluded, size_t excluded_n, bool no_mutual,
                         uint32_t *recipient);
void contract_check_not_drawn(struct contract_fixture *fx, const char *exchange_id,
                              const struct santa_participant *ps, uint32_t n);

/* The tests, in the order the suite runs them. */
void test_ping(void **state);
void test_exchange_round_trip(void **state);
void test_participant_count_follows_joins(void **state);
void test_principal_find(void **state);
void test_join_and_get(void **state);
void test_join_email_taken(void **state);
void test_join_exchange_full(void **state);
void test_join_unknown_exchange(void **state);
void test_drawn_exchange_refuses_changes(void **state);
void test_unknown_ids_are_not_found(void **state);
void test_text_round_trips_exactly(void **state);
void test_participant_paging(void **state);
void test_remove_participant(void **state);
void test_wishlist_before_and_after_draw(void **state);
void test_exclusion_one_way_and_idempotent(void **state);
void test_exclusion_mutual(void **state);
void test_draw_no_mutual(void **state);
void test_draw_too_few(void **state);
void test_draw_infeasible_leaves_exchange_open(void **state);
void test_draw_undraw_cycle(void **state);
void test_reminders_queue(void **state);
void test_durability(void **state);
void test_concurrent_joins_lose_nothing(void **state);
void test_concurrent_same_email_one_wins(void **state);
void test_concurrent_joins_respect_the_limit(void **state);
void test_concurrent_draws_one_wins(void **state);

#endif /* SANTA_STORE_CONTRACT_KIT_H */
