/*
 * store_sqlite_rows.c - statements, columns and the checks every operation
 * of stage 02's store makes. See store_sqlite_ops.h.
 */
#include <string.h>

#include "santa/log.h"
#include "store_sqlite_ops.h"

/* ---- results into model structs ---------------------------------------- */

/* Copies a text column into the arena; SQL NULL gives NULL. */
bool sqlite_store_col_text(const struct sqlite_store_rows *r, int col, struct santa_arena *a,
                           const char **out)
{
    const unsigned char *t = sqlite3_column_text(r->stmt, col);
    if (!t) {
        *out = NULL;
        /* NULL text from a non-NULL column means SQLite ran out of memory. */
        return sqlite3_column_type(r->stmt, col) == SQLITE_NULL;
    }
    *out = santa_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(r->stmt, col));
    return *out != NULL;
}

bool sqlite_store_col(const struct sqlite_store_rows *r, int col, struct santa_col *out)
{
    out->text = (const char *)sqlite3_column_text(r->stmt, col);
    out->len = (size_t)sqlite3_column_bytes(r->stmt, col);
    /* NULL text from a non-NULL column means SQLite ran out of memory. */
    return out->text || sqlite3_column_type(r->stmt, col) == SQLITE_NULL;
}

bool sqlite_store_col_id(const struct sqlite_store_rows *r, int col, char out[SANTA_ID_LEN + 1])
{
    const unsigned char *t = sqlite3_column_text(r->stmt, col);
    if (!t || sqlite3_column_bytes(r->stmt, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, t, SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

bool sqlite_store_col_bool(const struct sqlite_store_rows *r, int col)
{
    return sqlite3_column_int(r->stmt, col) != 0;
}

bool sqlite_store_col_int(const struct sqlite_store_rows *r, int col, int64_t *out)
{
    if (sqlite3_column_type(r->stmt, col) != SQLITE_INTEGER)
        return false;
    *out = sqlite3_column_int64(r->stmt, col);
    return true;
}

bool sqlite_store_col_hash(const struct sqlite_store_rows *r, int col, struct santa_hash *out)
{
    const void *b = sqlite3_column_blob(r->stmt, col);
    if (!b || sqlite3_column_bytes(r->stmt, col) != SANTA_HASH_LEN)
        return false;
    memcpy(out->b, b, SANTA_HASH_LEN);
    return true;
}

/* Columns: seq, id, name, email, email_key, wishlist, token_hash (the order
 * of PARTICIPANT_LIST and PARTICIPANT_GET). */
enum santa_status sqlite_store_read_participant(const struct sqlite_store_rows *r,
                                                const char *exchange_id, struct santa_arena *a,
                                                struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    int64_t seq;
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!sqlite_store_col_int(r, 0, &seq) || seq <= 0 || !sqlite_store_col_id(r, 1, p->id) ||
        !sqlite_store_col_hash(r, 6, &p->token_hash))
        return santa_store_corrupt("sqlite", "participants");
    p->seq = (uint64_t)seq;
    if (!sqlite_store_col_text(r, 2, a, &p->name) || !sqlite_store_col_text(r, 3, a, &p->email) ||
        !sqlite_store_col_text(r, 4, a, &p->email_key) ||
        !sqlite_store_col_text(r, 5, a, &p->wishlist))
        return santa_store_no_memory("sqlite", "reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return santa_store_corrupt("sqlite", "participants");
    return SANTA_OK;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and stands on its first row, if any. SQLite produces rows as they
 * are stepped, so the cursor is the cached statement itself. */
enum santa_status sqlite_store_exec_rows(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                         const struct sqlite_store_params *p,
                                         struct sqlite_store_rows *r)
{
    r->c = c;
    r->q = q;
    return sqlite_store_conn_exec(c, q, p, &r->stmt, &r->row);
}

bool sqlite_store_has_row(const struct sqlite_store_rows *r)
{
    return r->row;
}

enum santa_status sqlite_store_next_row(struct sqlite_store_rows *r)
{
    /* Past the end, sqlite3_step() would run the statement again. */
    if (!r->row)
        return SANTA_OK;
    int rc = sqlite3_step(r->stmt);
    r->row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return SANTA_OK;
    return sqlite_store_conn_fail(r->c, sqlite_store_sql_name[r->q], rc);
}

void sqlite_store_rows_clear(struct sqlite_store_rows *r)
{
    sqlite_store_conn_reset(r->stmt);
    r->stmt = NULL;
    r->row = false;
}

/* Runs q and drops its result (commands). */
enum santa_status sqlite_store_exec_cmd(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                        const struct sqlite_store_params *p)
{
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, q, p, &r);
    sqlite_store_rows_clear(&r);
    return st;
}

/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status sqlite_store_exec_count(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                          const struct sqlite_store_params *p, int64_t *changed)
{
    enum santa_status st = sqlite_store_exec_cmd(c, q, p);
    if (st == SANTA_OK)
        *changed = sqlite3_changes64(sqlite_store_conn_db(c));
    return st;
}

/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status sqlite_store_exists2(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                       const char *exchange_id, const char *other, bool *found)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, exchange_id);
    sqlite_store_param_text(&p, other);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, q, &p, &r);
    if (st == SANTA_OK)
        *found = sqlite_store_has_row(&r);
    sqlite_store_rows_clear(&r);
    return st;
}

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL when only existence matters). */
enum santa_status sqlite_store_exchange_state(struct sqlite_store_conn *c, const char *id,
                                              bool lock, struct santa_exchange_state *out)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, id);
    struct sqlite_store_rows r;
    /* No row lock to ask for: a writer's BEGIN IMMEDIATE already holds the
     * database's write lock, so lock changes nothing here. */
    (void)lock;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_EXCHANGE_STATE, &p, &r);
    if (st == SANTA_OK && !sqlite_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = sqlite_store_col_bool(&r, 0);
        out->drawn = sqlite_store_col_bool(&r, 1);
        if (!sqlite_store_col_int(&r, 2, &out->participants))
            st = santa_store_corrupt("sqlite", "exchanges");
    }
    sqlite_store_rows_clear(&r);
    return st;
}

/* One participant of this exchange, by id. */
enum santa_status sqlite_store_participant_read(struct sqlite_store_conn *c,
                                                const char *exchange_id, const char *participant_id,
                                                struct santa_arena *a,
                                                struct santa_participant *out)
{
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, exchange_id);
    sqlite_store_param_text(&p, participant_id);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_PARTICIPANT_GET, &p, &r);
    if (st == SANTA_OK && !sqlite_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = sqlite_store_read_participant(&r, exchange_id, a, out);
    sqlite_store_rows_clear(&r);
    return st;
}
