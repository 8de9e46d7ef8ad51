/*
 * store_contract_concurrency.c - the conformance suite: threads joining and drawing at once.
 */
#include "store_contract_kit.h"

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

void test_concurrent_joins_lose_nothing(void **state)
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

void test_concurrent_same_email_one_wins(void **state)
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

void test_concurrent_joins_respect_the_limit(void **state)
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

void test_concurrent_draws_one_wins(void **state)
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
