/*
 * store_postgres_batch.c - a batch of reminders becomes outbox rows
 * (store_postgres_batch.h): BATCH_TAKE, BATCH_LOCK, then BATCH_EXPAND, one
 * operation run by postgres_store_run_op() in BEGIN ... COMMIT.
 *
 * BATCH_TAKE's FOR UPDATE SKIP LOCKED holds the batch until COMMIT, so no
 * other worker takes it and none waits for it; BATCH_LOCK's FOR SHARE on
 * the exchange lets no join or removal commit before the INSERT.
 */
#include "store_postgres_batch.h"

#include <string.h>

#include "santa/log.h"
#include "santa/worker.h"
#include "store_postgres_ops.h"

/* The batch BATCH_TAKE deleted: its exchange, its mails when queued, and
 * its traceparent ("" for none) and enqueue time as BATCH_EXPAND takes
 * them. Those two stay valid until r is cleared. */
static enum santa_status read_taken(const struct postgres_store_rows *r, struct postgres_batch *out,
                                    struct santa_col *tp, struct santa_col *queued)
{
    if (!postgres_store_col_id(r, 0, out->exchange_id) ||
        !postgres_store_col_int(r, 1, &out->mails_queued) || !postgres_store_col(r, 2, tp) ||
        !postgres_store_col(r, 3, queued) || !tp->text || !queued->text)
        return santa_store_corrupt("postgres", "reminder_batches");
    return SANTA_OK;
}

/* Inside the transaction, after the batch was taken: its rows, once the
 * exchange is ours to share. */
static enum santa_status fill(struct postgres_store_conn *c, const char *tp, const char *queued,
                              struct postgres_batch *out)
{
    struct postgres_store_params lock = {0}, p = {0};
    postgres_store_param_text(&lock, out->exchange_id);
    postgres_store_param_text(&p, out->exchange_id);
    postgres_store_param_text(&p, tp);
    postgres_store_param_text(&p, queued);
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, tp, "outbox insert", out->exchange_id);
    enum santa_status st = postgres_store_exec_cmd(c, POSTGRES_Q_BATCH_LOCK, &lock);
    if (st == SANTA_OK)
        st = postgres_store_exec_count(c, POSTGRES_Q_BATCH_EXPAND, &p, &out->mails);
    santa_worker_expand_end(&t, (long long)out->mails, st == SANTA_OK);
    return st;
}

/* Nothing waiting (or every batch held by another worker) is
 * SANTA_NOT_FOUND: the runner rolls back, which is as good as COMMIT
 * then. */
static enum santa_status expand_op(struct postgres_store_conn *c, void *ctx)
{
    struct postgres_batch *out = ctx;
    memset(out, 0, sizeof *out); /* the runner may run a transaction again */
    struct santa_col tp = {0}, queued = {0};
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, POSTGRES_Q_BATCH_TAKE, NULL, &r);
    if (st == SANTA_OK && !postgres_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = read_taken(&r, out, &tp, &queued);
    if (st == SANTA_OK)
        st = fill(c, tp.text, queued.text, out);
    /* The result holds tp and queued: cleared only once they are sent. */
    postgres_store_rows_clear(&r);
    return st;
}

enum santa_status postgres_store_batch_expand(struct santa_store *s, struct postgres_batch *out)
{
    enum santa_status st = postgres_store_run_op(s, POSTGRES_TX_WRITE, expand_op, out);
    out->found = st == SANTA_OK;
    if (st == SANTA_NOT_FOUND)
        return SANTA_OK;
    if (st != SANTA_OK)
        return SANTA_UNAVAILABLE;
    santa_log(SANTA_LOG_INFO, "expanded a batch of exchange %s: %lld mails (%lld when queued)",
              out->exchange_id, (long long)out->mails, (long long)out->mails_queued);
    return SANTA_OK;
}
