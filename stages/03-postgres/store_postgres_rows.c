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
#include "santa/token.h"
#include "store_postgres_ops.h"

static struct postgres_store_conn *conn_of(struct sql_store_conn *c)
{
    return (struct postgres_store_conn *)c;
}

static const PGresult *res_of(const struct sql_store_rows *r)
{
    return r->cursor;
}

/* A whole decimal integer: libpq hands numbers over as text. False for
 * anything else, the empty string included. */
static bool parse_int(const char *t, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(t, &end, 10);
    if (errno || end == t || *end)
        return false;
    *out = n;
    return true;
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
    if (st != SANTA_OK || !parse_int(PQcmdTuples(res), &r->changed))
        r->changed = -1;
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
    if (PQgetisnull(res_of(r), r->row, col))
        return false;
    return parse_int(PQgetvalue(res_of(r), r->row, col), out);
}

/* bytea arrives in text results as "\x" and lowercase hex. */
bool postgres_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out)
{
    const char *v = PQgetvalue(res_of(r), r->row, col);
    if (PQgetisnull(res_of(r), r->row, col) || strncmp(v, "\\x", 2) != 0)
        return false;
    return santa_hash_from_hex(v + 2, out);
}
