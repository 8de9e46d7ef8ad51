/*
 * sql_store_outbox.c - the outbox as a worker's queue (sql_store_outbox.h):
 * claim, done, fail, stats.
 *
 * Claiming is one statement (OUTBOX_CLAIM) that picks the due rows and
 * leases them; done, retry and dead-letter are one UPDATE each. How claims
 * of several workers keep apart is the dialect's: SQLite's write
 * transaction lets one in at a time, PostgreSQL's FOR UPDATE SKIP LOCKED
 * lets them run side by side, each skipping the rows another holds.
 *
 * Each claim first expands the oldest batch POST .../reminders queued
 * (sql_store_batch.c), in a transaction of its own, so a worker is never
 * idle while a batch waits.
 */
#include "sql_store_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_store.h"

/* ---- claim ------------------------------------------------------------- */

struct outbox_claim {
    const char *worker;
    uint32_t lease_ms;
    struct santa_job *jobs;
    uint32_t max, n;
};

/* A text column into a job's field, cut at its size; NULL gives "". */
static void copy_col(const struct sql_store_rows *r, int col, char *out, size_t cap)
{
    struct santa_col v = {0};
    if (!sql_store_col(r, col, &v) || !v.text)
        v.len = 0;
    snprintf(out, cap, "%.*s", (int)v.len, v.text ? v.text : "");
}

/* The current claimed row into j. Columns: id, exchange_id,
 * participant_id, email, attempts (this claim included), queued_ms,
 * traceparent, exchange name, budget, exchange date, participant name. */
static enum santa_status read_job(const struct sql_store_rows *r, struct santa_job *j)
{
    memset(j, 0, sizeof *j);
    int64_t attempts = 0;
    if (!sql_store_col_int(r, 4, &attempts) || attempts <= 0 ||
        !sql_store_col_int(r, 5, &j->queued_ms))
        return santa_store_corrupt(sql_store_name(r->c), "outbox");
    j->attempts = (uint32_t)attempts;
    copy_col(r, 0, j->id, sizeof j->id);
    copy_col(r, 1, j->exchange_id, sizeof j->exchange_id);
    copy_col(r, 2, j->participant_id, sizeof j->participant_id);
    copy_col(r, 3, j->to_email, sizeof j->to_email);
    copy_col(r, 6, j->traceparent, sizeof j->traceparent);
    copy_col(r, 7, j->exchange_name, sizeof j->exchange_name);
    copy_col(r, 8, j->budget, sizeof j->budget);
    copy_col(r, 9, j->exchange_date, sizeof j->exchange_date);
    copy_col(r, 10, j->to_name, sizeof j->to_name);
    /* The row id is the job's identity: a retry sends the same Message-ID. */
    snprintf(j->key, sizeof j->key, "reminder.%s.%s", j->id, j->exchange_id);
    return SANTA_OK;
}

/* One statement picks, locks and leases the due rows; the transaction
 * around it lets the runner send it again when the connection broke before
 * COMMIT (then nothing was leased), where a lone UPDATE lost mid-way could
 * have leased rows nobody would send before the lease ran out. */
static enum santa_status claim_op(struct sql_store_conn *c, void *ctx)
{
    struct outbox_claim *cl = ctx;
    cl->n = 0; /* the runner may run a transaction again */
    struct sql_store_params p = {0};
    sql_store_param_text(&p, cl->worker);
    sql_store_param_int(&p, cl->max);
    sql_store_param_int(&p, cl->lease_ms);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_OUTBOX_CLAIM, &p, &r);
    while (st == SANTA_OK && sql_store_has_row(&r) && cl->n < cl->max) {
        st = read_job(&r, &cl->jobs[cl->n]);
        if (st == SANTA_OK) {
            cl->n++;
            st = sql_store_next_row(&r);
        }
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_outbox_claim(struct santa_store *s, const char *worker,
                                         uint32_t lease_ms, struct santa_job *jobs, uint32_t max,
                                         uint32_t *n)
{
    *n = 0;
    /* The expansion commits on its own, before the claim's transaction
     * begins, so this claim already sees the rows it wrote. */
    struct sql_batch b;
    if (sql_store_batch_expand(s, &b) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    struct outbox_claim cl = {worker, lease_ms, jobs, max, 0};
    enum santa_status st = sql_store_run_op(s, SQL_TX_WRITE, claim_op, &cl);
    /* After a ROLLBACK nothing is leased, whatever was read. */
    if (st == SANTA_OK)
        *n = cl.n;
    return st;
}

/* ---- done, fail -------------------------------------------------------- */

struct outbox_update {
    enum sql_store_query q;
    struct sql_store_params p;
};

static enum santa_status update_op(struct sql_store_conn *c, void *ctx)
{
    struct outbox_update *u = ctx;
    return sql_store_exec_cmd(c, u->q, &u->p);
}

/* One UPDATE of a job's row, committed on its own; setting the same values
 * twice is harmless, so the runner may send it again after a lost
 * connection. */
static enum santa_status update(struct santa_store *s, struct outbox_update *u)
{
    return sql_store_run_op(s, SQL_TX_WRITE_ONE, update_op, u);
}

enum santa_status sql_store_outbox_done(struct santa_store *s, const struct santa_job *j)
{
    struct outbox_update u = {SQL_Q_OUTBOX_DONE, {0}};
    sql_store_param_int(&u.p, strtoll(j->id, NULL, 10));
    return update(s, &u);
}

enum santa_status sql_store_outbox_fail(struct santa_store *s, const struct santa_job *j, bool dead,
                                        uint32_t delay_ms, const char *error)
{
    struct outbox_update u = {dead ? SQL_Q_OUTBOX_DEAD : SQL_Q_OUTBOX_RETRY, {0}};
    sql_store_param_int(&u.p, strtoll(j->id, NULL, 10));
    if (!dead)
        sql_store_param_int(&u.p, delay_ms);
    sql_store_param_text(&u.p, error);
    return update(s, &u);
}

/* ---- stats ------------------------------------------------------------- */

struct outbox_stats {
    uint64_t depth, oldest_age_ms;
};

static enum santa_status stats_op(struct sql_store_conn *c, void *ctx)
{
    struct outbox_stats *out = ctx;
    struct sql_store_rows r;
    int64_t depth = 0, age = 0;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_OUTBOX_STATS, NULL, &r);
    if (st == SANTA_OK && (!sql_store_has_row(&r) || !sql_store_col_int(&r, 0, &depth) ||
                           !sql_store_col_int(&r, 1, &age) || depth < 0))
        st = santa_store_corrupt(sql_store_name(c), sql_store_query_name[SQL_Q_OUTBOX_STATS]);
    if (st == SANTA_OK) {
        out->depth = (uint64_t)depth;
        out->oldest_age_ms = depth > 0 && age > 0 ? (uint64_t)age : 0;
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_outbox_stats(struct santa_store *s, uint64_t *depth,
                                         uint64_t *oldest_age_ms)
{
    struct outbox_stats o = {0, 0};
    enum santa_status st = sql_store_run_op(s, SQL_TX_NONE, stats_op, &o);
    *depth = o.depth;
    *oldest_age_ms = o.oldest_age_ms;
    return st;
}
