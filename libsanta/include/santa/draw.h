/*
 * draw.h - the Secret Santa draw as pure computation: no I/O, no globals,
 * no allocation beyond what santa_draw_solve() frees before it returns.
 *
 * Participants are numbered 0..n-1. A draw is a permutation `recipient` with
 * recipient[g] != g for every giver g, no excluded arc g -> r, and, when
 * no_mutual is set, no pair with recipient[recipient[g]] == g.
 *
 * How it solves (see draw.c for the reasons):
 *  - Feasibility of the exclusions is decided exactly by a maximum bipartite
 *    matching (givers x receivers, allowed arcs only) found by augmenting
 *    paths searched on the complement of the exclusion list: one search costs
 *    O(n + E), never O(n^2), even for 100,000 people, and only the givers a
 *    random start leaves unmatched need one (about 1 + E/n of them).
 *  - A draw is first sought by rejection sampling of uniformly random
 *    permutations, which makes every valid draw exactly equally likely.
 *  - When exclusions are dense and rejection keeps failing, a random
 *    permutation is repaired into a valid one by augmenting paths; because
 *    that permutation is uniform, every valid draw still has a non-zero
 *    chance (a valid seed is kept as it is).
 *  - For n <= SANTA_DRAW_EXACT_MAX every valid draw is enumerated and one is
 *    picked uniformly, which also decides no_mutual feasibility exactly.
 *  - no_mutual for larger n: the problem is NP-complete in general (Garey &
 *    Johnson GT13, partition into Hamiltonian subgraphs), so mutual pairs are
 *    removed by local 2-swaps, then by a bounded backtracking search. If that
 *    search exhausts its budget the answer is DRAW_INFEASIBLE with
 *    `exhausted` set, and the caller says so in its message. Never a hang.
 */
#ifndef SANTA_DRAW_H
#define SANTA_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"

#define SANTA_DRAW_EXACT_MAX 9u

/* A source of uniform random numbers: returns a value in [0, bound), bound >= 1.
 * Production uses a CSPRNG (token.h); tests may seed a deterministic one. */
struct santa_rng {
    uint32_t (*uniform)(void *ctx, uint32_t bound);
    void *ctx;
};

struct santa_draw_arc {
    uint32_t giver;
    uint32_t receiver;
};

struct santa_draw_problem {
    uint32_t n;
    const struct santa_draw_arc *excluded; /* may repeat; giver == receiver is ignored */
    uint32_t excluded_count;
    bool no_mutual;
};

/* Why a draw is impossible, so people can be told what to change. */
enum santa_draw_block {
    SANTA_DRAW_BLOCK_NONE = 0,
    SANTA_DRAW_BLOCK_GIVES,    /* blocker's exclusions leave them nobody to give to */
    SANTA_DRAW_BLOCK_RECEIVES, /* everyone else excludes giving to blocker */
    SANTA_DRAW_BLOCK_GROUP,    /* blocker and group-1 others may give to only group-1 people */
    SANTA_DRAW_BLOCK_MUTUAL,   /* every draw left has a mutual pair (no_mutual) */
};

struct santa_draw_result {
    /* On DRAW_INFEASIBLE: a participant who cannot be matched (its index). */
    uint32_t blocker;
    enum santa_draw_block why;
    /* For SANTA_DRAW_BLOCK_GROUP: how many givers compete for too few recipients. */
    uint32_t group;
    /* true when no_mutual's bounded search gave up rather than proved
     * infeasibility; false when infeasibility is proven. */
    bool exhausted;
};

/*
 * Fills recipient[0..n-1] (caller-allocated, n entries).
 * Returns SANTA_OK, SANTA_TOO_FEW_PARTICIPANTS (n < 3), SANTA_DRAW_INFEASIBLE
 * (result->blocker names who cannot be matched), or SANTA_UNAVAILABLE when
 * memory runs out. Thread-safe: it touches only its arguments.
 */
enum santa_status santa_draw_solve(const struct santa_draw_problem *p, struct santa_rng *rng,
                                   uint32_t *recipient, struct santa_draw_result *result);

#endif /* SANTA_DRAW_H */
