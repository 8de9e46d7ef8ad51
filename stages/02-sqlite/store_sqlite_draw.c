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
static enum santa_status feed_plan(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    sqlite3_stmt *q = sqlite_store_use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st = SANTA_OK;
    if (!sqlite_store_bind_text(q, 1, exchange_id))
        st = sqlite_store_bind_failed(c, sqlite_store_sql_name[which]);
    bool row = true;
    while (st == SANTA_OK) {
        st = sqlite_store_step(c, q, sqlite_store_sql_name[which], &row);
        if (st != SANTA_OK || !row)
            break;
        const char *a = (const char *)sqlite3_column_text(q, 0);
        const char *b = (const char *)sqlite3_column_text(q, 1);
        if (!a || !b) {
            st = santa_store_corrupt("sqlite", sqlite_store_sql_name[which]);
            break;
        }
        st = which == SQLITE_Q_DRAW_PARTICIPANTS ? santa_draw_plan_add_participant(plan, a, b)
                                                 : santa_draw_plan_add_exclusion(plan, a, b);
        if (st != SANTA_OK)
            santa_log(SANTA_LOG_ERROR, "store sqlite: draw plan: %s", santa_status_code(st));
    }
    sqlite_store_release(q);
    return st;
}

/* One INSERT a pair, on the same cached statement: SQLite has no round
 * trip to save. */
static enum santa_status write_assignments(struct sqlite_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_ASSIGNMENT_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st = SANTA_OK;
    uint32_t n = santa_draw_plan_count(plan);
    for (uint32_t i = 0; i < n && st == SANTA_OK; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        if (!sqlite_store_bind_text(q, 1, exchange_id) || !sqlite_store_bind_text(q, 2, giver) ||
            !sqlite_store_bind_text(q, 3, recipient))
            st = sqlite_store_bind_failed(c, "assignment insert");
        else
            st = sqlite_store_run(c, q, "assignment insert");
        sqlite3_reset(q);
    }
    sqlite_store_release(q);
    return st;
}

static enum santa_status set_drawn(struct sqlite_store_conn *c, const char *exchange_id, bool drawn)
{
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_EXCHANGE_SET_DRAWN);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!sqlite_store_bind_text(q, 1, exchange_id) || !sqlite_store_bind_int(q, 2, drawn))
        st = sqlite_store_bind_failed(c, "set drawn");
    else
        st = sqlite_store_run(c, q, "set drawn");
    sqlite_store_release(q);
    return st;
}

static enum santa_status draw_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_draw *d = ctx;
    /* The write lock is held from the "drawn?" check to the commit, so two
     * concurrent draws cannot both win: the second waits, then sees drawn. */
    struct santa_exchange_state ex;
    enum santa_status st = sqlite_store_exchange_state(c, d->exchange_id, &ex);
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
    enum santa_status st = sqlite_store_exchange_state(c, exchange_id, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_ASSIGNMENTS_DELETE);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!sqlite_store_bind_text(q, 1, exchange_id))
        st = sqlite_store_bind_failed(c, "undraw");
    else
        st = sqlite_store_run(c, q, "undraw");
    sqlite_store_release(q);
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
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_ASSIGNMENT_REVEAL);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    struct santa_reveal_row rr = {0};
    if (!sqlite_store_bind_text(q, 1, g->exchange_id) || !sqlite_store_bind_text(q, 2, g->giver_id))
        st = sqlite_store_bind_failed(c, "assignment get");
    else
        st = sqlite_store_step(c, q, "assignment get", &row);
    if (st == SANTA_OK && row) {
        rr.drawn = sqlite3_column_int(q, 0) != 0;
        if (!sqlite_store_col(q, 1, &rr.giver_name) || !sqlite_store_col(q, 2, &rr.recipient_id) ||
            !sqlite_store_col(q, 3, &rr.recipient_name) ||
            !sqlite_store_col(q, 4, &rr.recipient_wishlist))
            st = santa_store_no_memory("sqlite", "reading an assignment");
    }
    if (st == SANTA_OK)
        st = santa_reveal_read("sqlite", g->exchange_id, g->giver_id, row ? &rr : NULL, g->a,
                               g->out);
    sqlite_store_release(q);
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
    enum santa_status st = sqlite_store_exchange_state(c, rc->exchange_id, NULL);
    if (st != SANTA_OK)
        return st;
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_REMINDERS_QUEUE);
    if (!q)
        return SANTA_UNAVAILABLE;
    /* The request's trace context travels with each job, so the worker's
     * spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    if (!sqlite_store_bind_text(q, 1, rc->exchange_id) ||
        !sqlite_store_bind_text(q, 2, traced ? tp : NULL))
        st = sqlite_store_bind_failed(c, "reminders queue");
    else
        st = sqlite_store_run(c, q, "reminders queue"); /* one INSERT ... SELECT */
    sqlite_store_release(q);
    if (st == SANTA_OK)
        rc->queued = (uint32_t)sqlite3_changes(sqlite_store_conn_db(c));
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
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_REMINDERS_PENDING);
    if (!q)
        return SANTA_UNAVAILABLE;
    bool row = false;
    enum santa_status st = sqlite_store_step(c, q, "reminders pending", &row);
    if (st == SANTA_OK && row)
        *depth = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite_store_release(q);
    return st;
}

enum santa_status sqlite_store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    *depth = 0;
    return sqlite_store_run_op(s, SQLITE_TX_NONE, reminders_pending_op, depth);
}
