/*
 * store_sqlite_batch.c - a batch of reminders becomes outbox rows
 * (store_sqlite_batch.h).
 */
#include "store_sqlite_batch.h"

#include <stdio.h>
#include <string.h>

#include "instrument/request.h"
#include "instrument/trace.h"
#include "santa/log.h"

/* The oldest batch. Run once without a transaction first: a worker that
 * finds none (almost every claim) never asks for the write lock. */
static const char sql_take[] =
    "SELECT id, exchange_id, mails, coalesce(traceparent, ''), queued_at, queued_ms"
    " FROM reminder_batches ORDER BY id LIMIT 1";
static const char sql_fill[] =
    "INSERT INTO outbox (exchange_id, participant_id, email, kind, queued_at, queued_ms,"
    " traceparent)"
    " SELECT exchange_id, id, email, 'reminder', ?2, ?3, nullif(?4, '')"
    " FROM participants WHERE exchange_id = ?1 ORDER BY seq";
static const char sql_forget[] = "DELETE FROM reminder_batches WHERE id = ?1";

/* The batch read by sql_take, copied out of SQLite's buffers. */
struct taken {
    int64_t id, queued_ms;
    char traceparent[64];
    char queued_at[32];
};

static bool fail(sqlite3 *db, const char *what)
{
    santa_log(SANTA_LOG_WARN, "worker sqlite: expanding a batch: %s: %s", what,
              sqlite3_errmsg(db));
    return false;
}

static void text(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* The oldest batch into *t and out, if there is one. */
static bool take(sqlite3 *db, struct taken *t, struct sqlite_batch *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql_take, -1, &s, NULL) != SQLITE_OK)
        return fail(db, "prepare");
    int rc = sqlite3_step(s);
    out->found = rc == SQLITE_ROW;
    if (out->found) {
        t->id = sqlite3_column_int64(s, 0);
        text(s, 1, out->exchange_id, sizeof out->exchange_id);
        out->mails_queued = sqlite3_column_int64(s, 2);
        text(s, 3, t->traceparent, sizeof t->traceparent);
        text(s, 4, t->queued_at, sizeof t->queued_at);
        t->queued_ms = sqlite3_column_int64(s, 5);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? true : fail(db, "read");
}

/* One statement with the batch's values; its changed rows into *rows. */
static bool run(sqlite3 *db, const char *sql, const struct taken *t, const char *exchange_id,
                int64_t *rows)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return fail(db, "prepare");
    if (sql == sql_forget) {
        sqlite3_bind_int64(s, 1, t->id);
    } else {
        sqlite3_bind_text(s, 1, exchange_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, t->queued_at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, t->queued_ms);
        sqlite3_bind_text(s, 4, t->traceparent, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return fail(db, sql == sql_forget ? "delete" : "insert");
    if (rows)
        *rows = sqlite3_changes64(db);
    return true;
}

/* Inside the transaction, after the batch was taken: its rows, then the
 * batch gone. */
static bool fill(sqlite3 *db, const struct taken *t, struct sqlite_batch *out)
{
    const char *tp = t->traceparent;
    inst_request_begin("expand", tp[0] ? tp : NULL);
    struct inst_span *sp = inst_span_start("outbox insert");
    inst_span_attr(sp, "exchange_id", out->exchange_id);
    bool ok = run(db, sql_fill, t, out->exchange_id, &out->mails) &&
              run(db, sql_forget, t, NULL, NULL);
    char mails[24];
    snprintf(mails, sizeof mails, "%lld", (long long)out->mails);
    inst_span_attr(sp, "mails", mails);
    inst_span_end(sp, !ok);
    struct inst_request_result res;
    inst_request_end(ok ? 200 : 503, &res);
    return ok;
}

enum santa_status sqlite_store_batch_expand(sqlite3 *db, struct sqlite_batch *out)
{
    memset(out, 0, sizeof *out);
    struct taken t = {0};
    if (!take(db, &t, out))
        return SANTA_UNAVAILABLE;
    if (!out->found)
        return SANTA_OK;
    /* The write lock, then the oldest batch again: another worker may have
     * expanded the one just seen while this one waited for the lock. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        out->found = false;
        fail(db, "begin");
        return SANTA_UNAVAILABLE;
    }
    bool ok = take(db, &t, out);
    if (ok && out->found)
        ok = fill(db, &t, out);
    /* Nothing taken: ROLLBACK is as good as COMMIT, and after a failure it
     * is the only way out. */
    if (ok && out->found && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        ok = fail(db, "commit");
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (!ok) {
        out->found = false;
        return SANTA_UNAVAILABLE;
    }
    if (out->found)
        santa_log(SANTA_LOG_INFO, "expanded a batch of exchange %s: %lld mails (%lld when queued)",
                  out->exchange_id, (long long)out->mails, (long long)out->mails_queued);
    return SANTA_OK;
}
