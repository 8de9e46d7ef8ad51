/*
 * store_sqlite_batch.c - a batch of reminders becomes outbox rows
 * (store_sqlite_batch.h): BATCH_TAKE, then BATCH_EXPAND, one operation run
 * by sqlite_store_run_op() in a write transaction.
 *
 * BEGIN IMMEDIATE (SQLITE_TX_WRITE) holds SQLite's one write lock until
 * COMMIT, so no other worker takes a batch meanwhile (stage 03's SKIP
 * LOCKED) and no join or removal commits before the INSERT (stage 03's
 * FOR SHARE on the exchange).
 */
#include "store_sqlite_batch.h"

#include <string.h>

#include "santa/log.h"
#include "santa/worker.h"
#include "store_sqlite_ops.h"

/* The batch BATCH_TAKE deleted: its exchange, its mails when queued, and
 * its traceparent ("" for none) and enqueue time as BATCH_EXPAND takes
 * them. Those two stay valid until r is cleared. */
static enum santa_status read_taken(const struct sqlite_store_rows *r, struct sqlite_batch *out,
                                    struct santa_col *tp, struct santa_col *queued)
{
    if (!sqlite_store_col_id(r, 0, out->exchange_id) ||
        !sqlite_store_col_int(r, 1, &out->mails_queued) || !sqlite_store_col(r, 2, tp) ||
        !sqlite_store_col(r, 3, queued) || !tp->text || !queued->text)
        return santa_store_corrupt("sqlite", "reminder_batches");
    return SANTA_OK;
}

/* Inside the transaction, after the batch was taken: its rows. */
static enum santa_status fill(struct sqlite_store_conn *c, const char *tp, const char *queued,
                              struct sqlite_batch *out)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, out->exchange_id);
    sqlite_store_param_text(&p, tp);
    sqlite_store_param_text(&p, queued);
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, tp, "outbox insert", out->exchange_id);
    enum santa_status st = sqlite_store_exec_count(c, SQLITE_Q_BATCH_EXPAND, &p, &out->mails);
    santa_worker_expand_end(&t, (long long)out->mails, st == SANTA_OK);
    return st;
}

/* Nothing waiting is SANTA_NOT_FOUND: the runner rolls back, which is as
 * good as COMMIT then, and a write transaction that wrote nothing has no
 * group commit to wait for. */
static enum santa_status expand_op(struct sqlite_store_conn *c, void *ctx)
{
    struct sqlite_batch *out = ctx;
    memset(out, 0, sizeof *out); /* the runner may run a transaction again */
    struct santa_col tp = {0}, queued = {0};
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_BATCH_TAKE, NULL, &r);
    if (st == SANTA_OK && !sqlite_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = read_taken(&r, out, &tp, &queued);
    if (st == SANTA_OK)
        st = fill(c, tp.text, queued.text, out);
    /* The DELETE was done at the first step; a statement still open would
     * keep COMMIT from committing. */
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_batch_expand(struct santa_store *s, struct sqlite_batch *out)
{
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_WRITE, expand_op, out);
    out->found = st == SANTA_OK;
    if (st == SANTA_NOT_FOUND)
        return SANTA_OK;
    if (st != SANTA_OK)
        return SANTA_UNAVAILABLE;
    santa_log(SANTA_LOG_INFO, "expanded a batch of exchange %s: %lld mails (%lld when queued)",
              out->exchange_id, (long long)out->mails, (long long)out->mails_queued);
    return SANTA_OK;
}
