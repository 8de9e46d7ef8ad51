/*
 * store_contract_exchange.c - the conformance suite: exchanges, principals, joining, a frozen drawn
 * exchange, unknown ids, text.
 */
#include "store_contract_kit.h"

/* ---- ping and exchanges ---- */

void test_ping(void **state)
{
    struct contract_fixture *fx = *state;
    CONTRACT_OK(fx->s->ops->ping(fx->s));
    assert_non_null(fx->s->ops->name);
}

void test_exchange_round_trip(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange full, bare;
    memset(&full, 0, sizeof full);
    CONTRACT_OK(santa_id_new(full.id));
    full.name = "Office party";
    full.budget = "20 EUR";
    memcpy(full.exchange_date, "2025-12-24", SANTA_DATE_LEN + 1);
    full.no_mutual = true;
    full.drawn = true;           /* ignored on create: a new exchange is open */
    full.participant_count = 99; /* ignored on create */
    contract_random_hash(&full.admin_hash);
    contract_random_hash(&full.invite_hash);
    CONTRACT_OK(fx->s->ops->exchange_create(fx->s, &full));
    contract_exchange_new(fx, &bare, "Family", false);

    contract_check_exchange(fx, &full, false, 0);
    contract_check_exchange(fx, &bare, false, 0);

    char unknown[SANTA_ID_LEN + 1];
    contract_unknown_id(unknown);
    struct santa_exchange got;
    CONTRACT_EXPECT(fx->s->ops->exchange_get(fx->s, unknown, &fx->arena, &got), SANTA_NOT_FOUND);
}

void test_participant_count_follows_joins(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, other;
    contract_exchange_new(fx, &ex, "count", false);
    contract_exchange_new(fx, &other, "other", false);
    struct santa_participant ps[4], qs[2];
    contract_join_many(fx, ex.id, 0, 4, ps);
    contract_join_many(fx, other.id, 10, 2, qs);
    contract_check_exchange(fx, &ex, false, 4);
    contract_check_exchange(fx, &other, false, 2);
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ps[1].id));
    contract_check_exchange(fx, &ex, false, 3);
    contract_check_exchange(fx, &other, false, 2);
}

/* ---- principals ---- */

void test_principal_find(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange a, b;
    contract_exchange_new(fx, &a, "a", false);
    contract_exchange_new(fx, &b, "b", false);
    struct santa_participant pa[2], pb[2];
    contract_join_many(fx, a.id, 0, 2, pa);
    contract_join_many(fx, b.id, 2, 2, pb);

    struct santa_principal who;
    CONTRACT_OK(fx->s->ops->principal_find(fx->s, &b.admin_hash, &who));
    assert_int_equal(who.role, SANTA_ROLE_ADMIN);
    assert_string_equal(who.exchange_id, b.id);
    assert_string_equal(who.participant_id, "");

    CONTRACT_OK(fx->s->ops->principal_find(fx->s, &pa[1].token_hash, &who));
    assert_int_equal(who.role, SANTA_ROLE_PARTICIPANT);
    assert_string_equal(who.exchange_id, a.id);
    assert_string_equal(who.participant_id, pa[1].id);

    CONTRACT_OK(fx->s->ops->principal_find(fx->s, &pb[0].token_hash, &who));
    assert_int_equal(who.role, SANTA_ROLE_PARTICIPANT);
    assert_string_equal(who.exchange_id, b.id);
    assert_string_equal(who.participant_id, pb[0].id);

    struct santa_hash unknown;
    contract_random_hash(&unknown);
    CONTRACT_EXPECT(fx->s->ops->principal_find(fx->s, &unknown, &who), SANTA_NOT_FOUND);
    /* An invite code lets people join; it is not a token and stands for nobody. */
    CONTRACT_EXPECT(fx->s->ops->principal_find(fx->s, &a.invite_hash, &who), SANTA_NOT_FOUND);

    /* A removed participant holds no token any more. */
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, a.id, pa[1].id));
    CONTRACT_EXPECT(fx->s->ops->principal_find(fx->s, &pa[1].token_hash, &who), SANTA_NOT_FOUND);
}

/* ---- joining ---- */

void test_join_and_get(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "join", false);
    struct santa_participant ps[5];
    contract_join_many(fx, ex.id, 0, 4, ps);
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, "Wisher", "wisher@example.org",
                                  "a red bike", SANTA_MAX_PARTICIPANTS, &ps[4]));
    for (unsigned i = 0; i < 5; i++) {
        assert_true(ps[i].seq > 0);
        if (i > 0)
            assert_true(ps[i].seq > ps[i - 1].seq); /* join order */
        contract_check_participant(fx, &ps[i]);
    }
    contract_check_exchange(fx, &ex, false, 5);
}

void test_join_email_taken(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, other;
    contract_exchange_new(fx, &ex, "emails", false);
    contract_exchange_new(fx, &other, "other", false);
    struct santa_participant ann, twin, b, elsewhere, again;
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, "Ann", "Ann@Example.org", "",
                                  SANTA_MAX_PARTICIPANTS, &ann));
    /* Different spelling, same email_key: the key is what counts. */
    CONTRACT_EXPECT(contract_try_join(fx->s, &fx->arena, ex.id, "Ann two", "ANN@example.ORG", "",
                                      SANTA_MAX_PARTICIPANTS, &twin),
                    SANTA_EMAIL_TAKEN);
    struct santa_participant got;
    CONTRACT_EXPECT(fx->s->ops->participant_get(fx->s, ex.id, twin.id, &fx->arena, &got),
                    SANTA_NOT_FOUND);
    contract_check_exchange(fx, &ex, false, 1);

    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, "Bob", "bob@example.org", "",
                                  SANTA_MAX_PARTICIPANTS, &b));
    /* Uniqueness is per exchange. */
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, other.id, "Ann", "ann@example.org", "",
                                  SANTA_MAX_PARTICIPANTS, &elsewhere));
    contract_check_participant(fx, &ann);
    contract_check_participant(fx, &elsewhere);

    /* Once Ann has left, her address is free again. */
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ann.id));
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, "Ann again", "ann@EXAMPLE.org", "",
                                  SANTA_MAX_PARTICIPANTS, &again));
    assert_true(again.seq > b.seq);
    contract_check_exchange(fx, &ex, false, 2);
}

void test_join_exchange_full(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex, other;
    contract_exchange_new(fx, &ex, "full", false);
    contract_exchange_new(fx, &other, "other", false);
    struct santa_participant elsewhere[3], ps[3], extra;
    /* Participants of another exchange do not count towards this one. */
    contract_join_many(fx, other.id, 100, 3, elsewhere);
    for (unsigned i = 0; i < 3; i++)
        CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, contract_text(&fx->arena, "p", i),
                                      contract_text(&fx->arena, "p@", i), "", 3, &ps[i]));
    CONTRACT_EXPECT(
        contract_try_join(fx->s, &fx->arena, ex.id, "late", "late@example.org", "", 3, &extra),
        SANTA_EXCHANGE_FULL);
    contract_check_exchange(fx, &ex, false, 3);
    struct santa_participant got;
    CONTRACT_EXPECT(fx->s->ops->participant_get(fx->s, ex.id, extra.id, &fx->arena, &got),
                    SANTA_NOT_FOUND);
    /* A higher limit lets the same person in. */
    CONTRACT_OK(
        contract_try_join(fx->s, &fx->arena, ex.id, "late", "late@example.org", "", 4, &extra));
    contract_check_exchange(fx, &ex, false, 4);
    /* Leaving makes room again. */
    struct santa_participant later;
    CONTRACT_EXPECT(
        contract_try_join(fx->s, &fx->arena, ex.id, "later", "later@example.org", "", 4, &later),
        SANTA_EXCHANGE_FULL);
    CONTRACT_OK(fx->s->ops->participant_remove(fx->s, ex.id, ps[0].id));
    CONTRACT_OK(
        contract_try_join(fx->s, &fx->arena, ex.id, "later", "later@example.org", "", 4, &later));
    contract_check_exchange(fx, &ex, false, 4);
}

void test_join_unknown_exchange(void **state)
{
    struct contract_fixture *fx = *state;
    char unknown[SANTA_ID_LEN + 1];
    contract_unknown_id(unknown);
    struct santa_participant p;
    CONTRACT_EXPECT(contract_try_join(fx->s, &fx->arena, unknown, "x", "x@example.org", "",
                                      SANTA_MAX_PARTICIPANTS, &p),
                    SANTA_NOT_FOUND);
    struct santa_principal who;
    CONTRACT_EXPECT(fx->s->ops->principal_find(fx->s, &p.token_hash, &who), SANTA_NOT_FOUND);
}

/* ---- a drawn exchange is frozen ---- */

void test_drawn_exchange_refuses_changes(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "frozen", false);
    struct santa_participant ps[3], late;
    contract_join_many(fx, ex.id, 0, 3, ps);
    CONTRACT_OK(contract_draw(fx, ex.id));
    CONTRACT_EXPECT(contract_try_join(fx->s, &fx->arena, ex.id, "late", "late@example.org", "",
                                      SANTA_MAX_PARTICIPANTS, &late),
                    SANTA_ALREADY_DRAWN);
    CONTRACT_EXPECT(fx->s->ops->participant_remove(fx->s, ex.id, ps[0].id), SANTA_ALREADY_DRAWN);
    CONTRACT_EXPECT(fx->s->ops->exclusion_add(fx->s, ex.id, ps[0].id, ps[1].id, false),
                    SANTA_ALREADY_DRAWN);
    CONTRACT_EXPECT(fx->s->ops->exclusion_add(fx->s, ex.id, ps[1].id, ps[2].id, true),
                    SANTA_ALREADY_DRAWN);
    /* nothing changed: same people, same draw */
    contract_check_exchange(fx, &ex, true, 3);
    for (unsigned i = 0; i < 3; i++)
        contract_check_participant(fx, &ps[i]);
    uint32_t recipient[3];
    contract_check_draw(fx, ex.id, ps, 3, NULL, 0, false, recipient);
    /* and once reopened, it takes changes again */
    CONTRACT_OK(fx->s->ops->undraw(fx->s, ex.id));
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, "late", "late@example.org", "",
                                  SANTA_MAX_PARTICIPANTS, &late));
    contract_check_exchange(fx, &ex, false, 4);
}

/* ---- unknown ids ---- */

void test_unknown_ids_are_not_found(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange a, b;
    contract_exchange_new(fx, &a, "a", false);
    contract_exchange_new(fx, &b, "b", false);
    struct santa_participant pa[3], pb[3];
    contract_join_many(fx, a.id, 0, 3, pa);
    contract_join_many(fx, b.id, 3, 3, pb);
    char nobody[SANTA_ID_LEN + 1], nowhere[SANTA_ID_LEN + 1];
    contract_unknown_id(nobody);
    contract_unknown_id(nowhere);
    const struct santa_store_ops *ops = fx->s->ops;
    struct santa_store *s = fx->s;
    struct santa_participant got;
    struct santa_participant_page page;
    uint32_t queued = 0;

    CONTRACT_EXPECT(ops->participant_get(s, a.id, nobody, &fx->arena, &got), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->participant_get(s, a.id, pb[0].id, &fx->arena, &got), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->participant_get(s, nowhere, pa[0].id, &fx->arena, &got), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->participant_list(s, nowhere, 0, 10, &fx->arena, &page), SANTA_NOT_FOUND);

    CONTRACT_EXPECT(ops->participant_remove(s, a.id, nobody), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->participant_remove(s, a.id, pb[0].id), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->participant_remove(s, nowhere, pa[0].id), SANTA_NOT_FOUND);

    CONTRACT_EXPECT(ops->wishlist_set(s, a.id, nobody, "x"), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->wishlist_set(s, a.id, pb[1].id, "x"), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->wishlist_set(s, nowhere, pa[1].id, "x"), SANTA_NOT_FOUND);

    CONTRACT_EXPECT(ops->exclusion_add(s, a.id, pa[0].id, nobody, false), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->exclusion_add(s, a.id, nobody, pa[0].id, true), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->exclusion_add(s, a.id, pa[0].id, pb[0].id, false), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->exclusion_add(s, a.id, pb[0].id, pa[0].id, true), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->exclusion_add(s, nowhere, pa[0].id, pa[1].id, false), SANTA_NOT_FOUND);

    struct santa_draw_plan *plan = santa_draw_plan_new(&fx->rng);
    assert_non_null(plan);
    CONTRACT_EXPECT(ops->draw(s, nowhere, plan), SANTA_NOT_FOUND);
    santa_draw_plan_free(plan);
    CONTRACT_EXPECT(ops->undraw(s, nowhere), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->reminders_queue(s, nowhere, &queued), SANTA_NOT_FOUND);
    struct santa_assignment as;
    CONTRACT_EXPECT(ops->assignment_get(s, nowhere, pa[0].id, &fx->arena, &as), SANTA_NOT_FOUND);

    /* none of that touched anything */
    contract_check_exchange(fx, &a, false, 3);
    contract_check_exchange(fx, &b, false, 3);
    for (unsigned i = 0; i < 3; i++) {
        contract_check_participant(fx, &pa[i]);
        contract_check_participant(fx, &pb[i]);
    }
    /* both stay drawable, and once drawn an assignment is still only found
     * through the giver's own exchange */
    CONTRACT_OK(contract_draw(fx, a.id));
    CONTRACT_OK(contract_draw(fx, b.id));
    CONTRACT_EXPECT(ops->assignment_get(s, a.id, pb[0].id, &fx->arena, &as), SANTA_NOT_FOUND);
    CONTRACT_EXPECT(ops->assignment_get(s, a.id, nobody, &fx->arena, &as), SANTA_NOT_FOUND);
}

/* ---- text ---- */

/* Everything a CSV writer, a SQL layer or a spreadsheet likes to mangle. */
static const char *const contract_tricky[] = {
    "comma, inside",
    "quote \" and \"\"doubled\"\"",
    "\"starts with a quote",
    "line\nbreak",
    "crlf\r\nline",
    "lone\rCR",
    "\n",
    "=1+1",
    "+SUM(A1)",
    "-2",
    "@cmd",
    "tab\there",
    "\t=tab first",
    "Zo\xc3\xab \xf0\x9f\x8e\x85 \xe6\x97\xa5\xe6\x9c\xac \xc3\xb1",
    " padded ",
    "back\\slash \\n not a newline",
    "semi;colon|pipe",
    "it's 'single'",
    "%s %d %n",
    "NULL",
};
#define CONTRACT_TRICKY_N (sizeof contract_tricky / sizeof contract_tricky[0])

/* A 2000-code-point wishlist of 4-byte characters: the longest text the API
 * accepts, at its widest in bytes. */
static char *contract_long_text(struct santa_arena *a)
{
    static const char santa[] = "\xf0\x9f\x8e\x85";
    char *s = santa_arena_alloc(a, SANTA_WISHLIST_MAX_CHARS * 4 + 1);
    assert_non_null(s);
    for (unsigned i = 0; i < SANTA_WISHLIST_MAX_CHARS; i++)
        memcpy(s + 4 * i, santa, 4);
    s[SANTA_WISHLIST_MAX_CHARS * 4] = '\0';
    return s;
}

void test_text_round_trips_exactly(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_participant ps[CONTRACT_TRICKY_N];
    struct santa_exchange ex;
    for (size_t i = 0; i < CONTRACT_TRICKY_N; i++) {
        struct santa_exchange one;
        memset(&one, 0, sizeof one);
        CONTRACT_OK(santa_id_new(one.id));
        one.name = contract_tricky[i];
        one.budget = contract_tricky[CONTRACT_TRICKY_N - 1 - i];
        contract_random_hash(&one.admin_hash);
        contract_random_hash(&one.invite_hash);
        CONTRACT_OK(fx->s->ops->exchange_create(fx->s, &one));
        contract_check_exchange(fx, &one, false, 0);
    }
    contract_exchange_new(fx, &ex, contract_tricky[1], false);
    for (size_t i = 0; i < CONTRACT_TRICKY_N; i++) {
        /* the index keeps every email_key distinct */
        const char *email = contract_concat(&fx->arena, contract_tricky[i],
                                            contract_text(&fx->arena, "@", (unsigned)i));
        CONTRACT_OK(contract_try_join(fx->s, &fx->arena, ex.id, contract_tricky[i], email,
                                      contract_tricky[(i + 3) % CONTRACT_TRICKY_N],
                                      SANTA_MAX_PARTICIPANTS, &ps[i]));
    }
    for (size_t i = 0; i < CONTRACT_TRICKY_N; i++)
        contract_check_participant(fx, &ps[i]);
    struct santa_participant listed[CONTRACT_TRICKY_N];
    assert_int_equal(contract_list_all(fx, ex.id, 7, listed, CONTRACT_TRICKY_N), CONTRACT_TRICKY_N);
    for (size_t i = 0; i < CONTRACT_TRICKY_N; i++)
        contract_assert_participant(&ps[i], &listed[i]);

    /* wishlists written later, the longest one included */
    contract_set_wishlist(fx, &ps[0], contract_long_text(&fx->arena));
    contract_set_wishlist(fx, &ps[1], "");
    for (size_t i = 2; i < CONTRACT_TRICKY_N; i++)
        contract_set_wishlist(fx, &ps[i], contract_tricky[CONTRACT_TRICKY_N - 1 - i]);
    for (size_t i = 0; i < CONTRACT_TRICKY_N; i++)
        contract_check_participant(fx, &ps[i]);

    /* and through the assignment, names and wishlists of the other side */
    CONTRACT_OK(contract_draw(fx, ex.id));
    uint32_t recipient[CONTRACT_TRICKY_N];
    contract_check_draw(fx, ex.id, ps, CONTRACT_TRICKY_N, NULL, 0, false, recipient);
}
