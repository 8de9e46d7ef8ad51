/*
 * sql_store_batch.c - a batch of reminders becomes outbox rows
 * (sql_store_outbox.h): BATCH_TAKE, BATCH_LOCK, then BATCH_EXPAND, one
 * operation run by sql_store_run_op() in a write transaction.
 *
 * What keeps two workers and a removal apart is the dialect's: SQLite's
 * write transaction holds the database's one write lock (the second worker
 * waits, then finds the batch gone); PostgreSQL's BATCH_TAKE skips a batch
 * another worker holds (FOR UPDATE SKIP LOCKED) and BATCH_LOCK takes the
 * exchange FOR SHARE, so no join or removal commits before the INSERT.
 */
#include "sql_store_outbox.h"

#include <string.h>

#include "santa/log.h"
#include "santa/worker.h"
#include "sql_store.h"

/* The batch BATCH_TAKE deleted: its exchange, its mails when queued, and
 * its traceparent ("" for none) and enqueue time as BATCH_EXPAND takes
 * them. Those two stay valid until r is cleared. */
static enum santa_status read_taken(const struct sql_store_rows *r, struct sql_batch *out,
                                    struct santa_col *tp, struct santa_col *queued)
{
    if (!sql_store_col_id(r, 0, out->exchange_id) || !sql_store_col_int(r, 1, &out->mails_queued) ||
        !sql_store_col(r, 2, tp) || !sql_store_col(r, 3, queued) || !tp->text || !queued->text)
        return santa_store_corrupt(sql_store_name(r->c), "reminder_batches");
    return SANTA_OK;
}

/* Inside the transaction, after the batch was taken: its rows, once the
 * exchange is ours to share. */
static enum santa_status fill(struct sql_store_conn *c, const char *tp, const char *queued,
                              struct sql_batch *out)
{
    struct sql_store_params lock = {0}, p = {0};
    sql_store_param_text(&lock, out->exchange_id);
    sql_store_param_text(&p, out->exchange_id);
    sql_store_param_text(&p, tp);
    sql_store_param_text(&p, queued);
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, tp, "outbox insert", out->exchange_id);
    enum santa_status st = sql_store_exec_cmd(c, SQL_Q_BATCH_LOCK, &lock);
    if (st == SANTA_OK)
        st = sql_store_exec_count(c, SQL_Q_BATCH_EXPAND, &p, &out->mails);
    santa_worker_expand_end(&t, (long long)out->mails, st == SANTA_OK);
    return st;
}

/* Nothing waiting (or every batch held by another worker) is
 * SANTA_NOT_FOUND: the runner rolls back, which is as good as COMMIT
 * then. */
static enum santa_status expand_op(struct sql_store_conn *c, void *ctx)
{
    struct sql_batch *out = ctx;
    memset(out, 0, sizeof *out); /* the runner may run a transaction again */
    struct santa_col tp = {0}, queued = {0};
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_BATCH_TAKE, NULL, &r);
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = read_taken(&r, out, &tp, &queued);
    if (st == SANTA_OK)
        st = fill(c, tp.text, queued.text, out);
    /* The result holds tp and queued: cleared only once they are sent. */
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_batch_expand(struct santa_store *s, struct sql_batch *out)
{
    enum santa_status st = sql_store_run_op(s, SQL_TX_WRITE, expand_op, out);
    out->found = st == SANTA_OK;
    if (st == SANTA_NOT_FOUND)
        return SANTA_OK;
    if (st != SANTA_OK)
        return SANTA_UNAVAILABLE;
    santa_log(SANTA_LOG_INFO, "expanded a batch of exchange %s: %lld mails (%lld when queued)",
              out->exchange_id, (long long)out->mails, (long long)out->mails_queued);
    return SANTA_OK;
}
