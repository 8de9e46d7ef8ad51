/*
 * store_sqlite_draw.c - stage 02's draw operations: draw, undraw, the
 * reveal, and queueing reminders. See store_sqlite_ops.h.
 */
#include <string.h>

#include "instrument/trace.h"
#include "santa/log.h"
#include "store_sqlite_ops.h"

/* Feeds the plan every row of DRAW_PARTICIPANTS (id, name) or
 * DRAW_EXCLUSIONS (giver, receiver). The plan copies what it is given, so
 * SQLite's buffers may move. */
static enum santa_status feed_plan(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, exchange_id);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, q, &p, &r);
    for (; st == SANTA_OK && sqlite_store_has_row(&r); st = sqlite_store_next_row(&r)) {
        struct santa_col a, b;
        if (!sqlite_store_col(&r, 0, &a) || !sqlite_store_col(&r, 1, &b)) {
            st = santa_store_no_memory("sqlite", sqlite_store_sql_name[q]);
            break;
        }
        if (!a.text || !b.text) {
            st = santa_store_corrupt("sqlite", sqlite_store_sql_name[q]);
            break;
        }
        st = q == SQLITE_Q_DRAW_PARTICIPANTS ? santa_draw_plan_add_participant(plan, a.text, b.text)
                                             : santa_draw_plan_add_exclusion(plan, a.text, b.text);
        if (st != SANTA_OK) {
            santa_log(SANTA_LOG_ERROR, "store sqlite: draw plan: %s", santa_status_code(st));
            break;
        }
    }
    sqlite_store_rows_clear(&r);
    return st;
}

/* One INSERT a pair, on the same cached statement: SQLite has no round
 * trip to save. */
static enum santa_status write_assignments(struct sqlite_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    enum santa_status st = SANTA_OK;
    uint32_t n = santa_draw_plan_count(plan);
    for (uint32_t i = 0; i < n && st == SANTA_OK; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        struct sqlite_store_params p = {0};
        sqlite_store_param_text(&p, exchange_id);
        sqlite_store_param_text(&p, giver);
        sqlite_store_param_text(&p, recipient);
        st = sqlite_store_exec_cmd(c, SQLITE_Q_ASSIGNMENT_INSERT, &p);
    }
    return st;
}

static enum santa_status set_drawn(struct sqlite_store_conn *c, const char *exchange_id, bool drawn)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, exchange_id);
    sqlite_store_param_bool(&p, drawn);
    return sqlite_store_exec_cmd(c, SQLITE_Q_EXCHANGE_SET_DRAWN, &p);
}

static enum santa_status draw_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_draw *d = ctx;
    /* The write lock is held from the "drawn?" check to the commit, so two
     * concurrent draws cannot both win: the second waits, then sees drawn. */
    struct santa_exchange_state ex;
    enum santa_status st = sqlite_store_exchange_state(c, d->exchange_id, true, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(d->plan, ex.no_mutual);
    st = feed_plan(c, SQLITE_Q_DRAW_PARTICIPANTS, d->exchange_id, d->plan); /* join order */
    if (st == SANTA_OK)
        st = feed_plan(c, SQLITE_Q_DRAW_EXCLUSIONS, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(d->plan);
    if (st == SANTA_OK)
        st = write_assignments(c, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = set_drawn(c, d->exchange_id, true);
    return st;
}

enum santa_status sqlite_store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct santa_args_draw d = {exchange_id, plan};
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, draw_op, &d);
}

static enum santa_status undraw_op(struct sqlite_store_conn *c, void *ctx)
{
    const char *exchange_id = ctx;
    struct santa_exchange_state ex;
    enum santa_status st = sqlite_store_exchange_state(c, exchange_id, true, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, exchange_id);
    st = sqlite_store_exec_cmd(c, SQLITE_Q_ASSIGNMENTS_DELETE, &p);
    if (st == SANTA_OK)
        st = set_drawn(c, exchange_id, false);
    return st;
}

enum santa_status sqlite_store_undraw(struct santa_store *s, const char *exchange_id)
{
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, undraw_op, (void *)exchange_id);
}

static enum santa_status assignment_get_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_assignment *g = ctx;
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, g->exchange_id);
    sqlite_store_param_text(&p, g->giver_id);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_ASSIGNMENT_REVEAL, &p, &r);
    bool row = st == SANTA_OK && sqlite_store_has_row(&r);
    struct santa_reveal_row rr = {0};
    if (row) {
        rr.drawn = sqlite_store_col_bool(&r, 0);
        if (!sqlite_store_col(&r, 1, &rr.giver_name) ||
            !sqlite_store_col(&r, 2, &rr.recipient_id) ||
            !sqlite_store_col(&r, 3, &rr.recipient_name) ||
            !sqlite_store_col(&r, 4, &rr.recipient_wishlist))
            st = santa_store_no_memory("sqlite", "reading an assignment");
    }
    if (st == SANTA_OK)
        st = santa_reveal_read("sqlite", g->exchange_id, g->giver_id, row ? &rr : NULL, g->a,
                               g->out);
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct santa_args_assignment g = {exchange_id, giver_id, a, out};
    /* One statement sees one snapshot: no transaction (the hot read of the
     * reveal; it was BEGIN, three SELECTs and COMMIT). */
    return sqlite_store_run_op(s, SQLITE_TX_NONE, assignment_get_op, &g);
}

static enum santa_status reminders_queue_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_reminders *rc = ctx;
    /* The write lock (SQLITE_TX_WRITE) makes participant_count exact: no
     * join or removal commits before this transaction does. */
    struct santa_exchange_state ex;
    enum santa_status st = sqlite_store_exchange_state(c, rc->exchange_id, true, &ex);
    if (st != SANTA_OK || ex.participants == 0)
        return st;
    /* One batch row, not one row per participant: the worker expands it
     * (store_sqlite_batch.c). The request's trace context travels with
     * it, so the worker's spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, rc->exchange_id);
    sqlite_store_param_text(&p, traced ? tp : NULL);
    sqlite_store_param_int(&p, ex.participants);
    st = sqlite_store_exec_cmd(c, SQLITE_Q_REMINDERS_QUEUE, &p);
    if (st == SANTA_OK)
        rc->queued = (uint32_t)ex.participants;
    return st;
}

enum santa_status sqlite_store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct santa_args_reminders rc = {exchange_id, 0};
    *queued = 0;
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_WRITE, reminders_queue_op, &rc);
    if (st == SANTA_OK)
        *queued = rc.queued;
    return st;
}

static enum santa_status reminders_pending_op(struct sqlite_store_conn *c, void *ctx)
{
    uint64_t *depth = ctx;
    struct sqlite_store_rows r;
    int64_t n = 0;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_REMINDERS_PENDING, NULL, &r);
    if (st == SANTA_OK && (!sqlite_store_has_row(&r) || !sqlite_store_col_int(&r, 0, &n) || n < 0))
        st = santa_store_corrupt("sqlite", sqlite_store_sql_name[SQLITE_Q_REMINDERS_PENDING]);
    if (st == SANTA_OK)
        *depth = (uint64_t)n;
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    *depth = 0;
    return sqlite_store_run_op(s, SQLITE_TX_NONE, reminders_pending_op, depth);
}
