/*
 * store_postgres_batch.c - a batch of reminders becomes outbox rows
 * (store_postgres_batch.h).
 */
#include "store_postgres_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "santa/log.h"
#include "santa/worker.h"

/* The oldest batch nobody holds, deleted: the row lock lasts until COMMIT,
 * and ROLLBACK (or a dead worker's lost connection) brings it back. */
static const char sql_take[] =
    "DELETE FROM reminder_batches WHERE id = (SELECT id FROM reminder_batches"
    " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING exchange_id, mails, coalesce(traceparent, ''), queued_at";
/* Waits for a join or removal in progress; READ COMMITTED gives the next
 * statement a snapshot taken after it. */
static const char sql_lock[] = "SELECT 1 FROM exchanges WHERE id = $1 FOR SHARE";
static const char sql_fill[] =
    "INSERT INTO outbox (exchange_id, participant_id, email, kind, traceparent, queued_at)"
    " SELECT exchange_id, id, email, 'reminder', nullif($2, ''), $3::timestamptz"
    " FROM participants WHERE exchange_id = $1 ORDER BY seq";

/* One statement; NULL (logged) on failure. */
static PGresult *run(PGconn *pg, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        santa_log(SANTA_LOG_WARN, "worker postgres: expanding a batch: %s", PQerrorMessage(pg));
        PQclear(r);
        return NULL;
    }
    return r;
}

static bool run_cmd(PGconn *pg, const char *sql, int n, const char *const *v, int64_t *rows)
{
    PGresult *r = run(pg, sql, n, v);
    if (r && rows)
        *rows = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return r != NULL;
}

/* Inside the transaction, after the batch was taken: its rows. */
static bool fill(PGconn *pg, const char *tp, const char *queued_at, struct postgres_batch *out)
{
    const char *lock[] = {out->exchange_id};
    const char *fill_v[] = {out->exchange_id, tp, queued_at};
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, tp, "outbox insert", out->exchange_id);
    bool ok = run_cmd(pg, sql_lock, 1, lock, NULL) && run_cmd(pg, sql_fill, 3, fill_v, &out->mails);
    santa_worker_expand_end(&t, (long long)out->mails, ok);
    return ok;
}

enum santa_status postgres_store_batch_expand(PGconn *pg, struct postgres_batch *out)
{
    memset(out, 0, sizeof *out);
    if (PQstatus(pg) != CONNECTION_OK)
        PQreset(pg);
    if (!run_cmd(pg, "BEGIN", 0, NULL, NULL))
        return SANTA_UNAVAILABLE;
    PGresult *r = run(pg, sql_take, 0, NULL);
    bool ok = r != NULL;
    if (ok && PQntuples(r) == 1) {
        out->found = true;
        snprintf(out->exchange_id, sizeof out->exchange_id, "%s", PQgetvalue(r, 0, 0));
        out->mails_queued = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        ok = fill(pg, PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), out);
    }
    PQclear(r);
    /* Nothing taken: ROLLBACK is as good as COMMIT, and after a failure it
     * is the only way out. */
    if (!run_cmd(pg, ok && out->found ? "COMMIT" : "ROLLBACK", 0, NULL, NULL))
        ok = false;
    if (!ok) {
        out->found = false;
        return SANTA_UNAVAILABLE;
    }
    if (out->found)
        santa_log(SANTA_LOG_INFO, "expanded a batch of exchange %s: %lld mails (%lld when queued)",
                  out->exchange_id, (long long)out->mails, (long long)out->mails_queued);
    return SANTA_OK;
}
