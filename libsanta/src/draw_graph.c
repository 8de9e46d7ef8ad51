/*
 * draw_graph.c - the exclusion graph in compressed rows.
 *
 * Arcs arrive in any order with repeats (a mutual exclusion stored twice, a
 * duplicate request). Two stable counting sorts (by receiver, then by giver)
 * put every row in receiver order in O(n + E) without a comparison sort, so
 * "may g give to r" is a binary search in g's row and the rows can be walked
 * in step with a sorted scan.
 */
#include <stdlib.h>
#include <string.h>

#include "draw_internal.h"
#include "santa/alloc.h"

void santa_draw_graph_release(struct santa_draw_graph *g)
{
    santa_free(g->off);
    santa_free(g->to);
    santa_free(g->in_excl);
    memset(g, 0, sizeof *g);
}

/* Stable counting sort of arcs[0..m) into out[] by the key `by_giver`
 * selects; count[] has n + 1 zeroed slots and ends up as row offsets. */
static void counting_sort(const struct santa_draw_arc *arcs, uint32_t m, uint32_t n, bool by_giver,
                          uint32_t *count, struct santa_draw_arc *out)
{
    for (uint32_t i = 0; i < m; i++)
        count[(by_giver ? arcs[i].giver : arcs[i].receiver) + 1]++;
    for (uint32_t k = 0; k < n; k++)
        count[k + 1] += count[k];
    for (uint32_t i = 0; i < m; i++) {
        uint32_t key = by_giver ? arcs[i].giver : arcs[i].receiver;
        out[count[key]++] = arcs[i];
    }
    /* count[k] now holds the end of row k; shift back to row starts. */
    memmove(count + 1, count, n * sizeof *count);
    count[0] = 0;
}

/* Drops repeats inside each (sorted) row, compacting to[] and off[]. */
static void dedup_rows(struct santa_draw_graph *g)
{
    uint32_t w = 0, start = g->off[0];
    for (uint32_t giver = 0; giver < g->n; giver++) {
        uint32_t end = g->off[giver + 1];
        g->off[giver] = w;
        for (uint32_t i = start; i < end; i++) {
            if (i == start || g->to[i] != g->to[i - 1])
                g->to[w++] = g->to[i];
        }
        start = end;
    }
    g->off[g->n] = w;
    for (uint32_t i = 0; i < w; i++)
        g->in_excl[g->to[i]]++;
}

enum santa_status santa_draw_graph_build(struct santa_draw_graph *g,
                                         const struct santa_draw_problem *p)
{
    memset(g, 0, sizeof *g);
    g->n = p->n;
    uint32_t m = 0;
    struct santa_draw_arc *keep = santa_malloc(((size_t)p->excluded_count + 1) * sizeof *keep);
    struct santa_draw_arc *sorted = santa_malloc(((size_t)p->excluded_count + 1) * sizeof *sorted);
    uint32_t *count = santa_calloc((size_t)p->n + 1, sizeof *count);
    g->off = santa_calloc((size_t)p->n + 1, sizeof *g->off);
    g->to = santa_malloc(((size_t)p->excluded_count + 1) * sizeof *g->to);
    g->in_excl = santa_calloc((size_t)p->n + 1, sizeof *g->in_excl);
    if (!keep || !sorted || !count || !g->off || !g->to || !g->in_excl)
        goto oom;

    for (uint32_t i = 0; i < p->excluded_count; i++) {
        struct santa_draw_arc a = p->excluded[i];
        if (a.giver < p->n && a.receiver < p->n && a.giver != a.receiver)
            keep[m++] = a;
    }
    counting_sort(keep, m, p->n, false, count, sorted);
    counting_sort(sorted, m, p->n, true, g->off, keep);
    for (uint32_t i = 0; i < m; i++)
        g->to[i] = keep[i].receiver;
    dedup_rows(g);

    santa_free(keep);
    santa_free(sorted);
    santa_free(count);
    return SANTA_OK;
oom:
    santa_free(keep);
    santa_free(sorted);
    santa_free(count);
    santa_draw_graph_release(g);
    return SANTA_UNAVAILABLE;
}

bool santa_draw_graph_allowed(const struct santa_draw_graph *g, uint32_t giver, uint32_t receiver)
{
    if (giver == receiver)
        return false;
    uint32_t lo = g->off[giver], hi = g->off[giver + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->to[mid] == receiver)
            return false;
        if (g->to[mid] < receiver)
            lo = mid + 1;
        else
            hi = mid;
    }
    return true;
}
