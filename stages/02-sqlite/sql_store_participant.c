/*
 * sql_store_participant.c - the participant operations of a SQL store:
 * join, list, get, remove, wishlist, exclusions. See sql_store.h.
 */
#include <string.h>

#include "santa/alloc.h"
#include "sql_store.h"

static enum santa_status participant_add_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_add *pa = ctx;
    const struct santa_participant *in = pa->p;
    const char *email_key = in->email_key ? in->email_key : "";
    struct santa_exchange_state ex;
    bool taken = false;
    enum santa_status st = sql_store_exchange_state(c, in->exchange_id, true, &ex);
    if (st == SANTA_OK)
        st = sql_store_exists2(c, SQL_Q_EMAIL_TAKEN, in->exchange_id, email_key, &taken);
    if (st == SANTA_OK)
        st = santa_rule_join(&ex, taken, pa->max);
    if (st != SANTA_OK)
        return st;

    struct sql_store_params p = {0};
    sql_store_param_text(&p, in->id);
    sql_store_param_text(&p, in->exchange_id);
    sql_store_param_text(&p, in->name);
    sql_store_param_text(&p, in->email);
    sql_store_param_text(&p, email_key);
    sql_store_param_text(&p, in->wishlist ? in->wishlist : "");
    sql_store_param_hash(&p, &in->token_hash);
    struct sql_store_rows r;
    st = sql_store_exec_rows(c, SQL_Q_PARTICIPANT_INSERT, &p, &r);
    /* The lock makes the check above decisive; the unique index is the
     * backstop should a future path forget the lock. */
    if (st != SANTA_OK && sql_store_unique_violation(c))
        st = SANTA_EMAIL_TAKEN;
    /* seq comes back from RETURNING, in the same statement. */
    int64_t seq = 0;
    if (st == SANTA_OK && (!sql_store_has_row(&r) || !sql_store_col_int(&r, 0, &seq) || seq <= 0))
        st = santa_store_corrupt(sql_store_name(c), "participant insert");
    if (st == SANTA_OK)
        pa->seq = (uint64_t)seq;
    sql_store_rows_clear(&r);
    return st;
}

/* Did participant_add_op commit? The exchange's lock first: it waits until
 * a transaction the lost connection left behind has ended (committed, or
 * rolled back by the server), so "not there" is final. */
static enum santa_status participant_outcome_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_add *pa = ctx;
    const struct santa_participant *in = pa->p;
    enum santa_status st = sql_store_exchange_state(c, in->exchange_id, true, NULL);
    if (st != SANTA_OK)
        return st == SANTA_NOT_FOUND ? SANTA_UNAVAILABLE : st;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, in->id);
    sql_store_param_text(&p, in->exchange_id);
    sql_store_param_hash(&p, &in->token_hash);
    struct sql_store_rows r;
    st = sql_store_exec_rows(c, SQL_Q_PARTICIPANT_OUTCOME, &p, &r);
    int64_t seq = 0;
    if (st == SANTA_OK && !sql_store_has_row(&r))
        st = SANTA_NOT_FOUND;
    else if (st == SANTA_OK && (!sql_store_col_int(&r, 0, &seq) || seq <= 0))
        st = santa_store_corrupt(sql_store_name(c), "participant outcome");
    if (st == SANTA_OK)
        pa->seq = (uint64_t)seq;
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_participant_add(struct santa_store *s, struct santa_participant *p,
                                            uint32_t max_participants)
{
    struct santa_args_participant_add pa = {p, max_participants, 0};
    enum santa_status st =
        sql_store_run_op_resolved(s, SQL_TX_WRITE, participant_add_op, participant_outcome_op, &pa);
    /* Only an acknowledged (committed) join gets its seq. */
    if (st == SANTA_OK)
        p->seq = pa.seq;
    return st;
}

static enum santa_status participant_list_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_list *pl = ctx;
    struct santa_participant_page *out = pl->out;
    memset(out, 0, sizeof *out);
    enum santa_status st = sql_store_exchange_state(c, pl->exchange_id, false, NULL);
    if (st != SANTA_OK || pl->limit == 0)
        return st;
    /* seq is a signed 64-bit column: anything above is "after everyone".
     * One row more than asked tells whether more follow. */
    int64_t after = pl->after > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)pl->after;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, pl->exchange_id);
    sql_store_param_int(&p, after);
    sql_store_param_int(&p, (int64_t)pl->limit + 1);
    struct sql_store_rows r;
    st = sql_store_exec_rows(c, SQL_Q_PARTICIPANT_LIST, &p, &r);
    uint32_t cap = pl->limit < 64 ? pl->limit : 64;
    if (st == SANTA_OK) {
        out->items = santa_arena_alloc(pl->a, cap * sizeof *out->items);
        if (!out->items)
            st = santa_store_no_memory(sql_store_name(c), "listing participants");
    }
    for (; st == SANTA_OK && sql_store_has_row(&r); st = sql_store_next_row(&r)) {
        if (out->count == pl->limit) {
            out->next_seq = out->items[out->count - 1].seq;
            break;
        }
        if (out->count == cap) {
            /* Grow inside the arena: the old block stays until the arena is
             * released, bounded by doubling to at most twice the page. */
            uint32_t ncap = cap * 2 < pl->limit ? cap * 2 : pl->limit;
            struct santa_participant *items = santa_arena_alloc(pl->a, ncap * sizeof *items);
            if (!items) {
                st = santa_store_no_memory(sql_store_name(c), "listing participants");
                break;
            }
            memcpy(items, out->items, out->count * sizeof *items);
            out->items = items;
            cap = ncap;
        }
        st = sql_store_read_participant(&r, pl->exchange_id, pl->a, &out->items[out->count]);
        if (st != SANTA_OK)
            break;
        out->count++;
    }
    sql_store_rows_clear(&r);
    return st;
}

enum santa_status sql_store_participant_list(struct santa_store *s, const char *exchange_id,
                                             uint64_t after_seq, uint32_t limit,
                                             struct santa_arena *a,
                                             struct santa_participant_page *out)
{
    struct santa_args_participant_list pl = {exchange_id, after_seq, limit, a, out};
    /* Two statements that must agree (the exchange exists, its page): one
     * transaction. */
    enum santa_status st = sql_store_run_op(s, SQL_TX_READ, participant_list_op, &pl);
    if (st != SANTA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

static enum santa_status participant_get_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_get *g = ctx;
    return sql_store_participant_read(c, g->exchange_id, g->participant_id, g->a, g->out);
}

enum santa_status sql_store_participant_get(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, struct santa_arena *a,
                                            struct santa_participant *out)
{
    struct santa_args_participant_get g = {exchange_id, participant_id, a, out};
    return sql_store_run_op(s, SQL_TX_NONE, participant_get_op, &g);
}

static enum santa_status participant_remove_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_ref *pr = ctx;
    struct santa_exchange_state ex;
    bool found = false;
    enum santa_status st = sql_store_exchange_state(c, pr->exchange_id, true, &ex);
    if (st == SANTA_OK)
        st = sql_store_exists2(c, SQL_Q_PARTICIPANT_EXISTS, pr->exchange_id, pr->participant_id,
                               &found);
    if (st == SANTA_OK)
        st = santa_rule_remove(&ex, found);
    if (st != SANTA_OK)
        return st;
    /* The foreign keys cascade to the exclusions naming them, the
     * participants_outbox trigger (migration 003) removes their outbox rows
     * and participants_count lowers the count, in this same transaction. */
    struct sql_store_params p = {0};
    sql_store_param_text(&p, pr->exchange_id);
    sql_store_param_text(&p, pr->participant_id);
    int64_t n = 0;
    st = sql_store_exec_count(c, SQL_Q_PARTICIPANT_DELETE, &p, &n);
    return st == SANTA_OK && n == 0 ? SANTA_NOT_FOUND : st;
}

enum santa_status sql_store_participant_remove(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id)
{
    struct santa_args_participant_ref pr = {exchange_id, participant_id, NULL};
    return sql_store_run_op(s, SQL_TX_WRITE, participant_remove_op, &pr);
}

static enum santa_status wishlist_set_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_participant_ref *pr = ctx;
    struct sql_store_params p = {0};
    sql_store_param_text(&p, pr->exchange_id);
    sql_store_param_text(&p, pr->participant_id);
    sql_store_param_text(&p, pr->text);
    int64_t n = 0;
    enum santa_status st = sql_store_exec_count(c, SQL_Q_WISHLIST_SET, &p, &n);
    return st == SANTA_OK && n == 0 ? SANTA_NOT_FOUND : st;
}

enum santa_status sql_store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                         const char *participant_id, const char *wishlist)
{
    struct santa_args_participant_ref pr = {exchange_id, participant_id, wishlist ? wishlist : ""};
    /* One UPDATE: atomic on its own. */
    return sql_store_run_op(s, SQL_TX_WRITE_ONE, wishlist_set_op, &pr);
}

static enum santa_status insert_exclusion(struct sql_store_conn *c, const char *exchange_id,
                                          const char *giver, const char *receiver)
{
    struct sql_store_params p = {0};
    sql_store_param_text(&p, exchange_id);
    sql_store_param_text(&p, giver);
    sql_store_param_text(&p, receiver);
    return sql_store_exec_cmd(c, SQL_Q_EXCLUSION_INSERT, &p); /* ON CONFLICT */
}

static enum santa_status exclusion_add_op(struct sql_store_conn *c, void *ctx)
{
    struct santa_args_exclusion *e = ctx;
    struct santa_exchange_state ex;
    enum santa_status st = sql_store_exchange_state(c, e->exchange_id, true, &ex);
    bool giver = false, receiver = false;
    if (st == SANTA_OK)
        st = sql_store_exists2(c, SQL_Q_PARTICIPANT_EXISTS, e->exchange_id, e->giver_id, &giver);
    if (st == SANTA_OK)
        st = sql_store_exists2(c, SQL_Q_PARTICIPANT_EXISTS, e->exchange_id, e->receiver_id,
                               &receiver);
    if (st == SANTA_OK)
        st = santa_rule_exclusion(&ex, giver, receiver);
    if (st != SANTA_OK)
        return st;
    st = insert_exclusion(c, e->exchange_id, e->giver_id, e->receiver_id);
    if (st == SANTA_OK && e->mutual && strcmp(e->giver_id, e->receiver_id) != 0)
        st = insert_exclusion(c, e->exchange_id, e->receiver_id, e->giver_id);
    return st;
}

enum santa_status sql_store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                          const char *giver_id, const char *receiver_id,
                                          bool mutual)
{
    struct santa_args_exclusion e = {exchange_id, giver_id, receiver_id, mutual};
    return sql_store_run_op(s, SQL_TX_WRITE, exclusion_add_op, &e);
}
