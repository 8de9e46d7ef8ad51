/*
 * sql_store_draw.c - the draw operations of a SQL store: draw, undraw, the
 * reveal, and queueing reminders. See sql_store.h.
 */
#include <stdio.h>
#include <string.h>

#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/token.h"
#include "sql_store.h"

/* Feeds the plan every row of DRAW_PARTICIPANTS (id, name) or
 * DRAW_EXCLUSIONS (giver, receiver). The plan copies what it is given. */
static enum santa_status feed_plan(struct sql_store_conn *c, enum sql_store_query q,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, q, &p, &r);
    for (; st == SANTA_OK && sql_store_has_row(&r); st = sql_store_next_row(&r)) {
        struct santa_col a, b;
        if (!sql_store_col(&r, 0, &a) || !sql_store_col(&r, 1, &b)) {
            st = santa_store_no_memory(sql_store_name(c), sql_store_query_name[q]);
            break;
        }
        if (!a.text || !b.text) {
            st = santa_store_corrupt(sql_store_name(c), sql_store_query_name[q]);
            break;
        }
        st = q == SQL_Q_DRAW_PARTICIPANTS ? santa_draw_plan_add_participant(plan, a.text, b.text)
                                          : santa_draw_plan_add_exclusion(plan, a.text, b.text);
        if (st != SANTA_OK) {
            santa_log(SANTA_LOG_ERROR, "store %s: draw plan: %s", sql_store_name(c),
                      santa_status_code(st));
            break;
        }
    }
    sql_store_rows_clear(&r);
    return st;
}

/* The pairs as one JSON array, [["giver","recipient"],...], sent as one
 * parameter: both dialects unpack JSON (json_each, jsonb_array_elements),
 * so every pair goes in one statement. Ids are base64url (checked), so
 * none needs escaping. *out is the caller's to free. */
static enum santa_status pairs_json(struct sql_store_conn *c, const struct santa_draw_plan *plan,
                                    char **out)
{
    uint32_t n = santa_draw_plan_count(plan);
    /* Per pair: ,["id","id"] is 2 * SANTA_ID_LEN + 8 characters at most. */
    size_t cap = 3 + (size_t)n * (2 * SANTA_ID_LEN + 8);
    char *buf = santa_malloc(cap), *w = buf;
    *out = NULL;
    if (!buf)
        return santa_store_no_memory(sql_store_name(c), "writing assignments");
    *w++ = '[';
    for (uint32_t i = 0; i < n; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        if (!santa_id_valid(giver, strlen(giver)) ||
            !santa_id_valid(recipient, strlen(recipient))) {
            santa_free(buf);
            return santa_store_corrupt(sql_store_name(c), "participant id");
        }
        w += snprintf(w, cap - (size_t)(w - buf), "%s[\"%s\",\"%s\"]", i ? "," : "", giver,
                      recipient);
    }
    *w++ = ']';
    *w = '\0';
    *out = buf;
    return SANTA_OK;
}

static enum santa_status write_assignments(struct sql_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    char *pairs;
    enum santa_status st = pairs_json(c, plan, &pairs);
    if (st != SANTA_OK)
        return st;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    sql_store_param_text(&p, pairs);
    int64_t n = 0;
    st = sql_store_exec_count(c, SQL_Q_ASSIGNMENTS_INSERT, &p, &n);
    if (st == SANTA_OK && n != (int64_t)santa_draw_plan_count(plan))
        st = santa_store_corrupt(sql_store_name(c), "assignments insert");
    santa_free(pairs);
    return st;
}

static enum santa_status set_drawn(struct sql_store_conn *c, const char *exchange_id, bool drawn)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    sql_store_param_bool(&p, drawn);
    return sql_store_exec_cmd(c, SQL_Q_EXCHANGE_SET_DRAWN, &p);
}

static enum santa_status draw_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_draw *d = ctx;
    /* The exchange's lock (EXCHANGE_LOCK) is held from the "drawn?" check to
     * the commit: a second draw waits for it, then reads drawn = true. */
    struct santa_exchange_state ex;
    enum santa_status st = sql_store_exchange_state(c, d->exchange_id, true, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(d->plan, ex.no_mutual);                        /* again on a retry */
    st = feed_plan(c, SQL_Q_DRAW_PARTICIPANTS, d->exchange_id, d->plan); /* join order */
    if (st == SANTA_OK)
        st = feed_plan(c, SQL_Q_DRAW_EXCLUSIONS, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(d->plan);
    if (st == SANTA_OK)
        st = write_assignments(c, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = set_drawn(c, d->exchange_id, true);
    return st;
}

enum santa_status sql_store_draw(struct santa_store *s, const char *exchange_id,
                                 struct santa_draw_plan *plan)
{
    struct santa_args_draw d = {exchange_id, plan};
    return sql_store_run_op(s, SQL_TX_WRITE, draw_op, &d);
}

static enum santa_status undraw_op(struct sql_store_conn *c, void *ctx)
{
    const char *exchange_id = ctx;
    struct santa_exchange_state ex;
    enum santa_status st = sql_store_exchange_state(c, exchange_id, true, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    st = sql_store_exec_cmd(c, SQL_Q_ASSIGNMENTS_DELETE, &p);
    if (st == SANTA_OK)
        st = set_drawn(c, exchange_id, false);
    return st;
}

enum santa_status sql_store_undraw(struct santa_store *s, const char *exchange_id)
{
    return sql_store_run_op(s, SQL_TX_WRITE, undraw_op, (void *)exchange_id);
}

static enum santa_status assignment_get_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_assignment *g = ctx;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, g->exchange_id);
    sql_store_param_text(&p, g->giver_id);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_ASSIGNMENT_REVEAL, &p, &r);
    bool row = st == SANTA_OK && sql_store_has_row(&r);
    struct santa_reveal_row rr = {0};
    if (row) {
        rr.drawn = sql_store_col_bool(&r, 0);
        if (!sql_store_col(&r, 1, &rr.giver_name) || !sql_store_col(&r, 2, &rr.recipient_id) ||
            !sql_store_col(&r, 3, &rr.recipient_name) ||
            !sql_store_col(&r, 4, &rr.recipient_wishlist))
            st = santa_store_no_memory(sql_store_name(c), "reading an assignment");
    }
    if (st == SANTA_OK)
        st = santa_reveal_read(sql_store_name(c), g->exchange_id, g->giver_id, row ? &rr : NULL,
                               g->a, g->out);
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_assignment_get(struct santa_store *s, const char *exchange_id,
                                           const char *giver_id, struct santa_arena *a,
                                           struct santa_assignment *out)
{
    struct santa_args_assignment g = {exchange_id, giver_id, a, out};
    /* One statement sees one snapshot: no transaction (the hot read of the
     * reveal; it was BEGIN, three SELECTs and COMMIT). */
    return sql_store_run_op(s, SQL_TX_NONE, assignment_get_op, &g);
}

static enum santa_status reminders_queue_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_reminders *rc = ctx;
    /* The exchange's lock makes its participant_count exact: every join and
     * removal takes the same lock first. */
    struct santa_exchange_state ex;
    enum santa_status st = sql_store_exchange_state(c, rc->exchange_id, true, &ex);
    if (st != SANTA_OK || ex.participants == 0)
        return st;
    /* One batch row, not one row per participant: the worker expands it
     * (sql_store_batch.c). The request's trace context travels with
     * it, so the worker's spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    struct sql_store_params p = {0};
    sql_store_param_text(&p, rc->exchange_id);
    sql_store_param_text(&p, traced ? tp : NULL);
    sql_store_param_int(&p, ex.participants);
    st = sql_store_exec_cmd(c, SQL_Q_REMINDERS_QUEUE, &p);
    if (st == SANTA_OK)
        rc->queued = (uint32_t)ex.participants;
    return st;
}

enum santa_status sql_store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                            uint32_t *queued)
{
    struct santa_args_reminders rc = {exchange_id, 0};
    *queued = 0;
    enum santa_status st = sql_store_run_op(s, SQL_TX_WRITE, reminders_queue_op, &rc);
    if (st == SANTA_OK)
        *queued = rc.queued;
    return st;
}

static enum santa_status reminders_pending_op(struct sql_store_conn *c, void *ctx)
{
    uint64_t *depth = ctx;
    struct sql_store_rows r;
    int64_t n = 0;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_REMINDERS_PENDING, NULL, &r);
    if (st == SANTA_OK && (!sql_store_has_row(&r) || !sql_store_col_int(&r, 0, &n) || n < 0))
        st = santa_store_corrupt(sql_store_name(c), sql_store_query_name[SQL_Q_REMINDERS_PENDING]);
    if (st == SANTA_OK)
        *depth = (uint64_t)n;
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    *depth = 0;
    return sql_store_run_op(s, SQL_TX_NONE, reminders_pending_op, depth);
}
