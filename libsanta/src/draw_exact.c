/*
 * draw_exact.c - small exchanges: list every valid draw, pick one uniformly.
 *
 * With at most SANTA_DRAW_EXACT_MAX (9) people there are at most 9! = 362,880
 * permutations, and pruning on allowed arcs visits far fewer, so counting all
 * valid draws and then walking to a uniformly chosen index is both exactly
 * fair and cheap. It also decides no_mutual exactly, which no polynomial
 * method does in general.
 */
#include "draw_internal.h"

struct walk {
    uint32_t n;
    uint16_t allowed[SANTA_DRAW_EXACT_MAX]; /* bit r set: giver may give to r */
    bool no_mutual;
    uint32_t rec[SANTA_DRAW_EXACT_MAX];
    uint32_t seen;   /* valid draws met so far */
    uint32_t target; /* stop at this index (UINT32_MAX: count them all) */
};

/* Assigns givers in index order; returns true when the target was reached
 * (rec[] then holds it). */
static bool visit(struct walk *w, uint32_t giver, uint16_t taken)
{
    if (giver == w->n)
        return w->seen++ == w->target;
    uint16_t options = (uint16_t)(w->allowed[giver] & ~taken);
    for (uint32_t r = 0; r < w->n; r++) {
        if (!(options & (1u << r)))
            continue;
        /* r < giver already gives to someone: refuse closing a 2-cycle */
        if (w->no_mutual && r < giver && w->rec[r] == giver)
            continue;
        w->rec[giver] = r;
        if (visit(w, giver + 1, (uint16_t)(taken | (1u << r))))
            return true;
    }
    return false;
}

uint32_t santa_draw_exact(const struct santa_draw_graph *g, bool no_mutual, struct santa_rng *rng,
                          uint32_t *rec)
{
    struct walk w = {.n = g->n, .no_mutual = no_mutual, .target = UINT32_MAX};
    for (uint32_t u = 0; u < g->n; u++)
        for (uint32_t r = 0; r < g->n; r++)
            if (santa_draw_graph_allowed(g, u, r))
                w.allowed[u] |= (uint16_t)(1u << r);
    visit(&w, 0, 0);
    uint32_t total = w.seen;
    if (total == 0)
        return 0;
    w.target = rng->uniform(rng->ctx, total);
    w.seen = 0;
    visit(&w, 0, 0);
    for (uint32_t u = 0; u < g->n; u++)
        rec[u] = w.rec[u];
    return total;
}
