/*
 * store_sqlite_exchange.c - stage 02's exchange operations: create, get, and
 * finding whose token a hash is. See store_sqlite_ops.h.
 */
#include <string.h>

#include "store_sqlite_ops.h"

static enum santa_status exchange_create_op(struct sqlite_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_EXCHANGE_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    /* drawn is always 0 in the SQL: a new exchange is open, whatever the
     * caller set. */
    if (!sqlite_store_bind_text(q, 1, ex->id) || !sqlite_store_bind_text(q, 2, ex->name) ||
        !sqlite_store_bind_text(q, 3, ex->budget) ||
        !sqlite_store_bind_text(q, 4, ex->exchange_date) ||
        !sqlite_store_bind_int(q, 5, ex->no_mutual) ||
        !sqlite_store_bind_hash(q, 6, &ex->admin_hash) ||
        !sqlite_store_bind_hash(q, 7, &ex->invite_hash))
        st = sqlite_store_bind_failed(c, "exchange create");
    else
        st = sqlite_store_run(c, q, "exchange create");
    sqlite_store_release(q);
    return st;
}

enum santa_status sqlite_store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, exchange_create_op, (void *)ex);
}

static enum santa_status exchange_get_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_exchange_get *g = ctx;
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_EXCHANGE_GET);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    if (!sqlite_store_bind_text(q, 1, g->id))
        st = sqlite_store_bind_failed(c, "exchange get");
    else
        st = sqlite_store_step(c, q, "exchange get", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct santa_exchange ex;
        memset(&ex, 0, sizeof ex);
        memcpy(ex.id, g->id, SANTA_ID_LEN + 1);
        const char *date = NULL;
        if (!sqlite_store_col_text(q, 0, g->a, &ex.name) ||
            !sqlite_store_col_text(q, 1, g->a, &ex.budget) ||
            !sqlite_store_col_text(q, 2, g->a, &date))
            st = santa_store_no_memory("sqlite", "reading an exchange");
        else if (!ex.name || !date || strlen(date) > SANTA_DATE_LEN ||
                 !sqlite_store_col_hash(q, 5, &ex.admin_hash) ||
                 !sqlite_store_col_hash(q, 6, &ex.invite_hash))
            st = santa_store_corrupt("sqlite", "exchanges");
        if (st == SANTA_OK) {
            memcpy(ex.exchange_date, date, strlen(date) + 1);
            ex.no_mutual = sqlite3_column_int(q, 3) != 0;
            ex.drawn = sqlite3_column_int(q, 4) != 0;
            ex.participant_count = (uint32_t)sqlite3_column_int64(q, 7);
            *g->out = ex;
        }
    }
    sqlite_store_release(q);
    return st;
}

enum santa_status sqlite_store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct santa_args_exchange_get g = {id, a, out};
    /* One statement, one row (the count is kept in it): no transaction. */
    return sqlite_store_run_op(s, SQLITE_TX_NONE, exchange_get_op, &g);
}

/* Looks the hash up with ADMIN_FIND or TOKEN_FIND. */
static enum santa_status find_hash(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                   struct santa_args_principal *pc, bool *found)
{
    sqlite3_stmt *q = sqlite_store_use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!sqlite_store_bind_hash(q, 1, pc->h))
        st = sqlite_store_bind_failed(c, "principal find");
    else
        st = sqlite_store_step(c, q, "principal find", found);
    if (st == SANTA_OK && *found) {
        memset(pc->out, 0, sizeof *pc->out);
        bool admin = which == SQLITE_Q_ADMIN_FIND;
        pc->out->role = admin ? SANTA_ROLE_ADMIN : SANTA_ROLE_PARTICIPANT;
        if (!sqlite_store_col_id(q, 0, pc->out->exchange_id) ||
            (!admin && !sqlite_store_col_id(q, 1, pc->out->participant_id)))
            st = santa_store_corrupt("sqlite", "principal");
    }
    sqlite_store_release(q);
    return st;
}

static enum santa_status principal_find_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_principal *pc = ctx;
    /* Both lookups are single index probes on a UNIQUE hash. A token lives
     * in exactly one place and is never moved, so no snapshot is needed to
     * join the two answers. */
    bool found = false;
    enum santa_status st = find_hash(c, SQLITE_Q_ADMIN_FIND, pc, &found);
    if (st == SANTA_OK && !found)
        st = find_hash(c, SQLITE_Q_TOKEN_FIND, pc, &found);
    if (st == SANTA_OK && !found)
        st = SANTA_NOT_FOUND;
    return st;
}

enum santa_status sqlite_store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct santa_args_principal pc = {token_hash, out};
    return sqlite_store_run_op(s, SQLITE_TX_NONE, principal_find_op, &pc);
}
