/*
 * draw_mutual.c - no_mutual for exchanges too big to enumerate.
 *
 * "Nobody gives to the person who gives to them" asks for a permutation
 * without fixed points or 2-cycles inside the allowed graph, which is
 * NP-complete in general (a partition into cycles of length >= 3). In
 * practice exclusions are sparse and a swap fixes each mutual pair: for the
 * pair a <-> b and any other giver c -> d, giving a -> d and c -> b breaks
 * the pair and cannot create a new one (d = b or c -> a would need a second
 * giver to b or a). Only when no swap works does a backtracking search run,
 * with a step budget so a hostile exclusion list costs bounded time: when the
 * budget runs out the caller says "gave up", never "impossible".
 */
#include <string.h>

#include "draw_internal.h"
#include "santa/alloc.h"

/* Candidate checks a backtracking search may spend: about a second here. */
#define MUTUAL_SEARCH_BUDGET 50000000ull

static bool swap_out(const struct santa_draw_graph *g, struct santa_rng *rng, uint32_t *rec,
                     uint32_t a, uint32_t b)
{
    uint32_t n = g->n, start = rng->uniform(rng->ctx, n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t c = (start + k) % n;
        if (c == a || c == b)
            continue;
        uint32_t d = rec[c];
        if (santa_draw_graph_allowed(g, a, d) && santa_draw_graph_allowed(g, c, b)) {
            rec[a] = d;
            rec[c] = b;
            return true;
        }
        if (santa_draw_graph_allowed(g, b, d) && santa_draw_graph_allowed(g, c, a)) {
            rec[b] = d;
            rec[c] = a;
            return true;
        }
    }
    return false;
}

struct search {
    const struct santa_draw_graph *g;
    uint32_t *order; /* givers, most constrained first */
    uint32_t *rec;   /* giver -> receiver or NONE */
    uint32_t *next;  /* per level: candidates tried */
    uint32_t *start; /* per level: random first candidate */
    bool *used;      /* receiver taken */
};

static bool fits(const struct search *s, uint32_t giver, uint32_t r)
{
    return !s->used[r] && s->rec[r] != giver && santa_draw_graph_allowed(s->g, giver, r);
}

/* Orders givers by how few receivers they may take, fewest first (a
 * counting sort on that number), so the search fails early. */
static void order_givers(const struct santa_draw_graph *g, uint32_t *order, uint32_t *count)
{
    uint32_t n = g->n;
    memset(count, 0, ((size_t)n + 1) * sizeof *count);
    for (uint32_t u = 0; u < n; u++)
        count[n - 1 - (g->off[u + 1] - g->off[u])]++;
    for (uint32_t k = 1; k <= n; k++)
        count[k] += count[k - 1];
    for (uint32_t u = n; u-- > 0;)
        order[--count[n - 1 - (g->off[u + 1] - g->off[u])]] = u;
}

/* Iterative depth-first search (no recursion: worker threads have small
 * stacks and n may be 100,000). Returns OK, or INFEASIBLE with exhausted set
 * when the budget ran out. */
static enum santa_status backtrack(struct search *s, struct santa_rng *rng,
                                   struct santa_draw_result *res)
{
    uint32_t n = s->g->n;
    uint64_t steps = 0;
    int64_t level = 0;
    for (uint32_t u = 0; u < n; u++) {
        s->rec[u] = SANTA_DRAW_NONE;
        s->used[u] = false;
    }
    s->next[0] = 0;
    s->start[0] = rng->uniform(rng->ctx, n);
    while (level >= 0 && level < (int64_t)n) {
        uint32_t g = s->order[level];
        if (s->rec[g] != SANTA_DRAW_NONE) { /* back here: undo the last try */
            s->used[s->rec[g]] = false;
            s->rec[g] = SANTA_DRAW_NONE;
        }
        bool placed = false;
        while (s->next[level] < n && !placed) {
            uint32_t r = (s->start[level] + s->next[level]++) % n;
            if (++steps > MUTUAL_SEARCH_BUDGET) {
                res->exhausted = true;
                res->blocker = g;
                return SANTA_DRAW_INFEASIBLE;
            }
            if (fits(s, g, r)) {
                s->rec[g] = r;
                s->used[r] = true;
                placed = true;
            }
        }
        if (placed) {
            if (++level < (int64_t)n) {
                s->next[level] = 0;
                s->start[level] = rng->uniform(rng->ctx, n);
            }
        } else {
            s->next[level] = 0;
            level--;
            res->blocker = g;
        }
    }
    return level < 0 ? SANTA_DRAW_INFEASIBLE : SANTA_OK;
}

static enum santa_status search_all(const struct santa_draw_graph *g, struct santa_rng *rng,
                                    uint32_t *rec, struct santa_draw_result *res)
{
    size_t n = g->n;
    struct search s = {.g = g};
    enum santa_status st = SANTA_UNAVAILABLE;
    s.order = santa_malloc(n * sizeof *s.order);
    s.rec = santa_malloc(n * sizeof *s.rec);
    s.next = santa_malloc((n + 1) * sizeof *s.next);
    s.start = santa_malloc(n * sizeof *s.start);
    s.used = santa_malloc(n * sizeof *s.used);
    if (!s.order || !s.rec || !s.next || !s.start || !s.used)
        goto done;
    order_givers(g, s.order, s.next);
    st = backtrack(&s, rng, res);
    if (st == SANTA_OK)
        memcpy(rec, s.rec, n * sizeof *rec);
done:
    santa_free(s.order);
    santa_free(s.rec);
    santa_free(s.next);
    santa_free(s.start);
    santa_free(s.used);
    return st;
}

enum santa_status santa_draw_mutual_fix(const struct santa_draw_graph *g, struct santa_rng *rng,
                                        uint32_t *rec, struct santa_draw_result *res)
{
    for (uint32_t a = 0; a < g->n; a++) {
        uint32_t b = rec[a];
        if (rec[b] != a)
            continue;
        if (!swap_out(g, rng, rec, a, b)) {
            enum santa_status st = search_all(g, rng, rec, res);
            if (st == SANTA_DRAW_INFEASIBLE)
                res->why = SANTA_DRAW_BLOCK_MUTUAL;
            return st;
        }
    }
    return SANTA_OK;
}
