/*
 * store_contract_participant.c - the conformance suite: paging, removal, wishlists, exclusions.
 */
#include "store_contract_kit.h"

/* ---- paging ---- */

void test_participant_paging(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, other;
    contract_exchange_new(fx, &ex, "pages", false);
    contract_exchange_new(fx, &other, "other", false);
    struct santa_participant ps[7], qs[7];
    /* interleaved with another exchange, so seqs of ex have gaps */
    for (unsigned i = 0; i < 7; i++) {
        contract_join(fx, ex.id, i, &ps[i]);
        contract_join(fx, other.id, 100 + i, &qs[i]);
    }
    struct santa_participant_page page;
    const struct santa_store_ops *ops = fx->s->ops;

    CONTRACT_OK(ops->participant_list(fx->s, ex.id, 0, 3, &fx->arena, &page));
    assert_int_equal(page.count, 3);
    for (unsigned i = 0; i < 3; i++)
        contract_assert_participant(&ps[i], &page.items[i]);
    assert_int_equal(page.next_seq, ps[2].seq);

    CONTRACT_OK(ops->participant_list(fx->s, ex.id, page.next_seq, 3, &fx->arena, &page));
    assert_int_equal(page.count, 3);
    for (unsigned i = 0; i < 3; i++)
        contract_assert_participant(&ps[3 + i], &page.items[i]);
    assert_int_equal(page.next_seq, ps[5].seq);

    CONTRACT_OK(ops->participant_list(fx->s, ex.id, page.next_seq, 3, &fx->arena, &page));
    assert_int_equal(page.count, 1);
    contract_assert_participant(&ps[6], &page.items[0]);
    assert_int_equal(page.next_seq, 0);

    /* a page that ends exactly at the last participant says "no more" */
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, 0, 7, &fx->arena, &page));
    assert_int_equal(page.count, 7);
    assert_int_equal(page.next_seq, 0);
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, 0, 6, &fx->arena, &page));
    assert_int_equal(page.count, 6);
    assert_int_equal(page.next_seq, ps[5].seq);
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, 0, SANTA_PAGE_MAX, &fx->arena, &page));
    assert_int_equal(page.count, 7);
    assert_int_equal(page.next_seq, 0);
    /* A cursor that is no participant's seq of this exchange: qs[3] joined
     * between ps[3] and ps[4], so whether seq counts store-wide or per
     * exchange, what follows it is ps[4..6]. */
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, qs[3].seq, SANTA_PAGE_MAX, &fx->arena, &page));
    assert_int_equal(page.count, 3);
    contract_assert_participant(&ps[4], &page.items[0]);
    /* past the end */
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, ps[6].seq, 3, &fx->arena, &page));
    assert_int_equal(page.count, 0);
    assert_int_equal(page.next_seq, 0);

    /* removal keeps everyone else's order and seq */
    CONTRACT_OK(ops->participant_remove(fx->s, ex.id, ps[1].id));
    struct santa_participant listed[7];
    assert_int_equal(contract_list_all(fx, ex.id, 3, listed, 7), 6);
    const unsigned kept[6] = {0, 2, 3, 4, 5, 6};
    for (unsigned i = 0; i < 6; i++)
        contract_assert_participant(&ps[kept[i]], &listed[i]);
    /* six in pages of three: the second page is the last */
    CONTRACT_OK(ops->participant_list(fx->s, ex.id, ps[3].seq, 3, &fx->arena, &page));
    assert_int_equal(page.count, 3);
    assert_int_equal(page.next_seq, 0);
    /* the other exchange is untouched */
    assert_int_equal(contract_list_all(fx, other.id, 2, listed, 7), 7);
    for (unsigned i = 0; i < 7; i++)
        contract_assert_participant(&qs[i], &listed[i]);

    /* an empty exchange lists nothing */
    struct santa_exchange empty;
    contract_exchange_new(fx, &empty, "empty", false);
    CONTRACT_OK(ops->participant_list(fx->s, empty.id, 0, 10, &fx->arena, &page));
    assert_int_equal(page.count, 0);
    assert_int_equal(page.next_seq, 0);
}

/* ---- removal ---- */

void test_remove_participant(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "remove", false);
    struct santa_participant ps[5];
    contract_join_many(fx, ex.id, 0, 5, ps);
    /* Everyone refuses to give to ps[4]: no draw can exist while they are in. */
    for (unsigned i = 0; i < 4; i++)
        contract_exclude(fx, ex.id, &ps[i], &ps[4], false);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_DRAW_INFEASIBLE);

    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ps[4].id));
    struct santa_participant got;
    CONTRACT_EXPECT(fx->s->ops->participant_get(fx->s, ex.id, ps[4].id, &fx->arena, &got),
                    SANTA_NOT_FOUND);
    CONTRACT_EXPECT(fx->s->ops->participant_remove(fx->s, ex.id, ps[4].id), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(fx->s->ops->wishlist_set(fx->s, ex.id, ps[4].id, "x"), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(fx->s->ops->exclusion_add(fx->s, ex.id, ps[0].id, ps[4].id, false),
                    SANTA_NOT_FOUND);
    contract_check_exchange(fx, &ex, false, 4);

    /* With them and their exclusions gone, the draw works. */
    CONTRACT_OK(contract_draw(fx, ex.id));
    uint32_t recipient[4];
    contract_check_draw(fx, ex.id, ps, 4, NULL, 0, false, recipient);
    struct santa_assignment as;
    CONTRACT_EXPECT(fx->s->ops->assignment_get(fx->s, ex.id, ps[4].id, &fx->arena, &as),
                    SANTA_NOT_FOUND);
}

/* ---- wishlists ---- */

void test_wishlist_before_and_after_draw(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "wishes", false);
    struct santa_participant ps[4];
    contract_join_many(fx, ex.id, 0, 4, ps);
    contract_set_wishlist(fx, &ps[0], "a bike");
    contract_set_wishlist(fx, &ps[1], "socks");
    contract_set_wishlist(fx, &ps[1], "better socks"); /* replaces, not appends */
    for (unsigned i = 0; i < 4; i++)
        contract_check_participant(fx, &ps[i]);

    CONTRACT_OK(contract_draw(fx, ex.id));
    uint32_t recipient[4];
    contract_check_draw(fx, ex.id, ps, 4, NULL, 0, false, recipient);

    /* after the draw: allowed, and the giver sees the new list */
    contract_set_wishlist(fx, &ps[0], "a tandem");
    contract_set_wishlist(fx, &ps[1], "");
    contract_set_wishlist(fx, &ps[2], "books, \"good\" ones");
    contract_set_wishlist(fx, &ps[3], "tea\nand biscuits");
    for (unsigned i = 0; i < 4; i++)
        contract_check_participant(fx, &ps[i]);
    uint32_t again[4];
    contract_check_draw(fx, ex.id, ps, 4, NULL, 0, false, again);
    assert_memory_equal(recipient, again, sizeof recipient); /* wishes do not redraw */
    contract_check_exchange(fx, &ex, true, 4);
}

/* ---- exclusions ---- */

/* With three people in join order A, B, C there are exactly two draws:
 * A->B->C->A and A->C->B->A. Forbidding A->B leaves only the second, which
 * uses B->A; so a draw tells exactly which arcs the store kept. */
void test_exclusion_one_way_and_idempotent(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "one way", false);
    struct santa_participant ps[3];
    contract_join_many(fx, ex.id, 0, 3, ps);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], false);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], false); /* again: fine, same rule */
    const struct contract_arc arcs[] = {{0, 1}};
    for (unsigned round = 0; round < 5; round++) {
        CONTRACT_OK(contract_draw(fx, ex.id));
        uint32_t recipient[3];
        contract_check_draw(fx, ex.id, ps, 3, arcs, 1, false, recipient);
        assert_int_equal(recipient[0], 2);
        assert_int_equal(recipient[2], 1);
        assert_int_equal(recipient[1], 0); /* one-way: B may still give to A */
        CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    }
}

void test_exclusion_mutual(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, two_ways;
    contract_exchange_new(fx, &ex, "mutual", false);
    struct santa_participant ps[3], qs[3];
    contract_join_many(fx, ex.id, 0, 3, ps);
    /* One mutual call forbids A->B and B->A, and so both three-person draws. */
    contract_exclude(fx, ex.id, &ps[0], &ps[1], true);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_DRAW_INFEASIBLE);
    contract_check_exchange(fx, &ex, false, 3);
    /* the same rule again, either way round: accepted, nothing changes */
    contract_exclude(fx, ex.id, &ps[1], &ps[0], true);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], false);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], true);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_DRAW_INFEASIBLE);
    contract_check_exchange(fx, &ex, false, 3);

    /* two one-way rules are the same as one mutual one */
    contract_exchange_new(fx, &two_ways, "two ways", false);
    contract_join_many(fx, two_ways.id, 3, 3, qs);
    contract_exclude(fx, two_ways.id, &qs[1], &qs[2], false);
    CONTRACT_OK(contract_draw(fx, two_ways.id));
    CONTRACT_OK(fx->s->ops->undraw(fx->s, two_ways.id));
    contract_exclude(fx, two_ways.id, &qs[2], &qs[1], false);
    CONTRACT_EXPECT(contract_draw(fx, two_ways.id), SANTA_DRAW_INFEASIBLE);

    /* a fourth person makes the mutual one drawable, and it is honoured */
    struct santa_participant d;
    contract_join(fx, ex.id, 9, &d);
    struct santa_participant all[4] = {ps[0], ps[1], ps[2], d};
    const struct contract_arc arcs[] = {{0, 1}, {1, 0}};
    for (unsigned round = 0; round < 5; round++) {
        CONTRACT_OK(contract_draw(fx, ex.id));
        uint32_t recipient[4];
        contract_check_draw(fx, ex.id, all, 4, arcs, 2, false, recipient);
        CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    }
}

/* The store must hand the plan the exchange's no_mutual: with four people,
 * a third of all draws are two swaps, so twenty clean draws in a row by
 * chance would happen about once in 3,500 runs. */
void test_draw_no_mutual(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "no mutual", true);
    struct santa_participant ps[4];
    contract_join_many(fx, ex.id, 0, 4, ps);
    for (unsigned round = 0; round < 20; round++) {
        CONTRACT_OK(contract_draw(fx, ex.id));
        uint32_t recipient[4];
        contract_check_draw(fx, ex.id, ps, 4, NULL, 0, true, recipient);
        CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    }
}
