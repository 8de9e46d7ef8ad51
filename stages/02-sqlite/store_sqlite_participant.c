/*
 * store_sqlite_participant.c - stage 02's participant operations: join,
 * list, get, remove, wishlist, exclusions. See store_sqlite_ops.h.
 */
#include <string.h>

#include "santa/alloc.h"
#include "store_sqlite_ops.h"

static enum santa_status participant_add_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_participant_add *pa = ctx;
    const struct santa_participant *in = pa->p;
    const char *email_key = in->email_key ? in->email_key : "";
    struct santa_exchange_state ex;
    bool taken = false;
    enum santa_status st = sqlite_store_exchange_state(c, in->exchange_id, &ex);
    if (st == SANTA_OK)
        st = sqlite_store_exists2(c, SQLITE_Q_EMAIL_TAKEN, in->exchange_id, email_key, &taken);
    if (st == SANTA_OK)
        st = santa_rule_join(&ex, taken, pa->max);
    if (st != SANTA_OK)
        return st;

    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_PARTICIPANT_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!sqlite_store_bind_text(q, 1, in->id) || !sqlite_store_bind_text(q, 2, in->exchange_id) ||
        !sqlite_store_bind_text(q, 3, in->name) || !sqlite_store_bind_text(q, 4, in->email) ||
        !sqlite_store_bind_text(q, 5, email_key) ||
        !sqlite_store_bind_text(q, 6, in->wishlist ? in->wishlist : "") ||
        !sqlite_store_bind_hash(q, 7, &in->token_hash))
        st = sqlite_store_bind_failed(c, "participant add");
    else
        st = sqlite_store_run(c, q, "participant add");
    sqlite_store_release(q);
    if (st == SANTA_OK)
        pa->seq = (uint64_t)sqlite3_last_insert_rowid(sqlite_store_conn_db(c));
    return st;
}

enum santa_status sqlite_store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct santa_args_participant_add pa = {p, max_participants, 0};
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_WRITE, participant_add_op, &pa);
    /* Only an acknowledged (committed) join gets its seq. */
    if (st == SANTA_OK)
        p->seq = pa.seq;
    return st;
}

static enum santa_status participant_list_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_participant_list *pl = ctx;
    struct santa_participant_page *out = pl->out;
    memset(out, 0, sizeof *out);
    enum santa_status st = sqlite_store_exchange_state(c, pl->exchange_id, NULL);
    if (st != SANTA_OK || pl->limit == 0)
        return st;
    /* seq is a SQLite integer (signed 64-bit): anything above is "after
     * everyone". One row more than asked tells whether more follow. */
    int64_t after = pl->after > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)pl->after;
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_PARTICIPANT_LIST);
    if (!q)
        return SANTA_UNAVAILABLE;
    uint32_t cap = pl->limit < 64 ? pl->limit : 64;
    out->items = santa_arena_alloc(pl->a, cap * sizeof *out->items);
    if (!out->items)
        st = santa_store_no_memory("sqlite", "listing participants");
    else if (!sqlite_store_bind_text(q, 1, pl->exchange_id) ||
             !sqlite_store_bind_int(q, 2, after) ||
             !sqlite_store_bind_int(q, 3, (int64_t)pl->limit + 1))
        st = sqlite_store_bind_failed(c, "participant list");
    bool row = true;
    while (st == SANTA_OK) {
        st = sqlite_store_step(c, q, "participant list", &row);
        if (st != SANTA_OK || !row)
            break;
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
                st = santa_store_no_memory("sqlite", "listing participants");
                break;
            }
            memcpy(items, out->items, out->count * sizeof *items);
            out->items = items;
            cap = ncap;
        }
        st = sqlite_store_read_participant(q, pl->exchange_id, pl->a, &out->items[out->count]);
        if (st == SANTA_OK)
            out->count++;
    }
    sqlite_store_release(q);
    return st;
}

enum santa_status sqlite_store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    struct santa_args_participant_list pl = {exchange_id, after_seq, limit, a, out};
    /* Two statements that must agree (the exchange exists, its page): one
     * transaction. */
    enum santa_status st = sqlite_store_run_op(s, SQLITE_TX_READ, participant_list_op, &pl);
    if (st != SANTA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

static enum santa_status participant_get_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_participant_get *g = ctx;
    return sqlite_store_participant_read(c, g->exchange_id, g->participant_id, g->a, g->out);
}

enum santa_status sqlite_store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct santa_args_participant_get g = {exchange_id, participant_id, a, out};
    return sqlite_store_run_op(s, SQLITE_TX_NONE, participant_get_op, &g);
}

/* Runs a statement binding (exchange_id, participant_id[, text]) that
 * changes at most one participant; NOT_FOUND when it changed none. */
static enum santa_status change_participant(struct sqlite_store_conn *c,
                                            enum sqlite_store_query which,
                                            const struct santa_args_participant_ref *pr)
{
    sqlite3_stmt *q = sqlite_store_use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!sqlite_store_bind_text(q, 1, pr->exchange_id) ||
        !sqlite_store_bind_text(q, 2, pr->participant_id) ||
        (pr->text && !sqlite_store_bind_text(q, 3, pr->text)))
        st = sqlite_store_bind_failed(c, sqlite_store_sql_name[which]);
    else
        st = sqlite_store_run(c, q, sqlite_store_sql_name[which]);
    sqlite_store_release(q);
    if (st == SANTA_OK && sqlite3_changes(sqlite_store_conn_db(c)) == 0)
        st = SANTA_NOT_FOUND;
    return st;
}

static enum santa_status participant_remove_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_participant_ref *pr = ctx;
    struct santa_exchange_state ex;
    bool found = false;
    enum santa_status st = sqlite_store_exchange_state(c, pr->exchange_id, &ex);
    if (st == SANTA_OK)
        st = sqlite_store_exists2(c, SQLITE_Q_PARTICIPANT_EXISTS, pr->exchange_id,
                                  pr->participant_id, &found);
    if (st == SANTA_OK)
        st = santa_rule_remove(&ex, found);
    if (st != SANTA_OK)
        return st;
    /* The foreign keys cascade to the exclusions naming them, and the
     * participants_outbox trigger (migration 3) removes their outbox rows,
     * in this same transaction. */
    return change_participant(c, SQLITE_Q_PARTICIPANT_DELETE, pr);
}

enum santa_status sqlite_store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct santa_args_participant_ref pr = {exchange_id, participant_id, NULL};
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, participant_remove_op, &pr);
}

static enum santa_status wishlist_set_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_participant_ref *pr = ctx;
    return change_participant(c, SQLITE_Q_WISHLIST_SET, pr);
}

enum santa_status sqlite_store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct santa_args_participant_ref pr = {exchange_id, participant_id, wishlist ? wishlist : ""};
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, wishlist_set_op, &pr);
}

static enum santa_status insert_exclusion(struct sqlite_store_conn *c, const char *exchange_id,
                                          const char *giver, const char *receiver)
{
    sqlite3_stmt *q = sqlite_store_use(c, SQLITE_Q_EXCLUSION_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!sqlite_store_bind_text(q, 1, exchange_id) || !sqlite_store_bind_text(q, 2, giver) ||
        !sqlite_store_bind_text(q, 3, receiver))
        st = sqlite_store_bind_failed(c, "exclusion add");
    else
        st = sqlite_store_run(c, q, "exclusion add"); /* OR IGNORE: an existing one is a no-op */
    sqlite_store_release(q);
    return st;
}

static enum santa_status exclusion_add_op(struct sqlite_store_conn *c, void *ctx)
{
    struct santa_args_exclusion *e = ctx;
    struct santa_exchange_state ex;
    enum santa_status st = sqlite_store_exchange_state(c, e->exchange_id, &ex);
    bool giver = false, receiver = false;
    if (st == SANTA_OK)
        st = sqlite_store_exists2(c, SQLITE_Q_PARTICIPANT_EXISTS, e->exchange_id, e->giver_id,
                                  &giver);
    if (st == SANTA_OK)
        st = sqlite_store_exists2(c, SQLITE_Q_PARTICIPANT_EXISTS, e->exchange_id, e->receiver_id,
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

enum santa_status sqlite_store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct santa_args_exclusion e = {exchange_id, giver_id, receiver_id, mutual};
    return sqlite_store_run_op(s, SQLITE_TX_WRITE, exclusion_add_op, &e);
}
