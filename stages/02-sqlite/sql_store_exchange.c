/*
 * sql_store_exchange.c - the exchange operations of a SQL store: create,
 * get, and finding who a token belongs to. See sql_store.h.
 */
#include <string.h>

#include "sql_store.h"

static enum santa_status exchange_create_op(struct sql_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, ex->id);
    sql_store_param_text(&p, ex->name);
    sql_store_param_text(&p, ex->budget);
    sql_store_param_text(&p, ex->exchange_date);
    sql_store_param_bool(&p, ex->no_mutual);
    sql_store_param_hash(&p, &ex->admin_hash);
    sql_store_param_hash(&p, &ex->invite_hash);
    /* drawn is no parameter: a new exchange is open, whatever the caller
     * set. */
    return sql_store_exec_cmd(c, SQL_Q_EXCHANGE_INSERT, &p);
}

/* Did exchange_create_op commit? The id is random and chosen before the
 * write; the admin hash proves the row is this request's. */
static enum santa_status exchange_outcome_op(struct sql_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, ex->id);
    sql_store_param_hash(&p, &ex->admin_hash);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_EXCHANGE_OUTCOME, &p, &r);
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    else if (st == SANTA_OK && !sql_store_col_bool(&r, 0))
        st = santa_store_corrupt(sql_store_name(c),
                                 "exchange outcome: the id is another exchange's");
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_exchange_create(struct santa_store *s, const struct santa_exchange *ex)
{
    /* One statement: atomic on its own, and harmless to look up after a
     * lost connection (exchange_outcome_op). */
    return sql_store_run_op_resolved(s, SQL_TX_WRITE_ONE, exchange_create_op, exchange_outcome_op,
                                     (void *)ex);
}

static enum santa_status exchange_get_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_exchange_get *g = ctx;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, g->id);
    struct sql_store_rows r;
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_EXCHANGE_GET, &p, &r);
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct santa_exchange ex;
        memset(&ex, 0, sizeof ex);
        memcpy(ex.id, g->id, SANTA_ID_LEN + 1);
        struct santa_col date;
        int64_t count = 0;
        if (!sql_store_col_text(&r, 0, g->a, &ex.name) ||
            !sql_store_col_text(&r, 1, g->a, &ex.budget) || !sql_store_col(&r, 2, &date))
            st = santa_store_no_memory(sql_store_name(c), "reading an exchange");
        else if (!ex.name || !date.text || date.len > SANTA_DATE_LEN ||
                 !sql_store_col_hash(&r, 5, &ex.admin_hash) ||
                 !sql_store_col_hash(&r, 6, &ex.invite_hash) || !sql_store_col_int(&r, 7, &count) ||
                 count < 0)
            st = santa_store_corrupt(sql_store_name(c), "exchanges");
        if (st == SANTA_OK) {
            memcpy(ex.exchange_date, date.text, date.len);
            ex.exchange_date[date.len] = '\0';
            ex.no_mutual = sql_store_col_bool(&r, 3);
            ex.drawn = sql_store_col_bool(&r, 4);
            ex.participant_count = (uint32_t)count;
            *g->out = ex;
        }
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_exchange_get(struct santa_store *s, const char *id,
                                         struct santa_arena *a, struct santa_exchange *out)
{
    struct santa_args_exchange_get g = {id, a, out};
    /* One statement, one row (the count is kept in it): no transaction. */
    return sql_store_run_op(s, SQL_TX_NONE, exchange_get_op, &g);
}

static enum santa_status principal_find_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_principal *pc = ctx;
    struct sql_store_params p = {0};
    sql_store_param_hash(&p, pc->h);
    struct sql_store_rows r;
    /* One statement for both places a token can live (UNION ALL over two
     * unique-index probes); the first column says which: 1 admin, 2
     * participant. */
    enum santa_status st = sql_store_exec_rows(c, SQL_Q_PRINCIPAL_FIND, &p, &r);
    int64_t kind = 0;
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        memset(pc->out, 0, sizeof *pc->out);
        bool admin = sql_store_col_int(&r, 0, &kind) && kind == 1;
        pc->out->role = admin ? SANTA_ROLE_ADMIN : SANTA_ROLE_PARTICIPANT;
        if (!sql_store_col_id(&r, 1, pc->out->exchange_id) ||
            (!admin && !sql_store_col_id(&r, 2, pc->out->participant_id)))
            st = santa_store_corrupt(sql_store_name(c), "principal");
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_principal_find(struct santa_store *s,
                                           const struct santa_hash *token_hash,
                                           struct santa_principal *out)
{
    struct santa_args_principal pc = {token_hash, out};
    return sql_store_run_op(s, SQL_TX_NONE, principal_find_op, &pc);
}
