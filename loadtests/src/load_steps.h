/*
 * load_steps.h - the built-in steps: the request each one sends and what it
 * takes from the answer.
 *
 * A virtual user carries state through a transaction (load_vu_state): the
 * exchange it created (id, admin token, invite code) and the participant it
 * joined as. A step uses the user's own objects when the transaction made
 * them, and otherwise picks from the seeded pool. Building a request formats
 * into the caller's buffer; only the steps that read ids or tokens from an
 * answer (create_exchange, join) parse JSON.
 */
#ifndef SANTA_LOAD_STEPS_H
#define SANTA_LOAD_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_pool.h"
#include "load_scenario.h"
#include "load_stats.h"
#include "load_trace.h"

struct load_config;

struct load_vu_state {
    bool has_ex, has_part, drawn;
    bool part_in_own_ex;       /* the participant joined the user's own exchange */
    char ex[LOAD_ID_MAX];
    char admin[LOAD_TOKEN_MAX];
    char invite[LOAD_TOKEN_MAX];
    char pex[LOAD_ID_MAX];     /* the participant's exchange */
    char pid[LOAD_ID_MAX];
    char ptoken[LOAD_TOKEN_MAX];
};

struct load_step_ctx {
    const struct load_config *cfg;
    const struct load_pool *pool;
    struct load_rng *rng;
    unsigned worker;          /* for unique names and e-mail addresses */
    uint64_t seq;             /* counts this worker's created objects */
};

/* Formats the request of step kind into buf. trace_id receives the id of the
   traceparent it carries. Returns the length, or -1 when the step has no
   target (e.g. reveal with nothing drawn) or buf is too small. */
int load_step_request(enum load_step_kind kind, struct load_step_ctx *ctx,
                      struct load_vu_state *st, char *buf, size_t cap, uint8_t trace_id[16]);

/* Judges the answer and takes what later steps need from it. Returns
   LOAD_ERR_NONE, LOAD_ERR_HTTP_4XX/5XX, or LOAD_ERR_ASSERT (unexpected status
   or a body without the expected ids). */
enum load_err load_step_response(enum load_step_kind kind, struct load_vu_state *st, int status,
                                 const char *body, size_t len);

#endif /* SANTA_LOAD_STEPS_H */
