/*
 * store_sqlite_exchange.c - stage 02's exchange operations: create, get, and
 * finding whose token a hash is. See store_sqlite_ops.h.
 */
#include <string.h>

#include "store_sqlite_ops.h"

static enum santa_status exchange_create_op(struct sqlite_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, ex->id);
    sqlite_store_param_text(&p, ex->name);
    sqlite_store_param_text(&p, ex->budget);
    sqlite_store_param_text(&p, ex->exchange_date);
    sqlite_store_param_bool(&p, ex->no_mutual);
    sqlite_store_param_hash(&p, &ex->admin_hash);
    sqlite_store_param_hash(&p, &ex->invite_hash);
    /* drawn is always 0 in the SQL: a new exchange is open, whatever the
     * caller set. */
    return sqlite_store_exec_cmd(c, SQLITE_Q_EXCHANGE_INSERT, &p);
}

enum santa_status sqlite_store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, exchange_create_op, (void *)ex);
}

static enum santa_status exchange_get_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_exchange_get *g = ctx;
    struct sqlite_store_params p = {0};
    sqlite_store_param_text(&p, g->id);
    struct sqlite_store_rows r;
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_EXCHANGE_GET, &p, &r);
    if (st == SANTA_OK && !sqlite_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct santa_exchange ex;
        memset(&ex, 0, sizeof ex);
        memcpy(ex.id, g->id, SANTA_ID_LEN + 1);
        struct santa_col date;
        int64_t count = 0;
        if (!sqlite_store_col_text(&r, 0, g->a, &ex.name) ||
            !sqlite_store_col_text(&r, 1, g->a, &ex.budget) || !sqlite_store_col(&r, 2, &date))
            st = santa_store_no_memory("sqlite", "reading an exchange");
        else if (!ex.name || !date.text || date.len > SANTA_DATE_LEN ||
                 !sqlite_store_col_hash(&r, 5, &ex.admin_hash) ||
                 !sqlite_store_col_hash(&r, 6, &ex.invite_hash) ||
                 !sqlite_store_col_int(&r, 7, &count) || count < 0)
            st = santa_store_corrupt("sqlite", "exchanges");
        if (st == SANTA_OK) {
            memcpy(ex.exchange_date, date.text, date.len);
            ex.exchange_date[date.len] = '\0';
            ex.no_mutual = sqlite_store_col_bool(&r, 3);
            ex.drawn = sqlite_store_col_bool(&r, 4);
            ex.participant_count = (uint32_t)count;
            *g->out = ex;
        }
    }
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct santa_args_exchange_get g = {id, a, out};
    /* One statement, one row (the count is kept in it): no transaction. */
    return sqlite_store_run_op(s, SQLITE_TX_NONE, exchange_get_op, &g);
}

static enum santa_status principal_find_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_principal *pc = ctx;
    struct sqlite_store_params p = {0};
    sqlite_store_param_hash(&p, pc->h);
    struct sqlite_store_rows r;
    /* One statement for both places a token can live (UNION ALL over two
     * unique-index probes); the first column says which: 1 admin, 2
     * participant. A token lives in exactly one place and is never moved. */
    enum santa_status st = sqlite_store_exec_rows(c, SQLITE_Q_PRINCIPAL_FIND, &p, &r);
    int64_t kind = 0;
    if (st == SANTA_OK && !sqlite_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        memset(pc->out, 0, sizeof *pc->out);
        bool admin = sqlite_store_col_int(&r, 0, &kind) && kind == 1;
        pc->out->role = admin ? SANTA_ROLE_ADMIN : SANTA_ROLE_PARTICIPANT;
        if (!sqlite_store_col_id(&r, 1, pc->out->exchange_id) ||
            (!admin && !sqlite_store_col_id(&r, 2, pc->out->participant_id)))
            st = santa_store_corrupt("sqlite", "principal");
    }
    sqlite_store_rows_clear(&r);
    return st;
}

enum santa_status sqlite_store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct santa_args_principal pc = {token_hash, out};
    return sqlite_store_run_op(s, SQLITE_TX_NONE, principal_find_op, &pc);
}
