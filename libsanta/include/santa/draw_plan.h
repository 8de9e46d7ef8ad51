/*
 * draw_plan.h - the bridge between a store's transaction and the pure draw.
 *
 * The handler makes a plan and hands it to store->draw(). Inside its write
 * transaction (with the exchange locked) the store feeds the plan the
 * participants and exclusions it reads, calls santa_draw_plan_solve(), and,
 * on SANTA_OK, writes the pairs it reads back with santa_draw_plan_pair() and
 * commits. So the draw and its assignments commit together or not at all, and
 * two concurrent draws cannot both win: whoever locks second sees "drawn".
 *
 * Ownership: the plan copies every id and name it is given; the pointers that
 * santa_draw_plan_pair() and santa_draw_plan_detail() return live until the
 * next santa_draw_plan_begin() or santa_draw_plan_free(). Not thread-safe: one
 * plan belongs to one request.
 */
#ifndef SANTA_DRAW_PLAN_H
#define SANTA_DRAW_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/draw.h"
#include "santa/status.h"

struct santa_draw_plan;

/* NULL when out of memory. rng must outlive the plan. */
struct santa_draw_plan *santa_draw_plan_new(struct santa_rng *rng);
void santa_draw_plan_free(struct santa_draw_plan *plan);

/* Forgets everything fed so far (a store that retries its transaction calls
 * this again). */
void santa_draw_plan_begin(struct santa_draw_plan *plan, bool no_mutual);
/* In join order. SANTA_UNAVAILABLE when out of memory. */
enum santa_status santa_draw_plan_add_participant(struct santa_draw_plan *plan, const char *id,
                                                  const char *name);
/* Both ids must have been added; unknown ids are ignored (an exclusion row
 * whose participant is gone cannot constrain the draw). */
enum santa_status santa_draw_plan_add_exclusion(struct santa_draw_plan *plan, const char *giver_id,
                                                const char *receiver_id);
/* SANTA_OK, SANTA_TOO_FEW_PARTICIPANTS, SANTA_DRAW_INFEASIBLE, SANTA_UNAVAILABLE. */
enum santa_status santa_draw_plan_solve(struct santa_draw_plan *plan);

uint32_t santa_draw_plan_count(const struct santa_draw_plan *plan);
/* After SANTA_OK: the i-th giver (join order) and their recipient. */
void santa_draw_plan_pair(const struct santa_draw_plan *plan, uint32_t i, const char **giver_id,
                          const char **recipient_id);
/* After a failed solve: a sentence for people, naming who cannot be matched. */
const char *santa_draw_plan_detail(const struct santa_draw_plan *plan);

#endif /* SANTA_DRAW_PLAN_H */
