/*
 * draw_match.c - perfect matching of givers to receivers on the complement
 * of the exclusion graph.
 *
 * The allowed graph is nearly complete (everyone may give to almost anyone),
 * so it is never built: a search keeps the receivers it has not reached yet
 * in an array and, for each giver it expands, walks that array once, skipping
 * the giver's excluded receivers (marked beforehand) and taking every other
 * one. A receiver is taken at most once per search and each skip is paid for
 * by an exclusion, so one augmenting-path search costs O(n + E).
 *
 * The search starts from the caller's random permutation with its allowed
 * arcs kept, so only the givers it got wrong (about 1 + E/n of them for
 * random exclusions) need a search, and by Berge's lemma a giver whose
 * search fails can never be matched: the draw is infeasible, and the givers
 * that search reached are a Hall violator (k givers, k - 1 receivers).
 */
#include <string.h>

#include "draw_internal.h"
#include "santa/alloc.h"

struct matcher {
    const struct santa_draw_graph *g;
    uint32_t *match_g;  /* giver -> receiver or NONE */
    uint32_t *match_r;  /* receiver -> giver or NONE */
    uint32_t *unseen;   /* receivers not reached by the current search */
    uint32_t *parent;   /* receiver -> giver that reached it */
    uint32_t *queue;    /* givers in BFS order */
    uint32_t *mark;     /* receiver -> stamp of the giver that excludes it */
    uint32_t stamp;
};

static void flip_path(struct matcher *m, uint32_t root, uint32_t v)
{
    for (;;) {
        uint32_t u = m->parent[v];
        uint32_t next = m->match_g[u];
        m->match_g[u] = v;
        m->match_r[v] = u;
        if (u == root)
            return;
        v = next;
    }
}

/* Marks what giver u may not give to with a fresh stamp. */
static void mark_excluded(struct matcher *m, uint32_t u)
{
    if (++m->stamp == 0) { /* wrapped: old marks could alias */
        memset(m->mark, 0, (size_t)m->g->n * sizeof *m->mark);
        m->stamp = 1;
    }
    m->mark[u] = m->stamp;
    for (uint32_t i = m->g->off[u]; i < m->g->off[u + 1]; i++)
        m->mark[m->g->to[i]] = m->stamp;
}

/* BFS for an augmenting path from the free giver root; flips it when found.
 * Returns how many givers were reached when it fails, 0 on success. */
static uint32_t augment(struct matcher *m, uint32_t root, uint32_t rotate)
{
    uint32_t n = m->g->n, unseen_count = n, head = 0, tail = 0;
    for (uint32_t k = 0; k < n; k++)
        m->unseen[k] = (k + rotate) % n; /* a random rotation varies who is picked */
    m->queue[tail++] = root;
    while (head < tail) {
        uint32_t u = m->queue[head++];
        mark_excluded(m, u);
        uint32_t i = 0;
        while (i < unseen_count) {
            uint32_t v = m->unseen[i];
            if (m->mark[v] == m->stamp) {
                i++;
                continue;
            }
            m->unseen[i] = m->unseen[--unseen_count];
            m->parent[v] = u;
            if (m->match_r[v] == SANTA_DRAW_NONE) {
                flip_path(m, root, v);
                return 0;
            }
            m->queue[tail++] = m->match_r[v];
        }
    }
    return tail;
}

enum santa_status santa_draw_match_complete(const struct santa_draw_graph *g,
                                            struct santa_rng *rng, uint32_t *rec,
                                            struct santa_draw_result *res)
{
    size_t n = g->n;
    struct matcher m = {.g = g};
    enum santa_status st = SANTA_UNAVAILABLE;
    m.match_g = santa_malloc(n * sizeof *m.match_g);
    m.match_r = santa_malloc(n * sizeof *m.match_r);
    m.unseen = santa_malloc(n * sizeof *m.unseen);
    m.parent = santa_malloc(n * sizeof *m.parent);
    m.queue = santa_malloc(n * sizeof *m.queue);
    m.mark = santa_calloc(n, sizeof *m.mark);
    if (!m.match_g || !m.match_r || !m.unseen || !m.parent || !m.queue || !m.mark)
        goto done;

    for (size_t v = 0; v < n; v++)
        m.match_r[v] = SANTA_DRAW_NONE;
    for (uint32_t u = 0; u < n; u++) {
        bool keep = santa_draw_graph_allowed(g, u, rec[u]);
        m.match_g[u] = keep ? rec[u] : SANTA_DRAW_NONE;
        if (keep)
            m.match_r[rec[u]] = u;
    }
    st = SANTA_OK;
    for (uint32_t u = 0; u < n && st == SANTA_OK; u++) {
        if (m.match_g[u] != SANTA_DRAW_NONE)
            continue;
        uint32_t reached = augment(&m, u, rng->uniform(rng->ctx, g->n));
        if (reached > 0) {
            res->blocker = u;
            res->why = SANTA_DRAW_BLOCK_GROUP;
            res->group = reached;
            st = SANTA_DRAW_INFEASIBLE;
        }
    }
    if (st == SANTA_OK)
        memcpy(rec, m.match_g, n * sizeof *rec);
done:
    santa_free(m.match_g);
    santa_free(m.match_r);
    santa_free(m.unseen);
    santa_free(m.parent);
    santa_free(m.queue);
    santa_free(m.mark);
    return st;
}
