/*
 * draw.c - the Secret Santa draw: which strategy runs when, and why.
 *
 * 1. Cheap proofs of impossibility first: someone whose exclusions leave
 *    them nobody to give to, or whom everyone excludes, is named directly.
 * 2. Rejection sampling: shuffle uniformly (Fisher-Yates) and keep the first
 *    permutation that is valid. Every valid draw is then exactly equally
 *    likely, and for sparse exclusions a try succeeds with probability about
 *    e^-(1 + E/n) (e^-1.5 more with no_mutual), so a few tries suffice.
 * 3. Small exchanges (n <= 9) that rejection missed are enumerated exactly
 *    (draw_exact.c): still uniform, and no_mutual is decided exactly.
 * 4. Larger ones are repaired from the last random permutation by augmenting
 *    paths (draw_match.c), which also proves infeasibility and names a
 *    Hall violator; no_mutual pairs are then swapped away (draw_mutual.c).
 *    Every valid draw keeps a non-zero probability because step 2 can return
 *    any of them.
 */
#include <string.h>

#include "draw_internal.h"
#include "santa/alloc.h"
#include "santa/model.h"

/* Tries of rejection sampling before falling back. With P(success) >= 0.08
 * (n large, one exclusion per person, no_mutual) 64 tries fail with
 * probability < 0.005; the fallback is correct anyway, just not uniform. */
#define REJECTION_TRIES 64

static void shuffle(uint32_t *perm, uint32_t n, struct santa_rng *rng)
{
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = rng->uniform(rng->ctx, i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static bool valid(const struct santa_draw_graph *g, const uint32_t *rec, bool no_mutual)
{
    for (uint32_t u = 0; u < g->n; u++) {
        if (!santa_draw_graph_allowed(g, u, rec[u]))
            return false;
        if (no_mutual && rec[rec[u]] == u)
            return false;
    }
    return true;
}

/* Step 1: a giver with no allowed receiver, or a receiver no one may pick. */
static bool obviously_blocked(const struct santa_draw_graph *g, struct santa_draw_result *res)
{
    for (uint32_t u = 0; u < g->n; u++) {
        if (santa_draw_graph_out_degree(g, u) == 0) {
            res->blocker = u;
            res->why = SANTA_DRAW_BLOCK_GIVES;
            return true;
        }
    }
    for (uint32_t r = 0; r < g->n; r++) {
        if (g->in_excl[r] >= g->n - 1) {
            res->blocker = r;
            res->why = SANTA_DRAW_BLOCK_RECEIVES;
            return true;
        }
    }
    return false;
}

/* Step 3's verdict when nothing was found: a matching failure if there is
 * one (more useful to people), otherwise the mutual-pair rule. */
static enum santa_status explain_small(const struct santa_draw_graph *g, struct santa_rng *rng,
                                       uint32_t *rec, struct santa_draw_result *res)
{
    shuffle(rec, g->n, rng);
    enum santa_status st = santa_draw_match_complete(g, rng, rec, res);
    if (st != SANTA_OK)
        return st;
    uint32_t tightest = 0;
    for (uint32_t u = 1; u < g->n; u++)
        if (santa_draw_graph_out_degree(g, u) < santa_draw_graph_out_degree(g, tightest))
            tightest = u;
    res->blocker = tightest;
    res->why = SANTA_DRAW_BLOCK_MUTUAL;
    return SANTA_DRAW_INFEASIBLE;
}

static enum santa_status solve(const struct santa_draw_graph *g, bool no_mutual,
                               struct santa_rng *rng, uint32_t *rec, struct santa_draw_result *res)
{
    if (obviously_blocked(g, res))
        return SANTA_DRAW_INFEASIBLE;
    for (int t = 0; t < REJECTION_TRIES; t++) {
        shuffle(rec, g->n, rng);
        if (valid(g, rec, no_mutual))
            return SANTA_OK;
    }
    if (g->n <= SANTA_DRAW_EXACT_MAX) {
        if (santa_draw_exact(g, no_mutual, rng, rec) > 0)
            return SANTA_OK;
        return explain_small(g, rng, rec, res);
    }
    enum santa_status st = santa_draw_match_complete(g, rng, rec, res);
    if (st == SANTA_OK && no_mutual)
        st = santa_draw_mutual_fix(g, rng, rec, res);
    return st;
}

enum santa_status santa_draw_solve(const struct santa_draw_problem *p, struct santa_rng *rng,
                                   uint32_t *recipient, struct santa_draw_result *result)
{
    memset(result, 0, sizeof *result);
    if (p->n < SANTA_MIN_DRAW)
        return SANTA_TOO_FEW_PARTICIPANTS;
    struct santa_draw_graph g;
    enum santa_status st = santa_draw_graph_build(&g, p);
    if (st != SANTA_OK)
        return st;
    st = solve(&g, p->no_mutual, rng, recipient, result);
    santa_draw_graph_release(&g);
    return st;
}
