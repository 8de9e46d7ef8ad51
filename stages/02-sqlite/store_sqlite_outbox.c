/*
 * store_sqlite_outbox.c - the outbox as santa-worker-02-sqlite's queue
 * (store_sqlite_outbox.h): claim, done, fail, stats.
 *
 * Claiming: BEGIN IMMEDIATE (SQLITE_TX_WRITE) takes SQLite's one write lock
 * at the start of the transaction, so two workers (processes or threads)
 * never read the same due rows and both lease them: the second waits for
 * the first's COMMIT (busy timeout), then sees the leases. It is also the
 * stage's limit: every claim, done and retry is a write, and SQLite has one
 * writer at a time, shared with the web server's joins.
 *
 * Each claim first expands the oldest batch POST .../reminders queued
 * (store_sqlite_batch.h), in a transaction of its own, so a worker is never
 * idle while a batch waits. The single writer is also why no worker skips a
 * batch another holds (PostgreSQL's SKIP LOCKED): the second waits for the
 * lock, then finds the batch gone.
 */
#include "store_sqlite_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_batch.h"
#include "store_sqlite_ops.h"

/* ---- claim ------------------------------------------------------------- */

struct outbox_claim {
    const char *worker;
    uint32_t lease_ms;
    struct santa_job *jobs;
    uint32_t max, n;
};

/* A text column into a job's field, cut at its size; NULL gives "". */
static void copy_col(const struct sqlite_store_rows *r, int col, char *out, size_t cap)
{
    struct santa_col v = {0};
    if (!sqlite_store_col(r, col, &v) || !v.text)
        v.len = 0;
    snprintf(out, cap, "%.*s", (int)v.len, v.text ? v.text : "");
}

/* The current claimed row into j. Columns: id, exchange_id,
 * participant_id, email, attempts (this claim included), queued_ms,
 * traceparent, exchange name, budget, exchange date, participant name. */
static enum santa_status read_job(const struct sqlite_store_rows *r, struct santa_job *j)
{
    memset(j, 0, sizeof *j);
    int64_t attempts = 0;
    if (!sqlite_store_col_int(r, 4, &attempts) || attempts <= 0 ||
        !sqlite_store_col_int(r, 5, &j->queued_ms))
        return santa_store_corrupt("sqlite", "outbox");
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

/* Inside BEGIN IMMEDIATE: read the due rows, then lease each. No other
 * writer can come between the two: SQLite's write lock is ours. */
static enum santa_status claim_op(struct sqlite_store_conn *c, void *ctx)
{
    struct outbox_claim *cl = ctx;
    cl->n = 0; /* the runner may run a transaction again */
    int64_t now = santa_wall_ms();
    struct sqlite_store_params p = {0};
    sqlite_store_param_int(&p, now);
    sqlite_store_param_int(&p, cl->max);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_OUTBOX_DUE, &p, &r);
    while (st == SANTA_OK && sqlite_store_has_row(&r) && cl->n < cl->max) {
        st = read_job(&r, &cl->jobs[cl->n]);
        if (st == SANTA_OK) {
            cl->n++;
            st = sqlite_store_next_row(&r);
        }
    }
    sqlite_store_rows_clear(&r);
    for (uint32_t i = 0; st == SANTA_OK && i < cl->n; i++) {
        struct sqlite_store_params lp = {0};
        sqlite_store_param_int(&lp, strtoll(cl->jobs[i].id, NULL, 10));
        sqlite_store_param_int(&lp, now + cl->lease_ms);
        sqlite_store_param_text(&lp, cl->worker);
        st = sqlite_store_exec_cmd(c, SQLITE_Q_OUTBOX_LEASE, &lp);
    }
    return st;
}

enum santa_status sqlite_store_outbox_claim(struct santa_store *s, const char *worker,
                                            uint32_t lease_ms, struct santa_job *jobs, uint32_t max,
                                            uint32_t *n)
{
    *n = 0;
    /* The expansion commits on its own, before the claim's transaction
     * begins, so this claim already sees the rows it wrote. */
    struct sqlite_batch b;
    if (sqlite_store_batch_expand(s, &b) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    struct outbox_claim cl = {worker, lease_ms, jobs, max, 0};
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_WRITE, claim_op, &cl);
    /* After a ROLLBACK nothing is leased, whatever was read. */
    if (st == SANTA_OK)
        *n = cl.n;
    return st;
}

/* ---- done, fail -------------------------------------------------------- */

struct outbox_update {
    enum sqlite_store_query q;
    struct sqlite_store_params p;
};

static enum santa_status update_op(struct sqlite_store_conn *c, void *ctx)
{
    struct outbox_update *u = ctx;
    return sqlite_store_exec_cmd(c, u->q, &u->p);
}

/* One UPDATE of a job's row. A write transaction even so: the answer waits
 * for the group commit, so a mail marked sent stays marked. */
static enum santa_status update(struct santa_store *s, struct outbox_update *u)
{
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, update_op, u);
}

enum santa_status sqlite_store_outbox_done(struct santa_store *s, const struct santa_job *j)
{
    struct outbox_update u = {SQLITE_Q_OUTBOX_DONE, {0}};
    sqlite_store_param_int(&u.p, strtoll(j->id, NULL, 10));
    return update(s, &u);
}

enum santa_status sqlite_store_outbox_fail(struct santa_store *s, const struct santa_job *j,
                                           bool dead, uint32_t delay_ms, const char *error)
{
    struct outbox_update u = {dead ? SQLITE_Q_OUTBOX_DEAD : SQLITE_Q_OUTBOX_RETRY, {0}};
    sqlite_store_param_int(&u.p, strtoll(j->id, NULL, 10));
    if (!dead)
        sqlite_store_param_int(&u.p, delay_ms);
    sqlite_store_param_text(&u.p, error);
    return update(s, &u);
}

/* ---- stats ------------------------------------------------------------- */

struct outbox_stats {
    uint64_t depth, oldest_age_ms;
};

static enum santa_status stats_op(struct sqlite_store_conn *c, void *ctx)
{
    struct outbox_stats *out = ctx;
    struct sqlite_store_rows r;
    int64_t depth = 0, age = 0;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_OUTBOX_STATS, NULL, &r);
    if (st == SANTA_OK && (!sqlite_store_has_row(&r) || !sqlite_store_col_int(&r, 0, &depth) ||
                           !sqlite_store_col_int(&r, 1, &age) || depth < 0))
        st = santa_store_corrupt("sqlite", sqlite_store_sql_name[SQLITE_Q_OUTBOX_STATS]);
    if (st == SANTA_OK) {
        out->depth = (uint64_t)depth;
        out->oldest_age_ms = depth > 0 && age > 0 ? (uint64_t)age : 0;
    }
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_outbox_stats(struct santa_store *s, uint64_t *depth,
                                            uint64_t *oldest_age_ms)
{
    struct outbox_stats o = {0, 0};
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_NONE, stats_op, &o);
    *depth = o.depth;
    *oldest_age_ms = o.oldest_age_ms;
    return st;
}
