/*
 * store_postgres_rows.c - statements, columns and the checks every
 * operation of stage 03's store makes. See store_postgres_ops.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "santa/log.h"
#include "store_postgres_ops.h"

/* ---- results into model structs ---------------------------------------- */

/* Copies a text column into the arena; SQL NULL gives NULL. */
bool postgres_store_col_text(const struct postgres_store_rows *r, int col, struct santa_arena *a,
                             const char **out)
{
    if (PQgetisnull(r->res, r->row, col)) {
        *out = NULL;
        return true;
    }
    *out = santa_arena_strndup(a, PQgetvalue(r->res, r->row, col),
                               (size_t)PQgetlength(r->res, r->row, col));
    return *out != NULL;
}

bool postgres_store_col(const struct postgres_store_rows *r, int col, struct santa_col *out)
{
    out->text = PQgetisnull(r->res, r->row, col) ? NULL : PQgetvalue(r->res, r->row, col);
    out->len = (size_t)PQgetlength(r->res, r->row, col);
    return true;
}

bool postgres_store_col_id(const struct postgres_store_rows *r, int col, char out[SANTA_ID_LEN + 1])
{
    if (PQgetisnull(r->res, r->row, col) || PQgetlength(r->res, r->row, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, PQgetvalue(r->res, r->row, col), SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

bool postgres_store_col_bool(const struct postgres_store_rows *r, int col)
{
    return PQgetvalue(r->res, r->row, col)[0] == 't';
}

bool postgres_store_col_int(const struct postgres_store_rows *r, int col, int64_t *out)
{
    const char *v = PQgetvalue(r->res, r->row, col);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (PQgetisnull(r->res, r->row, col) || errno || !end || *end || end == v)
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
bool postgres_store_col_hash(const struct postgres_store_rows *r, int col, struct santa_hash *out)
{
    const char *v = PQgetvalue(r->res, r->row, col);
    if (PQgetisnull(r->res, r->row, col) ||
        PQgetlength(r->res, r->row, col) != 2 + 2 * SANTA_HASH_LEN || v[0] != '\\' || v[1] != 'x')
        return false;
    for (int i = 0; i < SANTA_HASH_LEN; i++) {
        int hi = hex_digit(v[2 + 2 * i]), lo = hex_digit(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        out->b[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Columns: seq, id, name, email, email_key, wishlist, token_hash (the order
 * of PARTICIPANT_LIST and PARTICIPANT_GET). */
enum santa_status postgres_store_read_participant(const struct postgres_store_rows *r,
                                                  const char *exchange_id, struct santa_arena *a,
                                                  struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    int64_t seq;
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!postgres_store_col_int(r, 0, &seq) || seq <= 0 || !postgres_store_col_id(r, 1, p->id) ||
        !postgres_store_col_hash(r, 6, &p->token_hash))
        return santa_store_corrupt("postgres", "participants");
    p->seq = (uint64_t)seq;
    if (!postgres_store_col_text(r, 2, a, &p->name) ||
        !postgres_store_col_text(r, 3, a, &p->email) ||
        !postgres_store_col_text(r, 4, a, &p->email_key) ||
        !postgres_store_col_text(r, 5, a, &p->wishlist))
        return santa_store_no_memory("postgres", "reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return santa_store_corrupt("postgres", "participants");
    return SANTA_OK;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and stands on its first row, if any. libpq has the whole result by
 * then, so the cursor is an index into it. */
enum santa_status postgres_store_exec_rows(struct postgres_store_conn *c,
                                           enum postgres_store_query q,
                                           const struct postgres_store_params *p,
                                           struct postgres_store_rows *r)
{
    r->row = 0;
    enum santa_status st = postgres_store_conn_exec(c, q, p, &r->res);
    r->n = st == SANTA_OK ? PQntuples(r->res) : 0;
    return st;
}

bool postgres_store_has_row(const struct postgres_store_rows *r)
{
    return r->row < r->n;
}

enum santa_status postgres_store_next_row(struct postgres_store_rows *r)
{
    if (r->row < r->n)
        r->row++;
    return SANTA_OK;
}

void postgres_store_rows_clear(struct postgres_store_rows *r)
{
    PQclear(r->res);
    r->res = NULL;
    r->row = r->n = 0;
}

/* Runs q and drops its result (commands). */
enum santa_status postgres_store_exec_cmd(struct postgres_store_conn *c,
                                          enum postgres_store_query q,
                                          const struct postgres_store_params *p)
{
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, q, p, &r);
    postgres_store_rows_clear(&r);
    return st;
}

/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status postgres_store_exec_count(struct postgres_store_conn *c,
                                            enum postgres_store_query q,
                                            const struct postgres_store_params *p, int64_t *changed)
{
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, q, p, &r);
    if (st == SANTA_OK) {
        char *end = NULL;
        const char *t = PQcmdTuples(r.res);
        *changed = strtoll(t, &end, 10);
        if (!t[0] || *end)
            st = santa_store_corrupt("postgres", postgres_store_sql_name[q]);
    }
    postgres_store_rows_clear(&r);
    return st;
}

/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status postgres_store_exists2(struct postgres_store_conn *c, enum postgres_store_query q,
                                         const char *exchange_id, const char *other, bool *found)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_text(&p, other);
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, q, &p, &r);
    if (st == SANTA_OK)
        *found = postgres_store_has_row(&r);
    postgres_store_rows_clear(&r);
    return st;
}

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL when only existence matters). */
enum santa_status postgres_store_exchange_state(struct postgres_store_conn *c, const char *id,
                                                bool lock, struct santa_exchange_state *out)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, id);
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(
        c, lock ? POSTGRES_Q_EXCHANGE_LOCK : POSTGRES_Q_EXCHANGE_STATE, &p, &r);
    if (st == SANTA_OK && !postgres_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = postgres_store_col_bool(&r, 0);
        out->drawn = postgres_store_col_bool(&r, 1);
        if (!postgres_store_col_int(&r, 2, &out->participants))
            st = santa_store_corrupt("postgres", "exchanges");
    }
    postgres_store_rows_clear(&r);
    return st;
}

/* One participant of this exchange, by id. */
enum santa_status postgres_store_participant_read(struct postgres_store_conn *c,
                                                  const char *exchange_id,
                                                  const char *participant_id, struct santa_arena *a,
                                                  struct santa_participant *out)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_text(&p, participant_id);
    struct postgres_store_rows r;
    enum santa_status st = postgres_store_exec_rows(c, POSTGRES_Q_PARTICIPANT_GET, &p, &r);
    if (st == SANTA_OK && !postgres_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = postgres_store_read_participant(&r, exchange_id, a, out);
    postgres_store_rows_clear(&r);
    return st;
}
