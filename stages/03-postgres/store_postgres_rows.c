/*
 * store_postgres_rows.c - the driver's statements and columns: how libpq
 * runs a statement of sql_store_query.h and hands its rows to the
 * operations of sql_store.h. See store_postgres_ops.h.
 *
 * libpq holds the whole result in memory by the time the statement
 * returns, so the cursor is the result and an index into it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "santa/log.h"
#include "store_postgres_ops.h"

static struct postgres_store_conn *conn_of(struct sql_store_conn *c)
{
    return (struct postgres_store_conn *)c;
}

static const PGresult *res_of(const struct sql_store_rows *r)
{
    return r->cursor;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and stands on its first row, if any. changed is what the server
 * reports for a command (-1 when it reports nothing, as for BEGIN). */
enum santa_status postgres_store_exec(struct sql_store_conn *c, enum sql_store_query q,
                                      const struct sql_store_params *p, struct sql_store_rows *r)
{
    PGresult *res;
    enum santa_status st = postgres_store_conn_exec(conn_of(c), q, p, &res);
    r->cursor = res;
    r->row = 0;
    r->n = st == SANTA_OK ? PQntuples(res) : 0;
    r->on_row = r->n > 0;
    r->changed = -1;
    if (st == SANTA_OK) {
        char *end = NULL;
        const char *t = PQcmdTuples(res);
        long long n = strtoll(t, &end, 10);
        if (t[0] && !*end)
            r->changed = n;
    }
    return st;
}

enum santa_status postgres_store_next_row(struct sql_store_rows *r)
{
    if (r->row < r->n)
        r->row++;
    r->on_row = r->row < r->n;
    return SANTA_OK;
}

void postgres_store_rows_clear(struct sql_store_rows *r)
{
    PQclear(r->cursor);
    r->row = r->n = 0;
}

bool postgres_store_unique_violation(const struct sql_store_conn *c)
{
    return strcmp(postgres_store_conn_sqlstate((const struct postgres_store_conn *)c), "23505") ==
           0;
}

/* ---- columns ----------------------------------------------------------- */

bool postgres_store_col(const struct sql_store_rows *r, int col, struct santa_col *out)
{
    out->text = PQgetisnull(res_of(r), r->row, col) ? NULL : PQgetvalue(res_of(r), r->row, col);
    out->len = (size_t)PQgetlength(res_of(r), r->row, col);
    return true; /* libpq holds the whole result in memory: nothing can fail */
}

bool postgres_store_col_bool(const struct sql_store_rows *r, int col)
{
    return PQgetvalue(res_of(r), r->row, col)[0] == 't';
}

bool postgres_store_col_int(const struct sql_store_rows *r, int col, int64_t *out)
{
    const char *v = PQgetvalue(res_of(r), r->row, col);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (PQgetisnull(res_of(r), r->row, col) || errno || !end || *end || end == v)
        return false;
    *out = n;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* bytea arrives in text results as "\x" and lowercase hex. */
bool postgres_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out)
{
    const char *v = PQgetvalue(res_of(r), r->row, col);
    if (PQgetisnull(res_of(r), r->row, col) ||
        PQgetlength(res_of(r), r->row, col) != 2 + 2 * SANTA_HASH_LEN || v[0] != '\\' ||
        v[1] != 'x')
        return false;
    for (int i = 0; i < SANTA_HASH_LEN; i++) {
        int hi = hex_digit(v[2 + 2 * i]), lo = hex_digit(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        out->b[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
