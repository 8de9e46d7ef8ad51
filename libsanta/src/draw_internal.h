/*
 * draw_internal.h - the pieces of the draw (draw.c) shared by its files.
 *
 * The draw works on an exclusion graph in compressed rows: for each giver the
 * sorted, distinct receivers they must not give to. Everything else about the
 * problem (who *may* give to whom) is the complement of those rows, which is
 * what keeps 100,000 participants cheap: memory and time follow the number of
 * exclusions, never n^2.
 *
 * Not part of the public API: only draw*.c include this.
 */
#ifndef SANTA_DRAW_INTERNAL_H
#define SANTA_DRAW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/draw.h"
#include "santa/status.h"

#define SANTA_DRAW_NONE UINT32_MAX

struct santa_draw_graph {
    uint32_t n;
    uint32_t *off;     /* n + 1 row offsets into to[] */
    uint32_t *to;      /* excluded receivers per giver: sorted, distinct, never the giver */
    uint32_t *in_excl; /* per receiver: how many givers exclude them */
};

/* Builds the rows from p's arc list (repeats, self-arcs and out-of-range
 * indices are dropped). SANTA_OK or SANTA_UNAVAILABLE (out of memory). */
enum santa_status santa_draw_graph_build(struct santa_draw_graph *g,
                                         const struct santa_draw_problem *p);
void santa_draw_graph_release(struct santa_draw_graph *g);

/* May `giver` give to `receiver`? (Not to themselves, not along an exclusion.) */
bool santa_draw_graph_allowed(const struct santa_draw_graph *g, uint32_t giver, uint32_t receiver);

/* How many receivers `giver` may give to. */
static inline uint32_t santa_draw_graph_out_degree(const struct santa_draw_graph *g, uint32_t giver)
{
    return g->n - 1 - (g->off[giver + 1] - g->off[giver]);
}

/* Turns rec[] (any permutation) into a valid assignment without self-gifts
 * or excluded arcs, keeping every arc of rec[] that is already allowed and
 * re-matching the rest along augmenting paths. SANTA_DRAW_INFEASIBLE (with
 * res->blocker and res->group naming a Hall violator) when no perfect
 * matching exists; SANTA_UNAVAILABLE when out of memory. */
enum santa_status santa_draw_match_complete(const struct santa_draw_graph *g,
                                            struct santa_rng *rng, uint32_t *rec,
                                            struct santa_draw_result *res);

/* Removes mutual pairs from a valid assignment rec[], first by local swaps,
 * then by a bounded backtracking search. SANTA_OK, SANTA_DRAW_INFEASIBLE
 * (why = MUTUAL; exhausted tells a spent budget from a proof) or
 * SANTA_UNAVAILABLE. */
enum santa_status santa_draw_mutual_fix(const struct santa_draw_graph *g, struct santa_rng *rng,
                                        uint32_t *rec, struct santa_draw_result *res);

/* For n <= SANTA_DRAW_EXACT_MAX: enumerates every valid draw and picks one
 * uniformly. Returns how many exist (0: none; rec[] untouched). */
uint32_t santa_draw_exact(const struct santa_draw_graph *g, bool no_mutual, struct santa_rng *rng,
                          uint32_t *rec);

#endif /* SANTA_DRAW_INTERNAL_H */
