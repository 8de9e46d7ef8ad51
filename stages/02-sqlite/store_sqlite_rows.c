/*
 * store_sqlite_rows.c - the driver's statements and columns: how SQLite
 * runs a statement of sql_store_query.h and hands its rows to the
 * operations of sql_store.h. See store_sqlite_ops.h.
 *
 * SQLite produces rows as they are stepped, so the cursor is the cached
 * statement itself; callers clear it before the transaction ends (a
 * statement left mid-way would pin its read snapshot).
 */
#include <string.h>

#include "santa/log.h"
#include "store_sqlite_ops.h"

static struct sqlite_store_conn *conn_of(struct sql_store_conn *c)
{
    return (struct sqlite_store_conn *)c;
}

static sqlite3_stmt *stmt_of(const struct sql_store_rows *r)
{
    return r->cursor;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and stands on its first row, if any. A statement that writes has
 * run to its end by then (unless it returns rows), so its changes count. */
enum santa_status sqlite_store_exec(struct sql_store_conn *c, enum sql_store_query q,
                                    const struct sql_store_params *p, struct sql_store_rows *r)
{
    sqlite3_stmt *stmt;
    enum santa_status st = sqlite_store_conn_exec(conn_of(c), q, p, &stmt, &r->on_row);
    r->cursor = stmt;
    if (st == SANTA_OK)
        r->changed = sqlite3_changes64(sqlite_store_conn_db(conn_of(c)));
    return st;
}

enum santa_status sqlite_store_next_row(struct sql_store_rows *r)
{
    /* Past the end, sqlite3_step() would run the statement again. */
    if (!r->on_row)
        return SANTA_OK;
    int rc = sqlite3_step(stmt_of(r));
    r->on_row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return SANTA_OK;
    return sqlite_store_conn_fail(conn_of(r->c), sql_store_query_name[r->q], rc);
}

void sqlite_store_rows_clear(struct sql_store_rows *r)
{
    sqlite_store_conn_reset(stmt_of(r));
}

bool sqlite_store_unique_violation(const struct sql_store_conn *c)
{
    return sqlite_store_conn_last_error((const struct sqlite_store_conn *)c) ==
           SQLITE_CONSTRAINT_UNIQUE;
}

/* ---- columns ----------------------------------------------------------- */

bool sqlite_store_col(const struct sql_store_rows *r, int col, struct santa_col *out)
{
    out->text = (const char *)sqlite3_column_text(stmt_of(r), col);
    out->len = (size_t)sqlite3_column_bytes(stmt_of(r), col);
    /* NULL text from a non-NULL column means SQLite ran out of memory. */
    return out->text || sqlite3_column_type(stmt_of(r), col) == SQLITE_NULL;
}

bool sqlite_store_col_bool(const struct sql_store_rows *r, int col)
{
    return sqlite3_column_int(stmt_of(r), col) != 0;
}

bool sqlite_store_col_int(const struct sql_store_rows *r, int col, int64_t *out)
{
    if (sqlite3_column_type(stmt_of(r), col) != SQLITE_INTEGER)
        return false;
    *out = sqlite3_column_int64(stmt_of(r), col);
    return true;
}

bool sqlite_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out)
{
    const void *b = sqlite3_column_blob(stmt_of(r), col);
    if (!b || sqlite3_column_bytes(stmt_of(r), col) != SANTA_HASH_LEN)
        return false;
    memcpy(out->b, b, SANTA_HASH_LEN);
    return true;
}
