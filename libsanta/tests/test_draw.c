/*
 * test_draw.c - the draw against brute force, properties and fairness.
 *
 * Small problems (n <= 8) are solved both ways: the draw, and a plain walk
 * over all n! permutations. They must agree on feasibility every time, and
 * every draw must be valid. Medium problems (n up to 60) are checked against
 * an independent O(n^3) matching on a dense matrix. Fairness is a
 * chi-squared test over every valid draw of small problems, and the
 * failing-allocator test shows out-of-memory is an answer, not a crash.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/alloc.h"
#include "santa/draw.h"
#include "test_rng.h"

#define MAXN 64

struct problem {
    uint32_t n;
    bool no_mutual;
    bool banned[MAXN][MAXN]; /* the truth the arcs encode */
    struct santa_draw_arc arcs[MAXN * MAXN * 2];
    uint32_t arc_count;
};

/* Random exclusions with density p, fed with repeats and self-arcs to prove
 * they are ignored. */
static void make_problem(struct problem *pr, struct test_rng_state *st, uint32_t n, double p,
                         bool no_mutual)
{
    memset(pr, 0, sizeof *pr);
    pr->n = n;
    pr->no_mutual = no_mutual;
    for (uint32_t g = 0; g < n; g++) {
        for (uint32_t r = 0; r < n; r++) {
            double u = (double)test_rng_next(st) / 18446744073709551616.0;
            if (g == r || u >= p)
                continue;
            pr->banned[g][r] = true;
            pr->arcs[pr->arc_count++] = (struct santa_draw_arc){g, r};
            if (u < p / 4) /* a repeat */
                pr->arcs[pr->arc_count++] = (struct santa_draw_arc){g, r};
        }
        if (test_rng_next(st) % 4 == 0) /* a self-arc means nothing */
            pr->arcs[pr->arc_count++] = (struct santa_draw_arc){g, g};
    }
}

static struct santa_draw_problem as_problem(const struct problem *pr)
{
    return (struct santa_draw_problem){.n = pr->n,
                                       .excluded = pr->arcs,
                                       .excluded_count = pr->arc_count,
                                       .no_mutual = pr->no_mutual};
}

static bool is_valid(const struct problem *pr, const uint32_t *rec)
{
    bool seen[MAXN] = {false};
    for (uint32_t g = 0; g < pr->n; g++) {
        uint32_t r = rec[g];
        if (r >= pr->n || seen[r] || r == g || pr->banned[g][r])
            return false;
        if (pr->no_mutual && rec[r] == g)
            return false;
        seen[r] = true;
    }
    return true;
}

/* Counts valid permutations by walking all of them (Heap-free: plain
 * recursion over unused receivers, no pruning, so it shares no logic with
 * the draw). Stops early at `stop`. */
static uint64_t brute(const struct problem *pr, uint32_t *perm, bool *used, uint32_t k,
                      uint64_t stop, uint64_t *found)
{
    if (k == pr->n) {
        if (is_valid(pr, perm))
            (*found)++;
        return *found;
    }
    for (uint32_t r = 0; r < pr->n && *found < stop; r++) {
        if (used[r])
            continue;
        used[r] = true;
        perm[k] = r;
        brute(pr, perm, used, k + 1, stop, found);
        used[r] = false;
    }
    return *found;
}

static uint64_t brute_count(const struct problem *pr, uint64_t stop)
{
    uint32_t perm[MAXN];
    bool used[MAXN] = {false};
    uint64_t found = 0;
    return brute(pr, perm, used, 0, stop, &found);
}

static void test_agrees_with_brute_force(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 20261122);
    static struct problem pr;
    uint32_t rec[MAXN];
    int feasible = 0, infeasible = 0, mutual_blocked = 0;
    for (int i = 0; i < 4000; i++) {
        uint32_t n = 3 + (uint32_t)(test_rng_next(&st) % 6); /* 3..8 */
        double p = 0.05 + 0.75 * (double)(test_rng_next(&st) % 100) / 100.0;
        make_problem(&pr, &st, n, p, test_rng_next(&st) % 2 == 0);
        struct santa_draw_problem dp = as_problem(&pr);
        struct santa_draw_result res;
        enum santa_status got = santa_draw_solve(&dp, &rng, rec, &res);
        bool exists = brute_count(&pr, 1) > 0;
        if (exists) {
            assert_int_equal(got, SANTA_OK);
            assert_true(is_valid(&pr, rec));
            feasible++;
        } else {
            assert_int_equal(got, SANTA_DRAW_INFEASIBLE);
            assert_false(res.exhausted); /* small problems are decided exactly */
            assert_true(res.blocker < n);
            infeasible++;
            mutual_blocked += res.why == SANTA_DRAW_BLOCK_MUTUAL;
        }
    }
    /* the generator must actually produce both kinds, or this proves nothing */
    assert_true(feasible > 500);
    assert_true(infeasible > 500);
    assert_true(mutual_blocked > 10);
}

/* An independent reference for feasibility: Kuhn's algorithm on the dense
 * allowed matrix. */
static bool kuhn_try(const struct problem *pr, uint32_t g, bool *seen, int32_t *owner)
{
    for (uint32_t r = 0; r < pr->n; r++) {
        if (r == g || pr->banned[g][r] || seen[r])
            continue;
        seen[r] = true;
        if (owner[r] < 0 || kuhn_try(pr, (uint32_t)owner[r], seen, owner)) {
            owner[r] = (int32_t)g;
            return true;
        }
    }
    return false;
}

static bool reference_feasible(const struct problem *pr)
{
    int32_t owner[MAXN];
    for (uint32_t r = 0; r < pr->n; r++)
        owner[r] = -1;
    for (uint32_t g = 0; g < pr->n; g++) {
        bool seen[MAXN] = {false};
        if (!kuhn_try(pr, g, seen, owner))
            return false;
    }
    return true;
}

static void test_agrees_with_reference_matching(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 7);
    static struct problem pr;
    uint32_t rec[MAXN];
    int feasible = 0, infeasible = 0;
    for (int i = 0; i < 3000; i++) {
        uint32_t n = 10 + (uint32_t)(test_rng_next(&st) % 51); /* 10..60 */
        /* dense enough that random permutations fail and the matcher works */
        double p = 0.70 + 0.28 * (double)(test_rng_next(&st) % 100) / 100.0;
        bool no_mutual = test_rng_next(&st) % 3 == 0;
        make_problem(&pr, &st, n, p, no_mutual);
        struct santa_draw_problem dp = as_problem(&pr);
        struct santa_draw_result res;
        enum santa_status got = santa_draw_solve(&dp, &rng, rec, &res);
        if (!reference_feasible(&pr)) {
            assert_int_equal(got, SANTA_DRAW_INFEASIBLE);
            assert_true(res.why != SANTA_DRAW_BLOCK_MUTUAL);
            assert_true(res.blocker < n);
            if (res.why == SANTA_DRAW_BLOCK_GIVES) {
                for (uint32_t r = 0; r < n; r++)
                    assert_true(r == res.blocker || pr.banned[res.blocker][r]);
            } else if (res.why == SANTA_DRAW_BLOCK_RECEIVES) {
                for (uint32_t g = 0; g < n; g++)
                    assert_true(g == res.blocker || pr.banned[g][res.blocker]);
            } else {
                assert_int_equal(res.why, SANTA_DRAW_BLOCK_GROUP);
                assert_true(res.group >= 2);
            }
            infeasible++;
        } else if (got == SANTA_OK) {
            assert_true(is_valid(&pr, rec));
            feasible++;
        } else {
            /* only no_mutual may fail where a matching exists */
            assert_true(no_mutual);
            assert_int_equal(got, SANTA_DRAW_INFEASIBLE);
            assert_int_equal(res.why, SANTA_DRAW_BLOCK_MUTUAL);
        }
    }
    assert_true(feasible > 300);
    assert_true(infeasible > 300);
}

/* P(X >= x) for chi-squared with df degrees of freedom: the regularized upper
 * incomplete gamma Q(df/2, x/2), by series or continued fraction. */
static double chi2_sf(double x, double df)
{
    double a = df / 2, z = x / 2;
    if (z <= 0)
        return 1.0;
    double front = exp(-z + a * log(z) - lgamma(a));
    if (z < a + 1) {
        double sum = 1.0 / a, term = sum;
        for (double k = a + 1; term > sum * 1e-15; k++) {
            term *= z / k;
            sum += term;
        }
        return 1.0 - front * sum;
    }
    double b = z + 1 - a, c = 1e300, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = 1 / (an * d + b);
        c = b + an / c;
        h *= d * c;
        if (fabs(d * c - 1) < 1e-15)
            break;
    }
    return front * h;
}

static void test_chi2_sf_matches_tables(void **state)
{
    (void)state;
    /* published critical values at p = 0.001 */
    assert_true(fabs(chi2_sf(77.419, 43) - 0.001) < 1e-5);
    assert_true(fabs(chi2_sf(10.828, 1) - 0.001) < 1e-5);
    assert_true(fabs(chi2_sf(29.588, 10) - 0.001) < 1e-5);
}

/* Index of a permutation among all n! (Lehmer code), for tallying. */
static uint32_t perm_index(const uint32_t *rec, uint32_t n)
{
    uint32_t idx = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t smaller = 0;
        for (uint32_t j = i + 1; j < n; j++)
            smaller += rec[j] < rec[i];
        idx = idx * (n - i) + smaller;
    }
    return idx;
}

/* Draws `samples_per` times per valid draw; every valid draw must occur and
 * the spread must pass chi-squared at p >= 0.001. Returns the valid count. */
static uint32_t check_fair(const struct problem *pr, struct santa_rng *rng, uint32_t samples_per)
{
    static uint32_t tally[40320];
    static bool valid_perm[40320];
    uint32_t fact = 1;
    for (uint32_t k = 2; k <= pr->n; k++)
        fact *= k;
    memset(tally, 0, sizeof tally);
    memset(valid_perm, 0, sizeof valid_perm);
    uint32_t valid = (uint32_t)brute_count(pr, UINT64_MAX);
    assert_true(valid >= 2);
    uint32_t rec[MAXN];
    uint32_t total = valid * samples_per;
    for (uint32_t s = 0; s < total; s++) {
        struct santa_draw_problem dp = as_problem(pr);
        struct santa_draw_result res;
        assert_int_equal(santa_draw_solve(&dp, rng, rec, &res), SANTA_OK);
        assert_true(is_valid(pr, rec));
        uint32_t i = perm_index(rec, pr->n);
        assert_true(i < fact);
        tally[i]++;
        valid_perm[i] = true;
    }
    double chi2 = 0;
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < fact; i++) {
        if (!valid_perm[i])
            continue;
        distinct++;
        double diff = (double)tally[i] - samples_per;
        chi2 += diff * diff / samples_per;
    }
    assert_int_equal(distinct, valid); /* every valid draw occurred */
    double p = chi2_sf(chi2, valid - 1);
    print_message("n=%u valid=%u chi2=%.1f p=%.3f\n", pr->n, valid, chi2, p);
    assert_true(p >= 0.001);
    return valid;
}

static void test_fair_for_five_without_exclusions(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 44);
    static struct problem pr;
    memset(&pr, 0, sizeof pr);
    pr.n = 5;
    assert_int_equal(check_fair(&pr, &rng, 500), 44); /* the 44 derangements of 5 */
}

static void test_fair_with_exclusions_and_no_mutual(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 1225);
    static struct problem pr;
    int checked = 0;
    /* dense graphs (exact enumeration path) and sparse ones (rejection path) */
    for (int i = 0; i < 200 && checked < 12; i++) {
        uint32_t n = 5 + (uint32_t)(test_rng_next(&st) % 3);
        make_problem(&pr, &st, n, i % 2 ? 0.6 : 0.15, i % 3 == 0);
        uint64_t valid = brute_count(&pr, UINT64_MAX);
        if (valid < 2 || valid > 300)
            continue;
        check_fair(&pr, &rng, 200);
        checked++;
    }
    assert_int_equal(checked, 12);
}

static void test_too_few_and_ignored_arcs(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 3);
    uint32_t rec[4];
    struct santa_draw_result res;
    struct santa_draw_problem two = {.n = 2};
    assert_int_equal(santa_draw_solve(&two, &rng, rec, &res), SANTA_TOO_FEW_PARTICIPANTS);
    /* out-of-range and self arcs constrain nothing: 3 people still draw */
    struct santa_draw_arc junk[] = {{0, 0}, {7, 1}, {1, 9}, {2, 2}};
    struct santa_draw_problem three = {.n = 3, .excluded = junk, .excluded_count = 4};
    assert_int_equal(santa_draw_solve(&three, &rng, rec, &res), SANTA_OK);
    for (uint32_t g = 0; g < 3; g++)
        assert_int_not_equal(rec[g], g);
}

static void test_named_blockers(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 5);
    uint32_t rec[12];
    struct santa_draw_result res;
    /* 1 excludes everyone else: 1 has nobody to give to */
    struct santa_draw_arc gives[] = {{1, 0}, {1, 2}, {1, 3}};
    struct santa_draw_problem p1 = {.n = 4, .excluded = gives, .excluded_count = 3};
    assert_int_equal(santa_draw_solve(&p1, &rng, rec, &res), SANTA_DRAW_INFEASIBLE);
    assert_int_equal(res.why, SANTA_DRAW_BLOCK_GIVES);
    assert_int_equal(res.blocker, 1);
    /* everyone excludes 2 */
    struct santa_draw_arc recv[] = {{0, 2}, {1, 2}, {3, 2}};
    struct santa_draw_problem p2 = {.n = 4, .excluded = recv, .excluded_count = 3};
    assert_int_equal(santa_draw_solve(&p2, &rng, rec, &res), SANTA_DRAW_INFEASIBLE);
    assert_int_equal(res.why, SANTA_DRAW_BLOCK_RECEIVES);
    assert_int_equal(res.blocker, 2);
    /* 12 people; 0, 1 and 2 may only give to 3 or 4: three givers, two receivers */
    struct santa_draw_arc group[3 * 12];
    uint32_t k = 0;
    for (uint32_t g = 0; g < 3; g++)
        for (uint32_t r = 0; r < 12; r++)
            if (r != 3 && r != 4)
                group[k++] = (struct santa_draw_arc){g, r};
    struct santa_draw_problem p3 = {.n = 12, .excluded = group, .excluded_count = k};
    assert_int_equal(santa_draw_solve(&p3, &rng, rec, &res), SANTA_DRAW_INFEASIBLE);
    assert_int_equal(res.why, SANTA_DRAW_BLOCK_GROUP);
    assert_true(res.blocker <= 2);
    assert_int_equal(res.group, 3);
}

static void test_no_mutual_proven_impossible_beyond_exact(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 11);
    /* 0 may only give to 1 and 1 only to 0: a matching exists, but only
     * with the mutual pair 0 <-> 1, so no_mutual must say so, and prove it */
    struct santa_draw_arc arcs[2 * 20];
    uint32_t k = 0;
    for (uint32_t r = 2; r < 20; r++) {
        arcs[k++] = (struct santa_draw_arc){0, r};
        arcs[k++] = (struct santa_draw_arc){1, r};
    }
    uint32_t rec[20];
    struct santa_draw_result res;
    struct santa_draw_problem p = {.n = 20, .excluded = arcs, .excluded_count = k};
    assert_int_equal(santa_draw_solve(&p, &rng, rec, &res), SANTA_OK);
    assert_int_equal(rec[0], 1);
    assert_int_equal(rec[1], 0);
    p.no_mutual = true;
    assert_int_equal(santa_draw_solve(&p, &rng, rec, &res), SANTA_DRAW_INFEASIBLE);
    assert_int_equal(res.why, SANTA_DRAW_BLOCK_MUTUAL);
    assert_false(res.exhausted);
}

/* Large exchanges: valid, no self, exclusions honoured, no 2-cycles. */
static void test_large_exchanges(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 100000);
    const uint32_t n = 20000;
    struct santa_draw_arc *arcs = calloc(n * 2, sizeof *arcs);
    uint32_t *rec = calloc(n, sizeof *rec);
    bool *seen = calloc(n, sizeof *seen);
    assert_non_null(arcs);
    assert_non_null(rec);
    assert_non_null(seen);
    for (uint32_t i = 0; i < n * 2; i++)
        arcs[i] = (struct santa_draw_arc){test_rng_uniform(&st, n), test_rng_uniform(&st, n)};
    for (int mode = 0; mode < 2; mode++) {
        struct santa_draw_problem p = {
            .n = n, .excluded = arcs, .excluded_count = n * 2, .no_mutual = mode == 1};
        struct santa_draw_result res;
        assert_int_equal(santa_draw_solve(&p, &rng, rec, &res), SANTA_OK);
        memset(seen, 0, n * sizeof *seen);
        for (uint32_t g = 0; g < n; g++) {
            assert_true(rec[g] < n && rec[g] != g && !seen[rec[g]]);
            seen[rec[g]] = true;
            if (p.no_mutual)
                assert_int_not_equal(rec[rec[g]], g);
        }
        for (uint32_t i = 0; i < n * 2; i++)
            assert_true(arcs[i].giver == arcs[i].receiver ||
                        rec[arcs[i].giver] != arcs[i].receiver);
    }
    free(arcs);
    free(rec);
    free(seen);
}

/* ---- out of memory: the k-th allocation fails, for every k ---- */

static long budget = -1;

static void *limited_malloc(size_t n)
{
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    return malloc(n);
}

static void *limited_calloc(size_t c, size_t n)
{
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    return calloc(c, n);
}

static void *limited_realloc(void *p, size_t n)
{
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    return realloc(p, n);
}

static void test_out_of_memory_is_unavailable(void **state)
{
    (void)state;
    struct test_rng_state st;
    struct santa_rng rng = test_rng_make(&st, 9);
    struct santa_alloc_hooks hooks = {.malloc_fn = limited_malloc,
                                      .calloc_fn = limited_calloc,
                                      .realloc_fn = limited_realloc,
                                      .free_fn = free};
    santa_alloc_set_hooks(&hooks);
    /* dense 30-person problem: walks the graph, the matcher and the swaps */
    static struct problem pr;
    make_problem(&pr, &st, 30, 0.8, true);
    struct santa_draw_problem dp = as_problem(&pr);
    uint32_t rec[MAXN];
    struct santa_draw_result res;
    int failures = 0;
    for (long k = 0; k < 200; k++) {
        budget = k;
        enum santa_status got = santa_draw_solve(&dp, &rng, rec, &res);
        if (budget == 0 && got == SANTA_UNAVAILABLE)
            failures++;
        else if (got != SANTA_UNAVAILABLE)
            break; /* enough allocations to finish: past the last one */
    }
    budget = -1;
    santa_alloc_set_hooks(NULL);
    assert_true(failures >= 6); /* graph + matcher allocations each failed once */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_brute_force),
        cmocka_unit_test(test_agrees_with_reference_matching),
        cmocka_unit_test(test_chi2_sf_matches_tables),
        cmocka_unit_test(test_fair_for_five_without_exclusions),
        cmocka_unit_test(test_fair_with_exclusions_and_no_mutual),
        cmocka_unit_test(test_too_few_and_ignored_arcs),
        cmocka_unit_test(test_named_blockers),
        cmocka_unit_test(test_no_mutual_proven_impossible_beyond_exact),
        cmocka_unit_test(test_large_exchanges),
        cmocka_unit_test(test_out_of_memory_is_unavailable),
    };
    return cmocka_run_group_tests_name("draw", tests, NULL, NULL);
}
