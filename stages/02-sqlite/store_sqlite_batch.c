/*
 * store_sqlite_batch.c - a batch of reminders becomes outbox rows
 * (store_sqlite_batch.h).
 */
#include "store_sqlite_batch.h"

#include <stdio.h>
#include <string.h>

#include "santa/log.h"
#include "santa/worker.h"

/* The oldest batch, deleted; ROLLBACK (or a dead worker's unfinished
 * transaction, which SQLite never applies) brings it back. BEGIN IMMEDIATE
 * holds SQLite's one write lock until COMMIT, so no other worker takes a
 * batch meanwhile (stage 03's SKIP LOCKED) and no join or removal commits
 * before the INSERT (stage 03's FOR SHARE on the exchange). */
static const char sql_take[] =
    "DELETE FROM reminder_batches WHERE id = (SELECT id FROM reminder_batches"
    " ORDER BY id LIMIT 1)"
    " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_ms";
static const char sql_fill[] =
    "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at,"
    " queued_ms)"
    " SELECT exchange_id, id, email, 'reminder', nullif(?2, ''),"
    " strftime('%Y-%m-%dT%H:%M:%SZ', CAST(?3 AS INTEGER) / 1000, 'unixepoch'),"
    " CAST(?3 AS INTEGER)"
    " FROM participants WHERE exchange_id = ?1 ORDER BY seq";

/* One statement, stepped once (a row to read, or done), values bound as
 * text as stage 03 sends them; NULL (logged) on failure. */
static sqlite3_stmt *run(sqlite3 *db, const char *sql, int n, const char *const *v)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        santa_log(SANTA_LOG_WARN, "worker sqlite: expanding a batch: %s", sqlite3_errmsg(db));
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

static bool run_cmd(sqlite3 *db, const char *sql, int n, const char *const *v, int64_t *rows)
{
    sqlite3_stmt *r = run(db, sql, n, v);
    if (r && rows)
        *rows = sqlite3_changes64(db);
    sqlite3_finalize(r);
    return r != NULL;
}

static void text(sqlite3_stmt *r, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(r, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* Inside the transaction, after the batch was taken: its rows. */
static bool fill(sqlite3 *db, const char *tp, const char *queued_ms, struct sqlite_batch *out)
{
    const char *fill_v[] = {out->exchange_id, tp, queued_ms};
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, tp, "outbox insert", out->exchange_id);
    bool ok = run_cmd(db, sql_fill, 3, fill_v, &out->mails);
    santa_worker_expand_end(&t, (long long)out->mails, ok);
    return ok;
}

enum santa_status sqlite_store_batch_expand(sqlite3 *db, struct sqlite_batch *out)
{
    memset(out, 0, sizeof *out);
    if (!run_cmd(db, "BEGIN IMMEDIATE", 0, NULL, NULL))
        return SANTA_UNAVAILABLE;
    sqlite3_stmt *r = run(db, sql_take, 0, NULL);
    bool ok = r != NULL;
    char tp[64] = "", queued_ms[24] = "";
    if (ok && sqlite3_data_count(r) == 4) {
        out->found = true;
        text(r, 0, out->exchange_id, sizeof out->exchange_id);
        out->mails_queued = sqlite3_column_int64(r, 1);
        text(r, 2, tp, sizeof tp);
        text(r, 3, queued_ms, sizeof queued_ms);
    }
    /* The DELETE is done at the first step; a statement still open would
     * keep COMMIT from committing. */
    sqlite3_finalize(r);
    if (ok && out->found)
        ok = fill(db, tp, queued_ms, out);
    /* Nothing taken: ROLLBACK is as good as COMMIT, and after a failure it
     * is the only way out. */
    if (!run_cmd(db, ok && out->found ? "COMMIT" : "ROLLBACK", 0, NULL, NULL))
        ok = false;
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
