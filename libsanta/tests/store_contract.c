/*
 * store_contract.c - the conformance suite of store.h (see store_contract.h).
 *
 * Every test opens a fresh store through the factory, so tests never depend
 * on each other and a back end can be debugged one test at a time. The suite
 * checks only what store.h promises: where store.h leaves an order of checks
 * open (say, an unknown participant of a drawn exchange: NOT_FOUND or
 * ALREADY_DRAWN?) no test depends on it.
 *
 * Worker threads never call cmocka's assertions (they longjmp, which is only
 * safe on the test's own thread): they record what they saw, and the test
 * asserts on it after joining them.
 */
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

/* ---- fixtures ---- */

static int contract_setup(void **state)
{
    const struct santa_store_factory *factory = *state;
    struct contract_fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    fx->factory = factory;
    fx->rng = santa_rng_csprng();
    santa_arena_init(&fx->arena, CONTRACT_ARENA_LIMIT);
    fx->s = factory->open(factory->ctx);
    if (fx->s == NULL) {
        print_error("store factory \"%s\" could not open a fresh store\n", factory->name);
        if (factory->cleanup) /* it may have made a directory before failing */
            factory->cleanup(factory->ctx);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int contract_teardown(void **state)
{
    struct contract_fixture *fx = *state;
    santa_store_close(fx->s);
    if (fx->factory->cleanup)
        fx->factory->cleanup(fx->factory->ctx);
    santa_arena_release(&fx->arena);
    free(fx);
    return 0;
}

/* ---- helpers: inputs ---- */

static void contract_copy_id(char dst[SANTA_ID_LEN + 1], const char *src)
{
    size_t n = strnlen(src, SANTA_ID_LEN);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static char *contract_text(struct santa_arena *a, const char *prefix, unsigned n)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s%u", prefix, n);
    char *s = santa_arena_strdup(a, buf);
    assert_non_null(s);
    return s;
}

static char *contract_concat(struct santa_arena *a, const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y);
    char *s = santa_arena_alloc(a, nx + ny + 1);
    assert_non_null(s);
    memcpy(s, x, nx);
    memcpy(s + nx, y, ny + 1);
    return s;
}

/* What the API layer hands the store as email_key: ASCII-lowercased. */
static char *contract_email_key(struct santa_arena *a, const char *email)
{
    char *k = santa_arena_strdup(a, email);
    if (k)
        for (char *c = k; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    return k;
}

static void contract_random_hash(struct santa_hash *h)
{
    char token[SANTA_TOKEN_LEN + 1];
    CONTRACT_OK(santa_token_new(token));
    santa_secret_hash(token, SANTA_TOKEN_LEN, h);
}

static void contract_unknown_id(char id[SANTA_ID_LEN + 1])
{
    CONTRACT_OK(santa_id_new(id));
}

/* Creates an exchange with fresh id and hashes and checks it was accepted. */
static void contract_exchange_new(struct contract_fixture *fx, struct santa_exchange *ex,
                                  const char *name, bool no_mutual)
{
    memset(ex, 0, sizeof *ex);
    CONTRACT_OK(santa_id_new(ex->id));
    ex->name = name;
    ex->budget = NULL;
    ex->no_mutual = no_mutual;
    contract_random_hash(&ex->admin_hash);
    contract_random_hash(&ex->invite_hash);
    CONTRACT_OK(fx->s->ops->exchange_create(fx->s, ex));
}

/* One join as the API does it; no assertions, so worker threads may call it. */
static enum santa_status contract_try_join(struct santa_store *s, struct santa_arena *a,
                                           const char *exchange_id, const char *name,
                                           const char *email, const char *wishlist, uint32_t max,
                                           struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    char token[SANTA_TOKEN_LEN + 1];
    if (santa_id_new(p->id) != SANTA_OK || santa_token_new(token) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    santa_secret_hash(token, SANTA_TOKEN_LEN, &p->token_hash);
    contract_copy_id(p->exchange_id, exchange_id);
    p->name = name;
    p->email = email;
    p->email_key = contract_email_key(a, email);
    p->wishlist = wishlist;
    if (p->email_key == NULL)
        return SANTA_UNAVAILABLE;
    return s->ops->participant_add(s, p, max);
}

/* Joins participant number n ("Person n", a mixed-case email) and checks
 * the store gave it a seq. */
static void contract_join(struct contract_fixture *fx, const char *exchange_id, unsigned n,
                          struct santa_participant *p)
{
    const char *name = contract_text(&fx->arena, "Person ", n);
    const char *email =
        contract_concat(&fx->arena, contract_text(&fx->arena, "Person.", n), "@Example.ORG");
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, exchange_id, name, email, "",
                                  SANTA_MAX_PARTICIPANTS, p));
    assert_true(p->seq > 0);
}

static void contract_join_many(struct contract_fixture *fx, const char *exchange_id, unsigned first,
                               unsigned n, struct santa_participant *ps)
{
    for (unsigned i = 0; i < n; i++)
        contract_join(fx, exchange_id, first + i, &ps[i]);
}

static enum santa_status contract_draw(struct contract_fixture *fx, const char *exchange_id)
{
    struct santa_draw_plan *plan = santa_draw_plan_new(&fx->rng);
    assert_non_null(plan);
    enum santa_status st = fx->s->ops->draw(fx->s, exchange_id, plan);
    santa_draw_plan_free(plan);
    return st;
}

static void contract_exclude(struct contract_fixture *fx, const char *exchange_id,
                             const struct santa_participant *giver,
                             const struct santa_participant *receiver, bool mutual)
{
    CONTRACT_OK(fx->s->ops->exclusion_add(fx->s, exchange_id, giver->id, receiver->id, mutual));
}

static void contract_set_wishlist(struct contract_fixture *fx, struct santa_participant *p,
                                  const char *wishlist)
{
    CONTRACT_OK(fx->s->ops->wishlist_set(fx->s, p->exchange_id, p->id, wishlist));
    p->wishlist = wishlist; /* what the test now expects to read back */
}

/* ---- helpers: checks ---- */

static void contract_assert_hash(const struct santa_hash *want, const struct santa_hash *got)
{
    assert_memory_equal(want->b, got->b, SANTA_HASH_LEN);
}

static void contract_assert_exchange(const struct santa_exchange *want,
                                     const struct santa_exchange *got, bool drawn, uint32_t count)
{
    assert_string_equal(got->id, want->id);
    assert_non_null(got->name);
    assert_string_equal(got->name, want->name);
    if (want->budget == NULL) {
        assert_null(got->budget);
    } else {
        assert_non_null(got->budget);
        assert_string_equal(got->budget, want->budget);
    }
    assert_string_equal(got->exchange_date, want->exchange_date);
    assert_int_equal(got->no_mutual, want->no_mutual);
    assert_int_equal(got->drawn, drawn);
    assert_int_equal(got->participant_count, count);
    contract_assert_hash(&want->admin_hash, &got->admin_hash);
    contract_assert_hash(&want->invite_hash, &got->invite_hash);
}

static void contract_check_exchange(struct contract_fixture *fx, const struct santa_exchange *want,
                                    bool drawn, uint32_t count)
{
    struct santa_exchange got;
    CONTRACT_OK(fx->s->ops->exchange_get(fx->s, want->id, &fx->arena, &got));
    contract_assert_exchange(want, &got, drawn, count);
}

static void contract_assert_participant(const struct santa_participant *want,
                                        const struct santa_participant *got)
{
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->exchange_id, want->exchange_id);
    assert_non_null(got->name);
    assert_non_null(got->email);
    assert_non_null(got->email_key);
    assert_non_null(got->wishlist); /* "" when not set, never NULL */
    assert_string_equal(got->name, want->name);
    assert_string_equal(got->email, want->email);
    assert_string_equal(got->email_key, want->email_key);
    assert_string_equal(got->wishlist, want->wishlist);
    contract_assert_hash(&want->token_hash, &got->token_hash);
    assert_int_equal(got->seq, want->seq);
}

static void contract_check_participant(struct contract_fixture *fx,
                                       const struct santa_participant *want)
{
    struct santa_participant got;
    CONTRACT_OK(fx->s->ops->participant_get(fx->s, want->exchange_id, want->id, &fx->arena, &got));
    contract_assert_participant(want, &got);
}

/* Reads every participant page by page (pages of `limit`), checking the
 * paging rules on the way; returns how many there were. */
static uint32_t contract_list_all(struct contract_fixture *fx, const char *exchange_id,
                                  uint32_t limit, struct santa_participant *out, uint32_t cap)
{
    uint32_t total = 0;
    uint64_t after = 0;
    for (;;) {
        struct santa_participant_page page;
        CONTRACT_OK(
            fx->s->ops->participant_list(fx->s, exchange_id, after, limit, &fx->arena, &page));
        assert_true(page.count <= limit);
        assert_true(total + page.count <= cap);
        for (uint32_t i = 0; i < page.count; i++) {
            assert_true(page.items[i].seq > after); /* ascending, never repeating */
            after = page.items[i].seq;
            out[total++] = page.items[i];
        }
        if (page.next_seq == 0)
            return total;
        /* more follow: the cursor is the last item's seq, and it moved on */
        assert_true(page.count > 0);
        assert_int_equal(page.next_seq, page.items[page.count - 1].seq);
    }
}

static uint32_t contract_index_of(const struct santa_participant *ps, uint32_t n, const char *id)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(ps[i].id, id) == 0)
            return i;
    fail_msg("id %s is not one of the exchange's participants", id);
    return UINT32_MAX;
}

/* Reads every giver's assignment and checks it is a draw: each one gives to
 * a participant of the exchange, never to themselves, nobody receives twice,
 * no excluded arc is used, and (no_mutual) nobody gives to their giver.
 * The names and wishlists must be the participants' current ones.
 * recipient[i] gets the index of ps[i]'s recipient. */
static void contract_check_draw(struct contract_fixture *fx, const char *exchange_id,
                                const struct santa_participant *ps, uint32_t n,
                                const struct contract_arc *excluded, size_t excluded_n,
                                bool no_mutual, uint32_t *recipient)
{
    bool *taken = calloc(n, sizeof *taken);
    assert_non_null(taken);
    for (uint32_t g = 0; g < n; g++) {
        struct santa_assignment as;
        CONTRACT_OK(fx->s->ops->assignment_get(fx->s, exchange_id, ps[g].id, &fx->arena, &as));
        assert_string_equal(as.giver_id, ps[g].id);
        assert_non_null(as.giver_name);
        assert_string_equal(as.giver_name, ps[g].name);
        uint32_t r = contract_index_of(ps, n, as.recipient_id);
        assert_int_not_equal(r, g);
        assert_false(taken[r]);
        taken[r] = true;
        assert_non_null(as.recipient_name);
        assert_non_null(as.recipient_wishlist);
        assert_string_equal(as.recipient_name, ps[r].name);
        assert_string_equal(as.recipient_wishlist, ps[r].wishlist);
        recipient[g] = r;
    }
    free(taken);
    for (size_t i = 0; i < excluded_n; i++)
        assert_int_not_equal(recipient[excluded[i].giver], excluded[i].receiver);
    if (no_mutual)
        for (uint32_t g = 0; g < n; g++)
            assert_int_not_equal(recipient[recipient[g]], g);
}

static void contract_check_not_drawn(struct contract_fixture *fx, const char *exchange_id,
                                     const struct santa_participant *ps, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct santa_assignment as;
        CONTRACT_EXPECT(fx->s->ops->assignment_get(fx->s, exchange_id, ps[i].id, &fx->arena, &as),
                        SANTA_NOT_DRAWN);
    }
}

/* ---- ping and exchanges ---- */

static void test_ping(void **state)
{
    struct contract_fixture *fx = *state;
    CONTRACT_OK(fx->s->ops->ping(fx->s));
    assert_non_null(fx->s->ops->name);
}

static void test_exchange_round_trip(void **state)
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

static void test_participant_count_follows_joins(void **state)
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

static void test_principal_find(void **state)
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

static void test_join_and_get(void **state)
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

static void test_join_email_taken(void **state)
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

static void test_join_exchange_full(void **state)
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

static void test_join_unknown_exchange(void **state)
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

static void test_drawn_exchange_refuses_changes(void **state)
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

static void test_unknown_ids_are_not_found(void **state)
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

static void test_text_round_trips_exactly(void **state)
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

/* ---- paging ---- */

static void test_participant_paging(void **state)
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

static void test_remove_participant(void **state)
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

static void test_wishlist_before_and_after_draw(void **state)
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
static void test_exclusion_one_way_and_idempotent(void **state)
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

static void test_exclusion_mutual(void **state)
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
static void test_draw_no_mutual(void **state)
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

/* ---- the draw ---- */

static void test_draw_too_few(void **state)
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

static void test_draw_infeasible_leaves_exchange_open(void **state)
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

static void test_draw_undraw_cycle(void **state)
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

static void test_reminders_queue(void **state)
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

static void test_durability(void **state)
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

/* ---- concurrency ---- */

struct contract_joiner {
    struct santa_store *s;
    const char *exchange_id;
    pthread_barrier_t *start;
    unsigned thread;
    unsigned joins;
    uint32_t max;
    bool same_email; /* every thread joins the same address */
    /* results, read by the test after pthread_join */
    unsigned ok, taken, full, other;
    uint64_t seqs[CONTRACT_JOINS_PER_THREAD];
};

static void contract_thread_done(struct santa_store *s)
{
    if (s->ops->thread_stop)
        s->ops->thread_stop(s);
}

static void *contract_joiner_main(void *arg)
{
    struct contract_joiner *j = arg;
    struct santa_arena a;
    santa_arena_init(&a, 1u << 20);
    pthread_barrier_wait(j->start);
    for (unsigned i = 0; i < j->joins; i++) {
        char name[64], email[96];
        snprintf(name, sizeof name, "T%u J%u", j->thread, i);
        if (j->same_email)
            snprintf(email, sizeof email, "Same@Example.org");
        else
            snprintf(email, sizeof email, "t%u.j%u@Example.org", j->thread, i);
        struct santa_participant p;
        enum santa_status st =
            contract_try_join(j->s, &a, j->exchange_id, name, email, "", j->max, &p);
        if (st == SANTA_OK && j->ok < CONTRACT_JOINS_PER_THREAD)
            j->seqs[j->ok++] = p.seq;
        else if (st == SANTA_EMAIL_TAKEN)
            j->taken++;
        else if (st == SANTA_EXCHANGE_FULL)
            j->full++;
        else
            j->other++;
    }
    santa_arena_release(&a);
    contract_thread_done(j->s);
    return NULL;
}

/* Runs CONTRACT_THREADS joiners at once; returns the total of OK joins. */
static unsigned contract_run_joiners(struct contract_fixture *fx, const char *exchange_id,
                                     unsigned joins, uint32_t max, bool same_email,
                                     struct contract_joiner *js)
{
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, CONTRACT_THREADS), 0);
    pthread_t tids[CONTRACT_THREADS];
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        js[t] = (struct contract_joiner){.s = fx->s,
                                         .exchange_id = exchange_id,
                                         .start = &start,
                                         .thread = t,
                                         .joins = joins,
                                         .max = max,
                                         .same_email = same_email};
        assert_int_equal(pthread_create(&tids[t], NULL, contract_joiner_main, &js[t]), 0);
    }
    unsigned ok = 0;
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        assert_int_equal(pthread_join(tids[t], NULL), 0);
        ok += js[t].ok;
    }
    pthread_barrier_destroy(&start);
    return ok;
}

static int contract_cmp_seq(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static void test_concurrent_joins_lose_nothing(void **state)
{
    struct contract_fixture *fx = *state;
    const unsigned total = CONTRACT_THREADS * CONTRACT_JOINS_PER_THREAD;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "crowd", false);
    struct contract_joiner js[CONTRACT_THREADS];
    unsigned ok = contract_run_joiners(fx, ex.id, CONTRACT_JOINS_PER_THREAD, SANTA_MAX_PARTICIPANTS,
                                       false, js);
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        assert_int_equal(js[t].other + js[t].taken + js[t].full, 0);
        for (unsigned i = 1; i < js[t].ok; i++)
            assert_true(js[t].seqs[i] > js[t].seqs[i - 1]); /* one thread's joins stay in order */
    }
    assert_int_equal(ok, total);
    contract_check_exchange(fx, &ex, false, total);

    uint64_t *seqs = calloc(total, sizeof *seqs);
    struct santa_participant *listed = calloc(CONTRACT_MAX_PEOPLE, sizeof *listed);
    assert_non_null(seqs);
    assert_non_null(listed);
    for (unsigned t = 0; t < CONTRACT_THREADS; t++)
        memcpy(&seqs[t * CONTRACT_JOINS_PER_THREAD], js[t].seqs, sizeof js[t].seqs);
    qsort(seqs, total, sizeof *seqs, contract_cmp_seq);
    for (unsigned i = 1; i < total; i++)
        assert_true(seqs[i] > seqs[i - 1]); /* all distinct */
    /* the list is exactly those seqs, in order */
    assert_int_equal(contract_list_all(fx, ex.id, SANTA_PAGE_MAX, listed, CONTRACT_MAX_PEOPLE),
                     total);
    for (unsigned i = 0; i < total; i++)
        assert_int_equal(listed[i].seq, seqs[i]);
    free(seqs);
    free(listed);
}

static void test_concurrent_same_email_one_wins(void **state)
{
    struct contract_fixture *fx = *state;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "twins", false);
    struct contract_joiner js[CONTRACT_THREADS];
    unsigned ok = contract_run_joiners(fx, ex.id, 1, SANTA_MAX_PARTICIPANTS, true, js);
    unsigned taken = 0;
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        assert_int_equal(js[t].other + js[t].full, 0);
        taken += js[t].taken;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(taken, CONTRACT_THREADS - 1);
    contract_check_exchange(fx, &ex, false, 1);
}

static void test_concurrent_joins_respect_the_limit(void **state)
{
    struct contract_fixture *fx = *state;
    const uint32_t max = 50;
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "limited", false);
    struct contract_joiner js[CONTRACT_THREADS];
    unsigned ok = contract_run_joiners(fx, ex.id, 20, max, false, js);
    unsigned full = 0;
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        assert_int_equal(js[t].other + js[t].taken, 0);
        full += js[t].full;
    }
    assert_int_equal(ok, max);
    assert_int_equal(full, CONTRACT_THREADS * 20 - max);
    contract_check_exchange(fx, &ex, false, max);
}

struct contract_drawer {
    struct santa_store *s;
    const char *exchange_id;
    pthread_barrier_t *start;
    enum santa_status result; /* read by the test after pthread_join */
};

static void *contract_drawer_main(void *arg)
{
    struct contract_drawer *d = arg;
    struct santa_rng rng = santa_rng_csprng(); /* outlives the plan */
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    pthread_barrier_wait(d->start);
    d->result = plan ? d->s->ops->draw(d->s, d->exchange_id, plan) : SANTA_UNAVAILABLE;
    santa_draw_plan_free(plan);
    contract_thread_done(d->s);
    return NULL;
}

static void test_concurrent_draws_one_wins(void **state)
{
    struct contract_fixture *fx = *state;
    enum { N = 30 };
    struct santa_exchange ex;
    contract_exchange_new(fx, &ex, "race", false);
    struct santa_participant ps[N];
    contract_join_many(fx, ex.id, 0, N, ps);
    contract_exclude(fx, ex.id, &ps[0], &ps[1], true);

    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, CONTRACT_THREADS), 0);
    struct contract_drawer ds[CONTRACT_THREADS];
    pthread_t tids[CONTRACT_THREADS];
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        ds[t] = (struct contract_drawer){
            .s = fx->s, .exchange_id = ex.id, .start = &start, .result = SANTA_UNAVAILABLE};
        assert_int_equal(pthread_create(&tids[t], NULL, contract_drawer_main, &ds[t]), 0);
    }
    unsigned won = 0, lost = 0;
    for (unsigned t = 0; t < CONTRACT_THREADS; t++) {
        assert_int_equal(pthread_join(tids[t], NULL), 0);
        if (ds[t].result == SANTA_OK)
            won++;
        else if (ds[t].result == SANTA_ALREADY_DRAWN)
            lost++;
        else
            fail_msg("a concurrent draw returned %s", santa_status_code(ds[t].result));
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(won, 1);
    assert_int_equal(lost, CONTRACT_THREADS - 1);
    contract_check_exchange(fx, &ex, true, N);
    const struct contract_arc arcs[] = {{0, 1}, {1, 0}};
    uint32_t recipient[N];
    contract_check_draw(fx, ex.id, ps, N, arcs, 2, false, recipient);
}

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
