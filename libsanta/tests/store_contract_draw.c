/*
 * store_contract_draw.c - the conformance suite: the draw, reminders, durability.
 */
#include "store_contract_kit.h"

/* ---- the draw ---- */

void test_draw_too_few(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "small", false);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_TOO_FEW_PARTICIPANTS);
    struct santa_participant ps[3];
    contract_join_many(fx, ex.id, 0, 2, ps);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_TOO_FEW_PARTICIPANTS);
    contract_check_exchange(fx, &ex, false, 2);
    contract_check_not_drawn(fx, ex.id, ps, 2);
    contract_join(fx, ex.id, 2, &ps[2]); /* still open */
    CONTRACT_OK(contract_draw(fx, ex.id));
    uint32_t recipient[3];
    contract_check_draw(fx, ex.id, ps, 3, NULL, 0, false, recipient);
}

void test_draw_infeasible_leaves_exchange_open(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "stuck", false);
    struct santa_participant ps[4];
    contract_join_many(fx, ex.id, 0, 3, ps);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], false);
    contract_exclude(fx, ex.id, &ps[0], &ps[2], false);
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_DRAW_INFEASIBLE);
    contract_check_exchange(fx, &ex, false, 3);
    contract_check_not_drawn(fx, ex.id, ps, 3);
    /* still open for every kind of change */
    contract_join(fx, ex.id, 3, &ps[3]);
    contract_exclude(fx, ex.id, &ps[1], &ps[2], false);
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ps[3].id));
    contract_join(fx, ex.id, 4, &ps[3]);
    /* A now has D to give to */
    CONTRACT_OK(contract_draw(fx, ex.id));
    const struct contract_arc arcs[] = {{0, 1}, {0, 2}, {1, 2}};
    uint32_t recipient[4];
    contract_check_draw(fx, ex.id, ps, 4, arcs, 3, false, recipient);
    assert_int_equal(recipient[0], 3);
}

void test_draw_undraw_cycle(void **state)
{
    struct contract_fixture *fx = *state;
    enum { N = 12 };
    struct santa_exchange ex, bystander;
    contract_exchange_new(fx, &ex, "draw", false);
    contract_exchange_new(fx, &bystander, "bystander", false);
    struct santa_participant ps[N], by[3];
    contract_join_many(fx, ex.id, 0, N, ps);
    contract_join_many(fx, bystander.id, 50, 3, by);
    const struct contract_arc arcs[] = {{0, 1}, {2, 3}, {3, 2},  {4, 5},  {4, 6},
                                        {4, 7}, {4, 8}, {9, 11}, {10, 11}};
    for (size_t i = 0; i < sizeof arcs / sizeof arcs[0]; i++)
        contract_exclude(fx, ex.id, &ps[arcs[i].giver], &ps[arcs[i].receiver], false);
    const size_t arc_n = sizeof arcs / sizeof arcs[0];

    CONTRACT_OK(contract_draw(fx, ex.id));
    contract_check_exchange(fx, &ex, true, N);
    contract_check_exchange(fx, &bystander, false, 3); /* only this exchange was drawn */
    contract_check_not_drawn(fx, bystander.id, by, 3);
    uint32_t first[N];
    contract_check_draw(fx, ex.id, ps, N, arcs, arc_n, false, first);

    /* a second draw loses and changes nothing */
    CONTRACT_EXPECT(contract_draw(fx, ex.id), SANTA_ALREADY_DRAWN);
    uint32_t still[N];
    contract_check_draw(fx, ex.id, ps, N, arcs, arc_n, false, still);
    assert_memory_equal(first, still, sizeof first);

    /* undraw reopens, and is idempotent */
    CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    contract_check_exchange(fx, &ex, false, N);
    contract_check_not_drawn(fx, ex.id, ps, N);
    CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    contract_check_exchange(fx, &ex, false, N);
    CONTRACT_OK(fx->s->ops->undraw(fx->s, bystander.id)); /* never drawn: fine too */
    contract_check_exchange(fx, &bystander, false, 3);

    /* the exclusions survived the undraw */
    CONTRACT_OK(contract_draw(fx, ex.id));
    contract_check_draw(fx, ex.id, ps, N, arcs, arc_n, false, still);
    contract_check_exchange(fx, &ex, true, N);
}

/* ---- reminders ---- */

void test_reminders_queue(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, other;
    contract_exchange_new(fx, &ex, "remind", false);
    contract_exchange_new(fx, &other, "other", false);
    uint32_t queued = 99;
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, ex.id, &queued));
    assert_int_equal(queued, 0);
    struct santa_participant ps[4], qs[2];
    contract_join_many(fx, ex.id, 0, 4, ps);
    contract_join_many(fx, other.id, 10, 2, qs);
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, ex.id, &queued));
    assert_int_equal(queued, 4);
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, ex.id, &queued)); /* again: another batch */
    assert_int_equal(queued, 4);
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ps[2].id));
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, ex.id, &queued));
    assert_int_equal(queued, 3);
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, other.id, &queued));
    assert_int_equal(queued, 2);
    CONTRACT_EXPECT(contract_draw(fx, other.id), SANTA_TOO_FEW_PARTICIPANTS);
    struct santa_participant third;
    contract_join(fx, other.id, 12, &third);
    CONTRACT_OK(contract_draw(fx, other.id));
    CONTRACT_OK(fx->s->ops->reminders_queue(fx->s, other.id, &queued)); /* drawn: still fine */
    assert_int_equal(queued, 3);
}

/* ---- durability ---- */

static void contract_reopen(struct contract_fixture *fx)
{
    santa_store_close(fx->s);
    fx->s = fx->factory->reopen(fx->factory->ctx);
    if (fx->s == NULL)
        fail_msg("store factory \"%s\" could not reopen its data", fx->factory->name);
}

void test_durability(void **state)
{
    struct contract_fixture *fx = *state;
    if (fx->factory->reopen == NULL)
        skip();
    /* a drawn exchange with everything set */
    struct santa_exchange drawn;
    memset(&drawn, 0, sizeof drawn);
    CONTRACT_OK(santa_id_new(drawn.id));
    drawn.name = "Drawn, \"kept\"\n";
    drawn.budget = "=30 \xe2\x82\xac";
    memcpy(drawn.exchange_date, "2025-12-24", SANTA_DATE_LEN + 1);
    drawn.no_mutual = true;
    contract_random_hash(&drawn.admin_hash);
    contract_random_hash(&drawn.invite_hash);
    CONTRACT_OK(fx->s->ops->exchange_create(fx->s, &drawn));
    struct santa_participant dp[5];
    contract_join_many(fx, drawn.id, 0, 5, dp);
    contract_set_wishlist(fx, &dp[1], "before, the draw");
    contract_exclude(fx, drawn.id, &dp[0], &dp[3], true);
    CONTRACT_OK(contract_draw(fx, drawn.id));
    contract_set_wishlist(fx, &dp[2], "after\r\nthe draw");
    const struct contract_arc darcs[] = {{0, 3}, {3, 0}};
    uint32_t before[5];
    contract_check_draw(fx, drawn.id, dp, 5, darcs, 2, true, before);

    /* an open exchange whose exclusion decides the only draw (see
     * test_exclusion_one_way_and_idempotent), with a removal in its past */
    struct santa_exchange open;
    contract_exchange_new(fx, &open, "Open", false);
    struct santa_participant op[4];
    contract_join_many(fx, open.id, 10, 4, op);
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, open.id, op[1].id));
    op[1] = op[2]; /* keep op[0..2] in join order */
    op[2] = op[3];
    contract_exclude(fx, open.id, &op[0], &op[1], false);

    /* drawn and then undrawn: open again */
    struct santa_exchange undrawn;
    contract_exchange_new(fx, &undrawn, "Undrawn", false);
    struct santa_participant up[3];
    contract_join_many(fx, undrawn.id, 20, 3, up);
    CONTRACT_OK(contract_draw(fx, undrawn.id));
    CONTRACT_OK(fx->s->ops->undraw(fx->s, undrawn.id));

    contract_reopen(fx);

    contract_check_exchange(fx, &drawn, true, 5);
    contract_check_exchange(fx, &open, false, 3);
    contract_check_exchange(fx, &undrawn, false, 3);
    struct santa_participant listed[5];
    assert_int_equal(contract_list_all(fx, drawn.id, 2, listed, 5), 5);
    for (unsigned i = 0; i < 5; i++)
        contract_assert_participant(&dp[i], &listed[i]);
    assert_int_equal(contract_list_all(fx, open.id, 2, listed, 5), 3);
    for (unsigned i = 0; i < 3; i++)
        contract_assert_participant(&op[i], &listed[i]);
    uint32_t after[5];
    contract_check_draw(fx, drawn.id, dp, 5, darcs, 2, true, after);
    assert_memory_equal(before, after, sizeof before);
    contract_check_not_drawn(fx, undrawn.id, up, 3);

    struct santa_principal who;
    CONTRACT_OK(fx->s->ops->principal_find(fx->s, &drawn.admin_hash, &who));
    assert_int_equal(who.role, SANTA_ROLE_ADMIN);
    assert_string_equal(who.exchange_id, drawn.id);
    CONTRACT_OK(fx->s->ops->principal_find(fx->s, &op[2].token_hash, &who));
    assert_int_equal(who.role, SANTA_ROLE_PARTICIPANT);
    assert_string_equal(who.participant_id, op[2].id);

    /* the rules still hold after the restart: drawn stays frozen, emails
     * stay taken, the seq keeps climbing, exclusions still bind */
    struct santa_participant late;
    CONTRACT_EXPECT(contract_try_join(fx->s, &fx->arena, drawn.id, "late", "late@example.org", "",
                                      SANTA_MAX_PARTICIPANTS, &late),
                    SANTA_ALREADY_DRAWN);
    CONTRACT_EXPECT(contract_try_join(fx->s, &fx->arena, open.id, "dup", op[0].email, "",
                                      SANTA_MAX_PARTICIPANTS, &late),
                    SANTA_EMAIL_TAKEN);
    /* store.h promises ascending seq within an exchange, nothing across */
    contract_join(fx, undrawn.id, 30, &late);
    assert_true(late.seq > up[2].seq);
    const struct contract_arc oarcs[] = {{0, 1}};
    CONTRACT_OK(contract_draw(fx, open.id));
    uint32_t orec[3];
    contract_check_draw(fx, open.id, op, 3, oarcs, 1, false, orec);
    assert_int_equal(orec[0], 2);

    /* what was written after the reopen survives the next one too */
    contract_reopen(fx);
    contract_check_exchange(fx, &open, true, 3);
    contract_check_exchange(fx, &undrawn, false, 4);
    contract_check_participant(fx, &late);
    uint32_t orec2[3];
    contract_check_draw(fx, open.id, op, 3, oarcs, 1, false, orec2);
    assert_memory_equal(orec, orec2, sizeof orec);
}
