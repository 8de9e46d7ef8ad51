/*
 * store_contract_kit.c - the conformance suite's fixture and helpers: inputs
 * made the same way by every test, and checks that read a store back.
 */
#include "store_contract_kit.h"

/* ---- fixtures ---- */

int contract_setup(void **state)
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

int contract_teardown(void **state)
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

void contract_copy_id(char dst[SANTA_ID_LEN + 1], const char *src)
{
    size_t n = strnlen(src, SANTA_ID_LEN);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

char *contract_text(struct santa_arena *a, const char *prefix, unsigned n)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s%u", prefix, n);
    char *s = santa_arena_strdup(a, buf);
    assert_non_null(s);
    return s;
}

char *contract_concat(struct santa_arena *a, const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y);
    char *s = santa_arena_alloc(a, nx + ny + 1);
    assert_non_null(s);
    memcpy(s, x, nx);
    memcpy(s + nx, y, ny + 1);
    return s;
}

/* What the API layer hands the store as email_key: ASCII-lowercased. */
char *contract_email_key(struct santa_arena *a, const char *email)
{
    char *k = santa_arena_strdup(a, email);
    if (k)
        for (char *c = k; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    return k;
}

void contract_random_hash(struct santa_hash *h)
{
    char token[SANTA_TOKEN_LEN + 1];
    CONTRACT_OK(santa_token_new(token));
    santa_secret_hash(token, SANTA_TOKEN_LEN, h);
}

void contract_unknown_id(char id[SANTA_ID_LEN + 1])
{
    CONTRACT_OK(santa_id_new(id));
}

/* Creates an exchange with fresh id and hashes and checks it was accepted. */
void contract_exchange_new(struct contract_fixture *fx, struct santa_exchange *ex, const char *name,
                           bool no_mutual)
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
enum santa_status contract_try_join(struct santa_store *s, struct santa_arena *a,
                                    const char *exchange_id, const char *name, const char *email,
                                    const char *wishlist, uint32_t max, struct santa_participant *p)
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
void contract_join(struct contract_fixture *fx, const char *exchange_id, unsigned n,
                   struct santa_participant *p)
{
    const char *name = contract_text(&fx->arena, "Person ", n);
    const char *email =
        contract_concat(&fx->arena, contract_text(&fx->arena, "Person.", n), "@Example.ORG");
    CONTRACT_OK(contract_try_join(fx->s, &fx->arena, exchange_id, name, email, "",
                                  SANTA_MAX_PARTICIPANTS, p));
    assert_true(p->seq > 0);
}

void contract_join_many(struct contract_fixture *fx, const char *exchange_id, unsigned first,
                        unsigned n, struct santa_participant *ps)
{
    for (unsigned i = 0; i < n; i++)
        contract_join(fx, exchange_id, first + i, &ps[i]);
}

enum santa_status contract_draw(struct contract_fixture *fx, const char *exchange_id)
{
    struct santa_draw_plan *plan = santa_draw_plan_new(&fx->rng);
    assert_non_null(plan);
    enum santa_status st = fx->s->ops->draw(fx->s, exchange_id, plan);
    santa_draw_plan_free(plan);
    return st;
}

void contract_exclude(struct contract_fixture *fx, const char *exchange_id,
                      const struct santa_participant *giver,
                      const struct santa_participant *receiver, bool mutual)
{
    CONTRACT_OK(fx->s->ops->exclusion_add(fx->s, exchange_id, giver->id, receiver->id, mutual));
}

void contract_set_wishlist(struct contract_fixture *fx, struct santa_participant *p,
                           const char *wishlist)
{
    CONTRACT_OK(fx->s->ops->wishlist_set(fx->s, p->exchange_id, p->id, wishlist));
    p->wishlist = wishlist; /* what the test now expects to read back */
}

/* ---- helpers: checks ---- */

void contract_assert_hash(const struct santa_hash *want, const struct santa_hash *got)
{
    assert_memory_equal(want->b, got->b, SANTA_HASH_LEN);
}

void contract_assert_exchange(const struct santa_exchange *want, const struct santa_exchange *got,
                              bool drawn, uint32_t count)
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

void contract_check_exchange(struct contract_fixture *fx, const struct santa_exchange *want,
                             bool drawn, uint32_t count)
{
    struct santa_exchange got;
    CONTRACT_OK(fx->s->ops->exchange_get(fx->s, want->id, &fx->arena, &got));
    contract_assert_exchange(want, &got, drawn, count);
}

void contract_assert_participant(const struct santa_participant *want,
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

void contract_check_participant(struct contract_fixture *fx, const struct santa_participant *want)
{
    struct santa_participant got;
    CONTRACT_OK(fx->s->ops->participant_get(fx->s, want->exchange_id, want->id, &fx->arena, &got));
    contract_assert_participant(want, &got);
}

/* Reads every participant page by page (pages of `limit`), checking the
 * paging rules on the way; returns how many there were. */
uint32_t contract_list_all(struct contract_fixture *fx, const char *exchange_id, uint32_t limit,
                           struct santa_participant *out, uint32_t cap)
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

uint32_t contract_index_of(const struct santa_participant *ps, uint32_t n, const char *id)
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
void contract_check_draw(struct contract_fixture *fx, const char *exchange_id,
                         const struct santa_participant *ps, uint32_t n,
                         const struct contract_arc *excluded, size_t excluded_n, bool no_mutual,
                         uint32_t *recipient)
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

void contract_check_not_drawn(struct contract_fixture *fx, const char *exchange_id,
                              const struct santa_participant *ps, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct santa_assignment as;
        CONTRACT_EXPECT(fx->s->ops->assignment_get(fx->s, exchange_id, ps[i].id, &fx->arena, &as),
                        SANTA_NOT_DRAWN);
    }
}
