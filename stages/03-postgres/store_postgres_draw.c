/*
 * store_postgres_draw.c - stage 03's draw operations: draw, undraw, the
 * reveal, and queueing reminders. See store_postgres_ops.h.
 */
#include <string.h>

#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "store_postgres_ops.h"

/* Feeds the plan every row of DRAW_PARTICIPANTS (id, name) or
 * DRAW_EXCLUSIONS (giver, receiver). The plan copies what it is given. */
static enum santa_status feed_plan(struct postgres_store_conn *c, enum postgres_store_query q,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, q, &p, &r);
    for (; st == SANTA_OK && postgres_store_has_row(&r); st = postgres_store_next_row(&r)) {
        struct santa_col a, b;
        if (!postgres_store_col(&r, 0, &a) || !postgres_store_col(&r, 1, &b)) {
            st = santa_store_no_memory("postgres", postgres_store_sql_name[q]);
            break;
        }
        if (!a.text || !b.text) {
            st = santa_store_corrupt("postgres", postgres_store_sql_name[q]);
            break;
        }
        st = q == POSTGRES_Q_DRAW_PARTICIPANTS
                 ? santa_draw_plan_add_participant(plan, a.text, b.text)
                 : santa_draw_plan_add_exclusion(plan, a.text, b.text);
        if (st != SANTA_OK) {
            santa_log(SANTA_LOG_ERROR, "store postgres: draw plan: %s", santa_status_code(st));
            break;
        }
    }
    postgres_store_rows_clear(&r);
    return st;
}

/* Appends "{id,id,...}" of one side of the pairs: a PostgreSQL array
 * literal, sent as a parameter. Ids are base64url (checked), so no element
 * needs quoting. */
static char *id_array(const struct santa_draw_plan *plan, bool giver)
{
    uint32_t n = santa_draw_plan_count(plan);
    size_t len = 3 + (size_t)n * (SANTA_ID_LEN + 1);
    char *buf = santa_malloc(len), *w = buf;
    if (!buf)
        return NULL;
    *w++ = '{';
    for (uint32_t i = 0; i < n; i++) {
        const char *g, *r;
        santa_draw_plan_pair(plan, i, &g, &r);
        const char *id = giver ? g : r;
        if (strlen(id) != SANTA_ID_LEN ||
            strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "abcdefghijklmnopqrstuvwxyz0123456789-_") != SANTA_ID_LEN) {
            santa_free(buf);
            return NULL;
        }
        if (i)
            *w++ = ',';
        memcpy(w, id, SANTA_ID_LEN);
        w += SANTA_ID_LEN;
    }
    *w++ = '}';
    *w = '\0';
    return buf;
}

static enum santa_status write_assignments(struct postgres_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    char *givers = id_array(plan, true), *recipients = id_array(plan, false);
    enum santa_status st = SANTA_OK;
    if (!givers || !recipients) {
        st = santa_store_no_memory("postgres", "writing assignments");
    } else {
        struct postgres_store_params p = {0};
        postgres_store_param_text(&p, exchange_id);
        postgres_store_param_text(&p, givers);
        postgres_store_param_text(&p, recipients);
        int64_t n = 0;
        st = postgres_store_exec_count(c, POSTGRES_Q_ASSIGNMENTS_INSERT, &p, &n);
        if (st == SANTA_OK && n != (int64_t)santa_draw_plan_count(plan))
            st = santa_store_corrupt("postgres", "assignments insert");
    }
    santa_free(givers);
    santa_free(recipients);
    return st;
}

static enum santa_status set_drawn(struct postgres_store_conn *c, const char *exchange_id,
                                   bool drawn)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_bool(&p, drawn);
    return postgres_store_exec_cmd(c, POSTGRES_Q_EXCHANGE_SET_DRAWN, &p);
}

static enum santa_status draw_op(struct postgres_store_conn *c, void *ctx)
{
    struct santa_args_draw *d = ctx;
    /* The row lock is held from the "drawn?" check to the commit: a second
     * draw waits here, then reads drawn = true. */
    struct santa_exchange_state ex;
    enum santa_status st = postgres_store_exchange_state(c, d->exchange_id, true, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(d->plan, ex.no_mutual);                             /* again on a retry */
    st = feed_plan(c, POSTGRES_Q_DRAW_PARTICIPANTS, d->exchange_id, d->plan); /* join order */
    if (st == SANTA_OK)
        st = feed_plan(c, POSTGRES_Q_DRAW_EXCLUSIONS, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(d->plan);
    if (st == SANTA_OK)
        st = write_assignments(c, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = set_drawn(c, d->exchange_id, true);
    return st;
}

enum santa_status postgres_store_draw(struct santa_store *s, const char *exchange_id,
                                      struct santa_draw_plan *plan)
{
    struct santa_args_draw d = {exchange_id, plan};
    return postgres_store_run_op(s, POSTGRES_TX_WRITE, draw_op, &d);
}

static enum santa_status undraw_op(struct postgres_store_conn *c, void *ctx)
{
    const char *exchange_id = ctx;
    struct santa_exchange_state ex;
    enum santa_status st = postgres_store_exchange_state(c, exchange_id, true, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    st = postgres_store_exec_cmd(c, POSTGRES_Q_ASSIGNMENTS_DELETE, &p);
    if (st == SANTA_OK)
        st = set_drawn(c, exchange_id, false);
    return st;
}

enum santa_status postgres_store_undraw(struct santa_store *s, const char *exchange_id)
{
    return postgres_store_run_op(s, POSTGRES_TX_WRITE, undraw_op, (void *)exchange_id);
}

static enum santa_status assignment_get_op(struct postgres_store_conn *c, void *ctx)
{
    struct santa_args_assignment *g = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, g->exchange_id);
    postgres_store_param_text(&p, g->giver_id);
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, POSTGRES_Q_ASSIGNMENT_REVEAL, &p, &r);
    bool row = st == SANTA_OK && postgres_store_has_row(&r);
    struct santa_reveal_row rr = {0};
    if (row) {
        rr.drawn = postgres_store_col_bool(&r, 0);
        if (!postgres_store_col(&r, 1, &rr.giver_name) ||
            !postgres_store_col(&r, 2, &rr.recipient_id) ||
            !postgres_store_col(&r, 3, &rr.recipient_name) ||
            !postgres_store_col(&r, 4, &rr.recipient_wishlist))
            st = santa_store_no_memory("postgres", "reading an assignment");
    }
    if (st == SANTA_OK)
        st = santa_reveal_read("postgres", g->exchange_id, g->giver_id, row ? &rr : NULL, g->a,
                               g->out);
    postgres_store_rows_clear(&r);
    return st;
}

enum santa_status postgres_store_assignment_get(struct santa_store *s, const char *exchange_id,
                                                const char *giver_id, struct santa_arena *a,
                                                struct santa_assignment *out)
{
    struct santa_args_assignment g = {exchange_id, giver_id, a, out};
    /* One statement sees one snapshot: no transaction, one round trip (the
     * hot read of the reveal; it was five with BEGIN and three SELECTs). */
    return postgres_store_run_op(s, POSTGRES_TX_NONE, assignment_get_op, &g);
}

static enum santa_status reminders_queue_op(struct postgres_store_conn *c, void *ctx)
{
    struct santa_args_reminders *rc = ctx;
    /* The exchange's row lock makes its participant_count exact: every
     * join and removal takes the same lock first. */
    struct santa_exchange_state ex;
    enum santa_status st = postgres_store_exchange_state(c, rc->exchange_id, true, &ex);
    if (st != SANTA_OK || ex.participants == 0)
        return st;
    /* One batch row, not one row per participant: the worker expands it
     * (store_postgres_batch.c). The request's trace context travels with
     * it, so the worker's spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, rc->exchange_id);
    postgres_store_param_text(&p, traced ? tp : NULL);
    postgres_store_param_int(&p, ex.participants);
    st = postgres_store_exec_cmd(c, POSTGRES_Q_REMINDERS_QUEUE, &p);
    if (st == SANTA_OK)
        rc->queued = (uint32_t)ex.participants;
    return st;
}

enum santa_status postgres_store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                                 uint32_t *queued)
{
    struct santa_args_reminders rc = {exchange_id, 0};
    *queued = 0;
    enum santa_status st = postgres_store_run_op(s, POSTGRES_TX_WRITE, reminders_queue_op, &rc);
    if (st == SANTA_OK)
        *queued = rc.queued;
    return st;
}

static enum santa_status reminders_pending_op(struct postgres_store_conn *c, void *ctx)
{
    uint64_t *depth = ctx;
    struct postgres_store_rows r;
    int64_t n = 0;
    enum santa_status st = postgres_store_exec_rows(c, POSTGRES_Q_REMINDERS_PENDING, NULL, &r);
    if (st == SANTA_OK &&
        (!postgres_store_has_row(&r) || !postgres_store_col_int(&r, 0, &n) || n < 0))
        st = santa_store_corrupt("postgres", postgres_store_sql_name[POSTGRES_Q_REMINDERS_PENDING]);
    if (st == SANTA_OK)
        *depth = (uint64_t)n;
    postgres_store_rows_clear(&r);
    return st;
}

enum santa_status postgres_store_reminders_pending(struct santa_store *s, uint64_t *depth)
{
    *depth = 0;
    return postgres_store_run_op(s, POSTGRES_TX_NONE, reminders_pending_op, depth);
}
