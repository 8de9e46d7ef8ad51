/*
 * sql_store_rows.c - parameters, running statements through the driver,
 * columns, and the checks every operation makes. See sql_store.h.
 */
#include <string.h>

#include "santa/arena.h"
#include "santa/log.h"
#include "sql_store.h"

static const struct sql_store_driver *driver_of(struct santa_store *s)
{
    return ((struct sql_store *)s)->driver;
}

enum santa_status sql_store_run_op(struct santa_store *s, enum sql_store_tx tx, sql_store_op_fn fn,
                                   void *ctx)
{
    return driver_of(s)->run_op(s, tx, fn, NULL, ctx);
}

enum santa_status sql_store_run_op_resolved(struct santa_store *s, enum sql_store_tx tx,
                                            sql_store_op_fn fn, sql_store_op_fn resolve, void *ctx)
{
    return driver_of(s)->run_op(s, tx, fn, resolve, ctx);
}

const char *sql_store_name(const struct sql_store_conn *c)
{
    return c->driver->name;
}

/* ---- parameters -------------------------------------------------------- */

static bool param_slot(struct sql_store_params *p)
{
    if (p->n < SQL_STORE_MAX_PARAMS)
        return true;
    santa_log(SANTA_LOG_ERROR, "store: too many parameters (a bug)");
    p->overflow = true; /* the statement then fails rather than run without it */
    return false;
}

void sql_store_param_text(struct sql_store_params *p, const char *s)
{
    if (!param_slot(p))
        return;
    p->values[p->n] = s;
    p->kinds[p->n] = SQL_PARAM_TEXT;
    p->n++;
}

void sql_store_param_hash(struct sql_store_params *p, const struct santa_hash *h)
{
    if (!param_slot(p))
        return;
    p->values[p->n] = h->b;
    p->kinds[p->n] = SQL_PARAM_HASH;
    p->n++;
}

void sql_store_param_int(struct sql_store_params *p, int64_t v)
{
    if (!param_slot(p))
        return;
    p->ints[p->n] = v;
    p->kinds[p->n] = SQL_PARAM_INT;
    p->n++;
}

void sql_store_param_bool(struct sql_store_params *p, bool v)
{
    if (!param_slot(p))
        return;
    p->ints[p->n] = v;
    p->kinds[p->n] = SQL_PARAM_BOOL;
    p->n++;
}

/* ---- running statements ------------------------------------------------ */

enum santa_status sql_store_exec_rows(struct sql_store_conn *c, enum sql_store_query q,
                                      const struct sql_store_params *p, struct sql_store_rows *r)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->q = q;
    return c->driver->exec(c, q, p, r);
}

bool sql_store_has_row(const struct sql_store_rows *r)
{
    return r->on_row;
}

enum santa_status sql_store_next_row(struct sql_store_rows *r)
{
    return r->c->driver->next_row(r);
}

void sql_store_rows_clear(struct sql_store_rows *r)
{
    r->c->driver->rows_clear(r);
    r->cursor = NULL;
    r->on_row = false;
}

enum santa_status sql_store_exec_cmd(struct sql_store_conn *c, enum sql_store_query q,
                                     const struct sql_store_params *p)
{
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, q, p, &r);
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_exec_count(struct sql_store_conn *c, enum sql_store_query q,
                                       const struct sql_store_params *p, int64_t *changed)
{
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, q, p, &r);
    /* A count the driver could not read is a reply nobody can trust. */
    if (st == SANTA_OK && r.changed < 0)
        st = santa_store_corrupt(sql_store_name(c), sql_store_query_name[q]);
    if (st == SANTA_OK)
        *changed = r.changed;
    sql_store_rows_clear(&r);
    return st;
}

bool sql_store_unique_violation(const struct sql_store_conn *c)
{
    return c->driver->unique_violation(c);
}

/* ---- results into model structs ---------------------------------------- */

bool sql_store_col(const struct sql_store_rows *r, int col, struct santa_col *out)
{
    return r->c->driver->col(r, col, out);
}

/* Copies a text column into the arena; SQL NULL gives NULL. */
bool sql_store_col_text(const struct sql_store_rows *r, int col, struct santa_arena *a,
                        const char **out)
{
    struct santa_col v;
    *out = NULL;
    if (!sql_store_col(r, col, &v))
        return false;
    if (!v.text)
        return true;
    *out = santa_arena_strndup(a, v.text, v.len);
    return *out != NULL;
}

bool sql_store_col_id(const struct sql_store_rows *r, int col, char out[SANTA_ID_LEN + 1])
{
    struct santa_col v;
    if (!sql_store_col(r, col, &v) || !v.text || v.len != SANTA_ID_LEN)
        return false;
    memcpy(out, v.text, SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

bool sql_store_col_bool(const struct sql_store_rows *r, int col)
{
    return r->c->driver->col_bool(r, col);
}

bool sql_store_col_int(const struct sql_store_rows *r, int col, int64_t *out)
{
    return r->c->driver->col_int(r, col, out);
}

bool sql_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out)
{
    return r->c->driver->col_hash(r, col, out);
}

/* Columns: seq, id, name, email, email_key, wishlist, token_hash (the order
 * of PARTICIPANT_LIST and PARTICIPANT_GET). */
enum santa_status sql_store_read_participant(const struct sql_store_rows *r,
                                             const char *exchange_id, struct santa_arena *a,
                                             struct santa_participant *p)
{
    const char *name = sql_store_name(r->c);
    memset(p, 0, sizeof *p);
    int64_t seq;
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!sql_store_col_int(r, 0, &seq) || seq <= 0 || !sql_store_col_id(r, 1, p->id) ||
        !sql_store_col_hash(r, 6, &p->token_hash))
        return santa_store_corrupt(name, "participants");
    p->seq = (uint64_t)seq;
    if (!sql_store_col_text(r, 2, a, &p->name) || !sql_store_col_text(r, 3, a, &p->email) ||
        !sql_store_col_text(r, 4, a, &p->email_key) || !sql_store_col_text(r, 5, a, &p->wishlist))
        return santa_store_no_memory(name, "reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return santa_store_corrupt(name, "participants");
    return SANTA_OK;
}

/* ---- checks every operation makes -------------------------------------- */

enum santa_status sql_store_exists2(struct sql_store_conn *c, enum sql_store_query q,
                                    const char *exchange_id, const char *other, bool *found)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    sql_store_param_text(&p, other);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, q, &p, &r);
    if (st == SANTA_OK)
        *found = sql_store_has_row(&r);
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_exchange_state(struct sql_store_conn *c, const char *id, bool lock,
                                           struct santa_exchange_state *out)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, id);
    struct sql_store_rows r;
    /* What the lock is, the dialect says: PostgreSQL's FOR UPDATE on the
     * exchange's row; nothing for SQLite, whose write transaction already
     * holds the database's one write lock. */
    enum santa_status st =
        sql_store_exec_rows(c, lock ? SQL_Q_EXCHANGE_LOCK : SQL_Q_EXCHANGE_STATE, &p, &r);
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = sql_store_col_bool(&r, 0);
        out->drawn = sql_store_col_bool(&r, 1);
        if (!sql_store_col_int(&r, 2, &out->participants))
            st = santa_store_corrupt(sql_store_name(c), "exchanges");
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_participant_read(struct sql_store_conn *c, const char *exchange_id,
                                             const char *participant_id, struct santa_arena *a,
                                             struct santa_participant *out)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    sql_store_param_text(&p, participant_id);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_PARTICIPANT_GET, &p, &r);
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = sql_store_read_participant(&r, exchange_id, a, out);
    sql_store_rows_clear(&r);
    return st;
}

bool sql_store_dialect_complete(const char *driver, const char *const sql[SQL_Q_COUNT])
{
    for (int q = 0; q < SQL_Q_COUNT; q++) {
        /* Exactly one text: two would leave a reader guessing which runs. */
        if (!sql[q] == !sql_store_query_portable[q]) {
            santa_log(SANTA_LOG_ERROR, "store %s: %s SQL for %s (a bug)", driver,
                      sql[q] ? "portable and dialect" : "no", sql_store_query_name[q]);
            return false;
        }
    }
    return true;
}

static enum santa_status ping_op(struct sql_store_conn *c, void *ctx)
{
    (void)ctx;
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_SCHEMA_VERSION, NULL, &r);
    int64_t v = 0;
    /* Proves the database answers on this thread's connection, and that
     * nobody migrated it past (or swapped in) a schema this program does not
     * know. */
    if (st == SANTA_OK && (!sql_store_has_row(&r) || !sql_store_col_int(&r, 0, &v) ||
                           v != c->driver->schema_version())) {
        santa_log(SANTA_LOG_ERROR, "store %s: ping: unexpected schema version", sql_store_name(c));
        st = SANTA_UNAVAILABLE;
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_ping(struct santa_store *s)
{
    return sql_store_run_op(s, SQL_TX_NONE, ping_op, NULL);
}
