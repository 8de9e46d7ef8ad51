/*
 * store_sqlite_rows.c - statements, columns and the checks every operation
 * of stage 02's store makes. See store_sqlite_ops.h.
 */
#include <string.h>

#include "santa/log.h"
#include "store_sqlite_ops.h"

/* ---- results into model structs ---------------------------------------- */

/* Copies a text column into the arena; a NULL column gives NULL. */
bool sqlite_store_col_text(sqlite3_stmt *q, int col, struct santa_arena *a, const char **out)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    if (!t) {
        *out = NULL;
        /* NULL text from a non-NULL column means SQLite ran out of memory. */
        return sqlite3_column_type(q, col) == SQLITE_NULL;
    }
    *out = santa_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q, col));
    return *out != NULL;
}

bool sqlite_store_col(sqlite3_stmt *q, int col, struct santa_col *out)
{
    out->text = (const char *)sqlite3_column_text(q, col);
    out->len = (size_t)sqlite3_column_bytes(q, col);
    /* NULL text from a non-NULL column means SQLite ran out of memory. */
    return out->text || sqlite3_column_type(q, col) == SQLITE_NULL;
}

bool sqlite_store_col_id(sqlite3_stmt *q, int col, char out[SANTA_ID_LEN + 1])
{
    const unsigned char *t = sqlite3_column_text(q, col);
    if (!t || sqlite3_column_bytes(q, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, t, SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

bool sqlite_store_col_hash(sqlite3_stmt *q, int col, struct santa_hash *out)
{
    const void *b = sqlite3_column_blob(q, col);
    if (!b || sqlite3_column_bytes(q, col) != SANTA_HASH_LEN)
        return false;
    memcpy(out->b, b, SANTA_HASH_LEN);
    return true;
}

/* Columns: seq, id, name, email, email_key, wishlist, token_hash (the order
 * of PARTICIPANT_LIST and PARTICIPANT_GET). */
enum santa_status sqlite_store_read_participant(sqlite3_stmt *q, const char *exchange_id,
                                                struct santa_arena *a, struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    p->seq = (uint64_t)sqlite3_column_int64(q, 0);
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!sqlite_store_col_id(q, 1, p->id) || !sqlite_store_col_hash(q, 6, &p->token_hash))
        return santa_store_corrupt("sqlite", "participants");
    if (!sqlite_store_col_text(q, 2, a, &p->name) || !sqlite_store_col_text(q, 3, a, &p->email) ||
        !sqlite_store_col_text(q, 4, a, &p->email_key) ||
        !sqlite_store_col_text(q, 5, a, &p->wishlist))
        return santa_store_no_memory("sqlite", "reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return santa_store_corrupt("sqlite", "participants");
    return SANTA_OK;
}

/* ---- running statements ------------------------------------------------ */

/* A cached statement, ready to bind. Callers sqlite_store_release() it before the
 * transaction ends: a statement left mid-way would pin its read snapshot. */
sqlite3_stmt *sqlite_store_use(struct sqlite_store_conn *c, enum sqlite_store_query q)
{
    return sqlite_store_conn_stmt(c, q);
}

/* Resets q and drops its bindings, which point into the caller's memory
 * (bound with SQLITE_STATIC: inputs are only borrowed for the call). */
void sqlite_store_release(sqlite3_stmt *q)
{
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

bool sqlite_store_bind_text(sqlite3_stmt *q, int i, const char *s)
{
    int rc = s ? sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
    return rc == SQLITE_OK;
}

bool sqlite_store_bind_hash(sqlite3_stmt *q, int i, const struct santa_hash *h)
{
    return sqlite3_bind_blob(q, i, h->b, SANTA_HASH_LEN, SQLITE_STATIC) == SQLITE_OK;
}

bool sqlite_store_bind_int(sqlite3_stmt *q, int i, int64_t v)
{
    return sqlite3_bind_int64(q, i, v) == SQLITE_OK;
}

/* Steps q once. *row tells a row from the end; any other result is a
 * failure, logged and translated. */
enum santa_status sqlite_store_step(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what,
                                    bool *row)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *row = rc == SQLITE_ROW;
        return SANTA_OK;
    }
    return sqlite_store_conn_fail(c, what, rc);
}

/* Runs a statement that returns no rows (INSERT, UPDATE, DELETE). */
enum santa_status sqlite_store_run(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what)
{
    bool row;
    return sqlite_store_step(c, q, what, &row);
}

enum santa_status sqlite_store_bind_failed(struct sqlite_store_conn *c, const char *what)
{
    return sqlite_store_conn_fail(c, what, sqlite3_errcode(sqlite_store_conn_db(c)));
}

/* SANTA_OK with *found: does a statement with (exchange_id, other) as ?1, ?2
 * return a row? */
enum santa_status sqlite_store_exists2(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                       const char *exchange_id, const char *other, bool *found)
{
    sqlite3_stmt *q = sqlite_store_use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!sqlite_store_bind_text(q, 1, exchange_id) || !sqlite_store_bind_text(q, 2, other))
        st = sqlite_store_bind_failed(c, sqlite_store_sql_name[which]);
    else
        st = sqlite_store_step(c, q, sqlite_store_sql_name[which], found);
    sqlite_store_release(q);
    return st;
}

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL when only existence matters). */
enum santa_status sqlite_store_exchange_state(struct sqlite_store_conn *c, const char *id,
                                              struct santa_exchange_state *out)
{
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_EXCHANGE_STATE);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    if (!sqlite_store_bind_text(q, 1, id))
        st = sqlite_store_bind_failed(c, "exchange state");
    else
        st = sqlite_store_step(c, q, "exchange state", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = sqlite3_column_int(q, 0) != 0;
        out->drawn = sqlite3_column_int(q, 1) != 0;
        out->participants = sqlite3_column_int64(q, 2);
    }
    sqlite_store_release(q);
    return st;
}

/* One participant of this exchange, by id. */
enum santa_status sqlite_store_participant_read(struct sqlite_store_conn *c,
                                                const char *exchange_id, const char *participant_id,
                                                struct santa_arena *a,
                                                struct santa_participant *out)
{
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_PARTICIPANT_GET);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    if (!sqlite_store_bind_text(q, 1, exchange_id) || !sqlite_store_bind_text(q, 2, participant_id))
        st = sqlite_store_bind_failed(c, "participant get");
    else
        st = sqlite_store_step(c, q, "participant get", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = sqlite_store_read_participant(q, exchange_id, a, out);
    sqlite_store_release(q);
    return st;
}
