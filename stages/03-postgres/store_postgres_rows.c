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
bool postgres_store_col_text(const PGresult *r, int row, int col, struct santa_arena *a,
                             const char **out)
{
    if (PQgetisnull(r, row, col)) {
        *out = NULL;
        return true;
    }
    *out = santa_arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
    return *out != NULL;
}

void postgres_store_col(const PGresult *r, int row, int col, struct santa_col *out)
{
    out->text = PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
    out->len = (size_t)PQgetlength(r, row, col);
}

bool postgres_store_col_id(const PGresult *r, int row, int col, char out[SANTA_ID_LEN + 1])
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, PQgetvalue(r, row, col), SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

bool postgres_store_col_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

bool postgres_store_col_int(const PGresult *r, int row, int col, int64_t *out)
{
    const char *v = PQgetvalue(r, row, col);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (PQgetisnull(r, row, col) || errno || !end || *end || end == v)
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
bool postgres_store_col_hash(const PGresult *r, int row, int col, struct santa_hash *out)
{
    const char *v = PQgetvalue(r, row, col);
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 2 + 2 * SANTA_HASH_LEN ||
        v[0] != '\\' || v[1] != 'x')
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
enum santa_status postgres_store_read_participant(const PGresult *r, int row,
                                                  const char *exchange_id, struct santa_arena *a,
                                                  struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    int64_t seq;
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!postgres_store_col_int(r, row, 0, &seq) || seq <= 0 ||
        !postgres_store_col_id(r, row, 1, p->id) ||
        !postgres_store_col_hash(r, row, 6, &p->token_hash))
        return santa_store_corrupt("postgres", "participants");
    p->seq = (uint64_t)seq;
    if (!postgres_store_col_text(r, row, 2, a, &p->name) ||
        !postgres_store_col_text(r, row, 3, a, &p->email) ||
        !postgres_store_col_text(r, row, 4, a, &p->email_key) ||
        !postgres_store_col_text(r, row, 5, a, &p->wishlist))
        return santa_store_no_memory("postgres", "reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return santa_store_corrupt("postgres", "participants");
    return SANTA_OK;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and drops its result (commands). */
enum santa_status postgres_store_exec_cmd(struct postgres_store_conn *c,
                                          enum postgres_store_query q,
                                          const struct postgres_store_params *p)
{
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, p, &r);
    PQclear(r);
    return st;
}

/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status postgres_store_exec_count(struct postgres_store_conn *c,
                                            enum postgres_store_query q,
                                            const struct postgres_store_params *p, int64_t *changed)
{
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, p, &r);
    if (st == SANTA_OK) {
        char *end = NULL;
        const char *t = PQcmdTuples(r);
        *changed = strtoll(t, &end, 10);
        if (!t[0] || *end)
            st = santa_store_corrupt("postgres", postgres_store_sql_name[q]);
    }
    PQclear(r);
    return st;
}

/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status postgres_store_exists2(struct postgres_store_conn *c, enum postgres_store_query q,
                                         const char *exchange_id, const char *other, bool *found)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_text(&p, other);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, &p, &r);
    if (st == SANTA_OK)
        *found = PQntuples(r) > 0;
    PQclear(r);
    return st;
}

/* EXCHANGE_LOCK (writes) or EXCHANGE_STATE (reads): NOT_FOUND when the
 * exchange does not exist; else its state (out may be NULL). */
enum santa_status postgres_store_exchange_state(struct postgres_store_conn *c, const char *id,
                                                bool lock, struct santa_exchange_state *out)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, id);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(
        c, lock ? POSTGRES_Q_EXCHANGE_LOCK : POSTGRES_Q_EXCHANGE_STATE, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = postgres_store_col_bool(r, 0, 0);
        out->drawn = postgres_store_col_bool(r, 0, 1);
        if (!postgres_store_col_int(r, 0, 2, &out->participants))
            st = santa_store_corrupt("postgres", "exchanges");
    }
    PQclear(r);
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
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, POSTGRES_Q_PARTICIPANT_GET, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = postgres_store_read_participant(r, 0, exchange_id, a, out);
    PQclear(r);
    return st;
}
