/*
 * store_postgres.c - the operations of stage 03's store over PostgreSQL.
 *
 * Each operation is a function of one connection (the *_tx functions) run
 * by run_op(): it takes the calling thread's connection from the pool,
 * wraps the function in BEGIN ... COMMIT when it writes or reads more than
 * one statement, rolls back on any refusal (EMAIL_TAKEN ...) so nothing half
 * done is left, and retries the whole transaction when that is safe:
 *  - once, on a fresh connection, when the connection was found broken
 *    before COMMIT was sent (the server then rolled the transaction back, so
 *    nothing happened): a PostgreSQL restart then costs no request that
 *    arrives after the server is back;
 *  - up to three times on serialization failure or deadlock (40001, 40P01),
 *    as the PostgreSQL documentation advises.
 * When the connection is lost after COMMIT was sent (or during a
 * single-statement write), the outcome is unknown. Creating an exchange and
 * joining look their row up by its id (random, chosen before the write) on
 * a fresh connection: there, the request answers as if the first try had
 * worked (the client gets its token, nothing is stored twice); not there,
 * it runs again. Other writes answer 503 then, and the client may retry.
 *
 * Concurrency control is READ COMMITTED plus one row lock: every write that
 * depends on an exchange's state starts with EXCHANGE_LOCK (SELECT ... FOR
 * UPDATE), so joins, removals, exclusions, draws and undraws of one exchange
 * run one after another, and the second of two draws waits, then reads
 * drawn = true and answers ALREADY_DRAWN.
 */
#include "store_postgres.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "store_postgres_conn.h"
#include "store_postgres_schema.h"

/* Defined at the end of the file, once every operation exists. */
static const struct santa_store_ops postgres_store_ops;

struct postgres_store {
    struct santa_store base;
    struct postgres_store_pool *pool;
};

static struct postgres_store *store_of(struct santa_store *s)
{
    return (struct postgres_store *)s;
}

/* ---- results into model structs ---------------------------------------- */

static enum santa_status corrupt(const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store postgres: %s: a row does not decode", what);
    return SANTA_UNAVAILABLE;
}

static enum santa_status no_memory(const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store postgres: %s: out of memory", what);
    return SANTA_UNAVAILABLE;
}

/* Copies a text column into the arena; SQL NULL gives NULL. */
static bool col_text(const PGresult *r, int row, int col, struct santa_arena *a, const char **out)
{
    if (PQgetisnull(r, row, col)) {
        *out = NULL;
        return true;
    }
    *out = santa_arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
    return *out != NULL;
}

static bool col_id(const PGresult *r, int row, int col, char out[SANTA_ID_LEN + 1])
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, PQgetvalue(r, row, col), SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

static bool col_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

static bool col_int(const PGresult *r, int row, int col, int64_t *out)
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
static bool col_hash(const PGresult *r, int row, int col, struct santa_hash *out)
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
static enum santa_status read_participant(const PGresult *r, int row, const char *exchange_id,
                                          struct santa_arena *a, struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    int64_t seq;
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!col_int(r, row, 0, &seq) || seq <= 0 || !col_id(r, row, 1, p->id) ||
        !col_hash(r, row, 6, &p->token_hash))
        return corrupt("participants");
    p->seq = (uint64_t)seq;
    if (!col_text(r, row, 2, a, &p->name) || !col_text(r, row, 3, a, &p->email) ||
        !col_text(r, row, 4, a, &p->email_key) || !col_text(r, row, 5, a, &p->wishlist))
        return no_memory("reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return corrupt("participants");
    return SANTA_OK;
}

/* ---- running statements ------------------------------------------------ */

/* Runs q and drops its result (commands). */
static enum santa_status exec_cmd(struct postgres_store_conn *c, enum postgres_store_query q,
                                  const struct postgres_store_params *p)
{
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, p, &r);
    PQclear(r);
    return st;
}

/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
static enum santa_status exec_count(struct postgres_store_conn *c, enum postgres_store_query q,
                                    const struct postgres_store_params *p, int64_t *changed)
{
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, p, &r);
    if (st == SANTA_OK) {
        char *end = NULL;
        const char *t = PQcmdTuples(r);
        *changed = strtoll(t, &end, 10);
        if (!t[0] || *end)
            st = corrupt(postgres_store_sql_name[q]);
    }
    PQclear(r);
    return st;
}

/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
static enum santa_status exists2(struct postgres_store_conn *c, enum postgres_store_query q,
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

/* What the write operations check about an exchange before they change it. */
struct exchange_state {
    bool no_mutual;
    bool drawn;
    int64_t participants;
};

/* EXCHANGE_LOCK (writes) or EXCHANGE_STATE (reads): NOT_FOUND when the
 * exchange does not exist; else its state (out may be NULL). */
static enum santa_status exchange_state(struct postgres_store_conn *c, const char *id, bool lock,
                                        struct exchange_state *out)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, id);
    PGresult *r = NULL;
    enum santa_status st =
        postgres_store_conn_exec(c, lock ? PQ_EXCHANGE_LOCK : PQ_EXCHANGE_STATE, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = col_bool(r, 0, 0);
        out->drawn = col_bool(r, 0, 1);
        if (!col_int(r, 0, 2, &out->participants))
            st = corrupt("exchanges");
    }
    PQclear(r);
    return st;
}

/* ---- one operation: connection, transaction, retries ------------------- */

typedef enum santa_status (*op_fn)(struct postgres_store_conn *c, void *ctx);

#define MAX_ATTEMPTS 4

static void backoff_sleep(int attempt)
{
    /* 5, 10, 20 ms plus up to as much again: the other transaction of a
     * deadlock should get through first. */
    long ms = 5L << (attempt < 3 ? attempt : 3);
    ms += (long)(postgres_store_now_ns() % (uint64_t)ms);
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs fn on c, inside BEGIN ... COMMIT when tx; rolls back on any refusal
 * or error. *commit_sent tells whether COMMIT went out. */
static enum santa_status attempt_once(struct postgres_store_conn *c, bool tx, op_fn fn, void *ctx,
                                      char sqlstate[6], bool *commit_sent)
{
    enum santa_status st = SANTA_OK;
    *commit_sent = false;
    if (tx)
        st = exec_cmd(c, PQ_BEGIN, NULL);
    if (st == SANTA_OK)
        st = fn(c, ctx);
    snprintf(sqlstate, 6, "%s", postgres_store_conn_sqlstate(c));
    if (tx && st == SANTA_OK) {
        *commit_sent = true;
        st = exec_cmd(c, PQ_COMMIT, NULL);
        snprintf(sqlstate, 6, "%s", postgres_store_conn_sqlstate(c));
    } else if (postgres_store_conn_in_tx(c)) {
        /* A refusal or an error: nothing of this transaction stays. */
        (void)exec_cmd(c, PQ_ROLLBACK, NULL);
    }
    return st;
}

/* run_op with an outcome check. `resolve` (NULL: none) answers, on a fresh
 * connection, whether a write whose outcome a lost connection hid did
 * commit: SANTA_OK (it did; ctx holds what the caller needs, e.g. the
 * join's seq), SANTA_NOT_FOUND (it did not), anything else (cannot tell).
 * It runs before the write is sent again, so a write is never applied
 * twice and its client gets the answer the first try earned. */
static enum santa_status run_op_resolved(struct santa_store *s, bool tx, op_fn fn, op_fn resolve,
                                         void *ctx)
{
    bool unknown = false; /* a write may have committed unseen */
    for (int attempt = 0;; attempt++) {
        struct postgres_store_conn *c;
        enum santa_status st = postgres_store_pool_conn(store_of(s)->pool, &c);
        if (st != SANTA_OK)
            return st;
        if (unknown) {
            bool sent;
            char state[6];
            st = attempt_once(c, true, resolve, ctx, state, &sent);
            santa_log(SANTA_LOG_INFO, "store postgres: outcome after a lost connection: %s",
                      st == SANTA_OK          ? "committed"
                      : st == SANTA_NOT_FOUND ? "not committed, running it again"
                                              : "unknown");
            if (st != SANTA_NOT_FOUND)
                return st == SANTA_OK ? SANTA_OK : SANTA_UNAVAILABLE;
            unknown = false;
        }
        bool commit_sent;
        char sqlstate[6];
        st = attempt_once(c, tx, fn, ctx, sqlstate, &commit_sent);
        if (st != SANTA_UNAVAILABLE || attempt + 1 >= MAX_ATTEMPTS)
            return st;
        if (postgres_store_conn_lost(c)) {
            /* Lost before COMMIT was sent: the server rolled back, so
             * running it again is safe. Lost after COMMIT (or during a
             * single-statement write, which commits by itself): look the
             * row up first if the operation can, else 503. Only once: a
             * second loss means the server is really gone. */
            if (attempt > 0 || (commit_sent && !resolve))
                return st;
            unknown = resolve && (commit_sent || !tx);
            continue;
        }
        if (strcmp(sqlstate, "40001") != 0 && strcmp(sqlstate, "40P01") != 0)
            return st;
        backoff_sleep(attempt);
    }
}

static enum santa_status run_op(struct santa_store *s, bool tx, op_fn fn, void *ctx)
{
    return run_op_resolved(s, tx, fn, NULL, ctx);
}

/* ---- open / close ------------------------------------------------------ */

static void store_close(struct santa_store *s)
{
    struct postgres_store *ps = store_of(s);
    postgres_store_pool_free(ps->pool);
    santa_free(ps);
}

enum santa_status postgres_store_migrate(const struct postgres_store_options *o, int *applied,
                                         char *err, size_t errlen)
{
    return postgres_store_schema_migrate(o && o->conninfo ? o->conninfo : "", applied, err, errlen);
}

int postgres_store_migrate_only(const char *program, const char *conninfo)
{
    struct postgres_store_options opts = {.conninfo = conninfo};
    char err[512] = "";
    int applied = 0;
    if (postgres_store_migrate(&opts, &applied, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: migration failed: %s", program, err);
        return 1;
    }
    santa_log(SANTA_LOG_INFO, "%s: schema is up to date (%d migration%s applied now)", program,
              applied, applied == 1 ? "" : "s");
    return 0;
}

enum santa_status postgres_store_open(const struct postgres_store_options *o,
                                      struct santa_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!PQisthreadsafe()) {
        snprintf(err, errlen, "this libpq is not thread-safe");
        return SANTA_UNAVAILABLE;
    }
    int applied = 0;
    enum santa_status st = postgres_store_migrate(o, &applied, err, errlen);
    if (st != SANTA_OK)
        return st;
    uint32_t timeout =
        o && o->statement_timeout_ms ? o->statement_timeout_ms : POSTGRES_STORE_DEFAULT_TIMEOUT_MS;
    struct postgres_store *ps = santa_calloc(1, sizeof *ps);
    if (ps)
        ps->pool = postgres_store_pool_new(o && o->conninfo ? o->conninfo : "", timeout);
    if (!ps || !ps->pool) {
        santa_free(ps);
        snprintf(err, errlen, "out of memory (or out of thread keys) opening the store");
        return SANTA_UNAVAILABLE;
    }
    ps->base.ops = &postgres_store_ops;
    santa_log(SANTA_LOG_INFO,
              "store postgres: schema version %d (%d migration%s applied now), "
              "statement_timeout %u ms, libpq %d",
              postgres_store_schema_version(), applied, applied == 1 ? "" : "s", (unsigned)timeout,
              PQlibVersion());
    *out = &ps->base;
    return SANTA_OK;
}

/* ---- the operations, in the order of struct santa_store_ops ------------- */

static void store_thread_stop(struct santa_store *s)
{
    postgres_store_pool_thread_stop(store_of(s)->pool);
}

static enum santa_status ping_op(struct postgres_store_conn *c, void *ctx)
{
    (void)ctx;
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, PQ_SCHEMA_VERSION, NULL, &r);
    int64_t v = 0;
    /* Proves the server answers on this thread's connection and that nobody
     * migrated the database past what this program knows. */
    if (st == SANTA_OK &&
        (PQntuples(r) != 1 || !col_int(r, 0, 0, &v) || v != postgres_store_schema_version())) {
        santa_log(SANTA_LOG_ERROR, "store postgres: ping: unexpected schema version");
        st = SANTA_UNAVAILABLE;
    }
    PQclear(r);
    return st;
}

static enum santa_status store_ping(struct santa_store *s)
{
    return run_op(s, false, ping_op, NULL);
}

static enum santa_status exchange_create_op(struct postgres_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, ex->id);
    postgres_store_param_text(&p, ex->name);
    postgres_store_param_text(&p, ex->budget);
    postgres_store_param_text(&p, ex->exchange_date);
    postgres_store_param_bool(&p, ex->no_mutual);
    postgres_store_param_hash(&p, &ex->admin_hash);
    postgres_store_param_hash(&p, &ex->invite_hash);
    return exec_cmd(c, PQ_EXCHANGE_INSERT, &p); /* drawn: the column default, false */
}

/* Did exchange_create_op commit? The id is random and chosen before the
 * write; the admin hash proves the row is this request's. */
static enum santa_status exchange_outcome_op(struct postgres_store_conn *c, void *ctx)
{
    const struct santa_exchange *ex = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, ex->id);
    postgres_store_param_hash(&p, &ex->admin_hash);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, PQ_EXCHANGE_OUTCOME, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    else if (st == SANTA_OK && !col_bool(r, 0, 0))
        st = corrupt("exchange outcome: the id is another exchange's");
    PQclear(r);
    return st;
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    /* One statement: atomic on its own, no BEGIN round trip. */
    return run_op_resolved(s, false, exchange_create_op, exchange_outcome_op, (void *)ex);
}

struct exchange_get_ctx {
    const char *id;
    struct santa_arena *a;
    struct santa_exchange *out;
};

static enum santa_status exchange_get_op(struct postgres_store_conn *c, void *ctx)
{
    struct exchange_get_ctx *g = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, g->id);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, PQ_EXCHANGE_GET, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct santa_exchange ex;
        memset(&ex, 0, sizeof ex);
        memcpy(ex.id, g->id, SANTA_ID_LEN + 1);
        const char *date = PQgetvalue(r, 0, 2);
        int64_t count = 0;
        if (!col_text(r, 0, 0, g->a, &ex.name) || !col_text(r, 0, 1, g->a, &ex.budget))
            st = no_memory("reading an exchange");
        else if (!ex.name || strlen(date) > SANTA_DATE_LEN || !col_hash(r, 0, 5, &ex.admin_hash) ||
                 !col_hash(r, 0, 6, &ex.invite_hash) || !col_int(r, 0, 7, &count) || count < 0)
            st = corrupt("exchanges");
        if (st == SANTA_OK) {
            memcpy(ex.exchange_date, date, strlen(date) + 1);
            ex.no_mutual = col_bool(r, 0, 3);
            ex.drawn = col_bool(r, 0, 4);
            ex.participant_count = (uint32_t)count;
            *g->out = ex;
        }
    }
    PQclear(r);
    return st;
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct exchange_get_ctx g = {id, a, out};
    return run_op(s, false, exchange_get_op, &g);
}

struct principal_ctx {
    const struct santa_hash *h;
    struct santa_principal *out;
};

static enum santa_status principal_find_op(struct postgres_store_conn *c, void *ctx)
{
    struct principal_ctx *pc = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_hash(&p, pc->h);
    PGresult *r = NULL;
    /* One round trip for both places a token can live (UNION ALL over two
     * unique-index probes). */
    enum santa_status st = postgres_store_conn_exec(c, PQ_PRINCIPAL_FIND, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        memset(pc->out, 0, sizeof *pc->out);
        bool admin = PQgetvalue(r, 0, 0)[0] == '1';
        pc->out->role = admin ? SANTA_ROLE_ADMIN : SANTA_ROLE_PARTICIPANT;
        if (!col_id(r, 0, 1, pc->out->exchange_id) ||
            (!admin && !col_id(r, 0, 2, pc->out->participant_id)))
            st = corrupt("principal");
    }
    PQclear(r);
    return st;
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct principal_ctx pc = {token_hash, out};
    return run_op(s, false, principal_find_op, &pc);
}

struct participant_add_ctx {
    const struct santa_participant *p;
    uint32_t max;
    uint64_t seq;
};

static enum santa_status participant_add_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_add_ctx *pa = ctx;
    const struct santa_participant *in = pa->p;
    const char *email_key = in->email_key ? in->email_key : "";
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, in->exchange_id, true, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    bool taken = false;
    st = exists2(c, PQ_EMAIL_TAKEN, in->exchange_id, email_key, &taken);
    if (st != SANTA_OK)
        return st;
    if (taken)
        return SANTA_EMAIL_TAKEN;
    if (ex.participants >= (int64_t)pa->max)
        return SANTA_EXCHANGE_FULL;

    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, in->id);
    postgres_store_param_text(&p, in->exchange_id);
    postgres_store_param_text(&p, in->name);
    postgres_store_param_text(&p, in->email);
    postgres_store_param_text(&p, email_key);
    postgres_store_param_text(&p, in->wishlist ? in->wishlist : "");
    postgres_store_param_hash(&p, &in->token_hash);
    PGresult *r = NULL;
    st = postgres_store_conn_exec(c, PQ_PARTICIPANT_INSERT, &p, &r);
    /* The lock makes the check above decisive; the unique index is the
     * backstop should a future path forget the lock. */
    if (st != SANTA_OK && strcmp(postgres_store_conn_sqlstate(c), "23505") == 0)
        return SANTA_EMAIL_TAKEN;
    int64_t seq = 0;
    if (st == SANTA_OK && (PQntuples(r) != 1 || !col_int(r, 0, 0, &seq) || seq <= 0))
        st = corrupt("participant insert");
    if (st == SANTA_OK)
        pa->seq = (uint64_t)seq;
    PQclear(r);
    return st;
}

/* Did participant_add_op commit? The exchange's lock first: it waits until
 * a transaction the lost connection left behind has ended (committed, or
 * rolled back by the server), so "not there" is final. */
static enum santa_status participant_outcome_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_add_ctx *pa = ctx;
    const struct santa_participant *in = pa->p;
    enum santa_status st = exchange_state(c, in->exchange_id, true, NULL);
    if (st != SANTA_OK)
        return st == SANTA_NOT_FOUND ? SANTA_UNAVAILABLE : st;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, in->id);
    postgres_store_param_text(&p, in->exchange_id);
    postgres_store_param_hash(&p, &in->token_hash);
    PGresult *r = NULL;
    st = postgres_store_conn_exec(c, PQ_PARTICIPANT_OUTCOME, &p, &r);
    int64_t seq = 0;
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    else if (st == SANTA_OK && (!col_int(r, 0, 0, &seq) || seq <= 0))
        st = corrupt("participant outcome");
    if (st == SANTA_OK)
        pa->seq = (uint64_t)seq;
    PQclear(r);
    return st;
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct participant_add_ctx pa = {p, max_participants, 0};
    enum santa_status st =
        run_op_resolved(s, true, participant_add_op, participant_outcome_op, &pa);
    /* Only an acknowledged (committed) join gets its seq. */
    if (st == SANTA_OK)
        p->seq = pa.seq;
    return st;
}

struct participant_list_ctx {
    const char *exchange_id;
    uint64_t after;
    uint32_t limit;
    struct santa_arena *a;
    struct santa_participant_page *out;
};

static enum santa_status participant_list_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_list_ctx *pl = ctx;
    struct santa_participant_page *out = pl->out;
    memset(out, 0, sizeof *out);
    enum santa_status st = exchange_state(c, pl->exchange_id, false, NULL);
    if (st != SANTA_OK || pl->limit == 0)
        return st;
    /* seq is a signed 64-bit column: anything above is "after everyone".
     * One row more than asked tells whether more follow. */
    int64_t after = pl->after > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)pl->after;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, pl->exchange_id);
    postgres_store_param_int(&p, after);
    postgres_store_param_int(&p, (int64_t)pl->limit + 1);
    PGresult *r = NULL;
    st = postgres_store_conn_exec(c, PQ_PARTICIPANT_LIST, &p, &r);
    if (st != SANTA_OK)
        return st;
    int rows = PQntuples(r);
    uint32_t n = (uint32_t)rows > pl->limit ? pl->limit : (uint32_t)rows;
    if (n > 0) {
        out->items = santa_arena_alloc(pl->a, n * sizeof *out->items);
        if (!out->items)
            st = no_memory("listing participants");
    }
    for (uint32_t i = 0; i < n && st == SANTA_OK; i++) {
        st = read_participant(r, (int)i, pl->exchange_id, pl->a, &out->items[i]);
        if (st == SANTA_OK)
            out->count++;
    }
    if (st == SANTA_OK && (uint32_t)rows > pl->limit)
        out->next_seq = out->items[n - 1].seq;
    PQclear(r);
    return st;
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    struct participant_list_ctx pl = {exchange_id, after_seq, limit, a, out};
    /* Two statements that must agree (the exchange exists, its page): one
     * transaction. */
    enum santa_status st = run_op(s, true, participant_list_op, &pl);
    if (st != SANTA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

struct participant_get_ctx {
    const char *exchange_id, *participant_id;
    struct santa_arena *a;
    struct santa_participant *out;
};

static enum santa_status participant_read(struct postgres_store_conn *c, const char *exchange_id,
                                          const char *participant_id, struct santa_arena *a,
                                          struct santa_participant *out)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_text(&p, participant_id);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, PQ_PARTICIPANT_GET, &p, &r);
    if (st == SANTA_OK && PQntuples(r) == 0)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = read_participant(r, 0, exchange_id, a, out);
    PQclear(r);
    return st;
}

static enum santa_status participant_get_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_get_ctx *g = ctx;
    return participant_read(c, g->exchange_id, g->participant_id, g->a, g->out);
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct participant_get_ctx g = {exchange_id, participant_id, a, out};
    return run_op(s, false, participant_get_op, &g);
}

struct participant_ref {
    const char *exchange_id, *participant_id, *text;
};

static enum santa_status participant_remove_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_ref *pr = ctx;
    struct exchange_state ex;
    bool found = false;
    enum santa_status st = exchange_state(c, pr->exchange_id, true, &ex);
    if (st == SANTA_OK)
        st = exists2(c, PQ_PARTICIPANT_EXISTS, pr->exchange_id, pr->participant_id, &found);
    if (st != SANTA_OK)
        return st;
    if (!found)
        return SANTA_NOT_FOUND;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    /* The foreign keys cascade to the exclusions and outbox rows naming
     * them, and the trigger lowers the count, in this same transaction. */
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, pr->exchange_id);
    postgres_store_param_text(&p, pr->participant_id);
    int64_t n = 0;
    st = exec_count(c, PQ_PARTICIPANT_DELETE, &p, &n);
    return st == SANTA_OK && n == 0 ? SANTA_NOT_FOUND : st;
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct participant_ref pr = {exchange_id, participant_id, NULL};
    return run_op(s, true, participant_remove_op, &pr);
}

static enum santa_status wishlist_set_op(struct postgres_store_conn *c, void *ctx)
{
    struct participant_ref *pr = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, pr->exchange_id);
    postgres_store_param_text(&p, pr->participant_id);
    postgres_store_param_text(&p, pr->text);
    int64_t n = 0;
    enum santa_status st = exec_count(c, PQ_WISHLIST_SET, &p, &n);
    return st == SANTA_OK && n == 0 ? SANTA_NOT_FOUND : st;
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct participant_ref pr = {exchange_id, participant_id, wishlist ? wishlist : ""};
    return run_op(s, false, wishlist_set_op, &pr); /* one UPDATE: atomic alone */
}

struct exclusion_ctx {
    const char *exchange_id, *giver_id, *receiver_id;
    bool mutual;
};

static enum santa_status insert_exclusion(struct postgres_store_conn *c, const char *exchange_id,
                                          const char *giver, const char *receiver)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_text(&p, giver);
    postgres_store_param_text(&p, receiver);
    return exec_cmd(c, PQ_EXCLUSION_INSERT, &p); /* ON CONFLICT DO NOTHING */
}

static enum santa_status exclusion_add_op(struct postgres_store_conn *c, void *ctx)
{
    struct exclusion_ctx *e = ctx;
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, e->exchange_id, true, &ex);
    bool giver = false, receiver = false;
    if (st == SANTA_OK)
        st = exists2(c, PQ_PARTICIPANT_EXISTS, e->exchange_id, e->giver_id, &giver);
    if (st == SANTA_OK)
        st = exists2(c, PQ_PARTICIPANT_EXISTS, e->exchange_id, e->receiver_id, &receiver);
    if (st != SANTA_OK)
        return st;
    if (!giver || !receiver)
        return SANTA_NOT_FOUND;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    st = insert_exclusion(c, e->exchange_id, e->giver_id, e->receiver_id);
    if (st == SANTA_OK && e->mutual && strcmp(e->giver_id, e->receiver_id) != 0)
        st = insert_exclusion(c, e->exchange_id, e->receiver_id, e->giver_id);
    return st;
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct exclusion_ctx e = {exchange_id, giver_id, receiver_id, mutual};
    return run_op(s, true, exclusion_add_op, &e);
}

/* ---- the draw ---------------------------------------------------------- */

/* Feeds the plan every row of DRAW_PARTICIPANTS (id, name) or
 * DRAW_EXCLUSIONS (giver, receiver). The plan copies what it is given. */
static enum santa_status feed_plan(struct postgres_store_conn *c, enum postgres_store_query q,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, q, &p, &r);
    int rows = st == SANTA_OK ? PQntuples(r) : 0;
    for (int i = 0; i < rows && st == SANTA_OK; i++) {
        if (PQgetisnull(r, i, 0) || PQgetisnull(r, i, 1)) {
            st = corrupt(postgres_store_sql_name[q]);
            break;
        }
        const char *a = PQgetvalue(r, i, 0), *b = PQgetvalue(r, i, 1);
        st = q == PQ_DRAW_PARTICIPANTS ? santa_draw_plan_add_participant(plan, a, b)
                                       : santa_draw_plan_add_exclusion(plan, a, b);
        if (st != SANTA_OK)
            santa_log(SANTA_LOG_ERROR, "store postgres: draw plan: %s", santa_status_code(st));
    }
    PQclear(r);
    return st;
}

/* Appends "{id,id,...}" of one side of the pairs: a PostgreSQL array
 * literal, sent as a parameter. Ids are base64url (checked), so no element
 * needs quoting. */
static char *id_array(const struct santa_draw_plan *plan, bool giver)
{
    uint32_t n = santa_draw_plan_count(plan);
    size_t len = 3 + (size_t)n * (SANTA_ID_LEN + 1);
    char *buf = santa_malloc(len), *w = buf;
    if (!buf)
        return NULL;
    *w++ = '{';
    for (uint32_t i = 0; i < n; i++) {
        const char *g, *r;
        santa_draw_plan_pair(plan, i, &g, &r);
        const char *id = giver ? g : r;
        if (strlen(id) != SANTA_ID_LEN ||
            strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "abcdefghijklmnopqrstuvwxyz0123456789-_") != SANTA_ID_LEN) {
            santa_free(buf);
            return NULL;
        }
        if (i)
            *w++ = ',';
        memcpy(w, id, SANTA_ID_LEN);
        w += SANTA_ID_LEN;
    }
    *w++ = '}';
    *w = '\0';
    return buf;
}

static enum santa_status write_assignments(struct postgres_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    char *givers = id_array(plan, true), *recipients = id_array(plan, false);
    enum santa_status st = SANTA_OK;
    if (!givers || !recipients) {
        st = no_memory("writing assignments");
    } else {
        struct postgres_store_params p = {0};
        postgres_store_param_text(&p, exchange_id);
        postgres_store_param_text(&p, givers);
        postgres_store_param_text(&p, recipients);
        int64_t n = 0;
        st = exec_count(c, PQ_ASSIGNMENTS_INSERT, &p, &n);
        if (st == SANTA_OK && n != (int64_t)santa_draw_plan_count(plan))
            st = corrupt("assignments insert");
    }
    santa_free(givers);
    santa_free(recipients);
    return st;
}

struct draw_ctx {
    const char *exchange_id;
    struct santa_draw_plan *plan;
};

static enum santa_status set_drawn(struct postgres_store_conn *c, const char *exchange_id,
                                   bool drawn)
{
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    postgres_store_param_bool(&p, drawn);
    return exec_cmd(c, PQ_EXCHANGE_SET_DRAWN, &p);
}

static enum santa_status draw_op(struct postgres_store_conn *c, void *ctx)
{
    struct draw_ctx *d = ctx;
    /* The row lock is held from the "drawn?" check to the commit: a second
     * draw waits here, then reads drawn = true. */
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, d->exchange_id, true, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(d->plan, ex.no_mutual);                     /* again on a retry */
    st = feed_plan(c, PQ_DRAW_PARTICIPANTS, d->exchange_id, d->plan); /* join order */
    if (st == SANTA_OK)
        st = feed_plan(c, PQ_DRAW_EXCLUSIONS, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(d->plan);
    if (st == SANTA_OK)
        st = write_assignments(c, d->exchange_id, d->plan);
    if (st == SANTA_OK)
        st = set_drawn(c, d->exchange_id, true);
    return st;
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct draw_ctx d = {exchange_id, plan};
    return run_op(s, true, draw_op, &d);
}

static enum santa_status undraw_op(struct postgres_store_conn *c, void *ctx)
{
    const char *exchange_id = ctx;
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, exchange_id, true, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, exchange_id);
    st = exec_cmd(c, PQ_ASSIGNMENTS_DELETE, &p);
    if (st == SANTA_OK)
        st = set_drawn(c, exchange_id, false);
    return st;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    return run_op(s, true, undraw_op, (void *)exchange_id);
}

struct assignment_ctx {
    const char *exchange_id, *giver_id;
    struct santa_arena *a;
    struct santa_assignment *out;
};

static enum santa_status assignment_get_op(struct postgres_store_conn *c, void *ctx)
{
    struct assignment_ctx *g = ctx;
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, g->exchange_id);
    postgres_store_param_text(&p, g->giver_id);
    PGresult *r = NULL;
    enum santa_status st = postgres_store_conn_exec(c, PQ_ASSIGNMENT_REVEAL, &p, &r);
    if (st != SANTA_OK)
        return st;
    /* The checks in the order of store.h: exchange, giver, drawn. */
    if (PQntuples(r) == 0 || PQgetisnull(r, 0, 1))
        st = SANTA_NOT_FOUND;
    else if (!col_bool(r, 0, 0))
        st = SANTA_NOT_DRAWN;
    else if (PQgetisnull(r, 0, 2)) {
        /* Joins stop at the draw, so a drawn giver always has one. */
        santa_log(SANTA_LOG_ERROR, "store postgres: drawn exchange %s has no assignment for %s",
                  g->exchange_id, g->giver_id);
        st = SANTA_UNAVAILABLE;
    }
    if (st == SANTA_OK) {
        struct santa_assignment *out = g->out;
        memset(out, 0, sizeof *out);
        memcpy(out->giver_id, g->giver_id, SANTA_ID_LEN);
        out->giver_id[SANTA_ID_LEN] = '\0';
        if (strlen(g->giver_id) != SANTA_ID_LEN || !col_id(r, 0, 2, out->recipient_id))
            st = corrupt("assignments");
        else if (!col_text(r, 0, 1, g->a, &out->giver_name) ||
                 !col_text(r, 0, 3, g->a, &out->recipient_name) ||
                 !col_text(r, 0, 4, g->a, &out->recipient_wishlist))
            st = no_memory("reading an assignment");
        else if (!out->giver_name || !out->recipient_name || !out->recipient_wishlist)
            st = corrupt("participants");
    }
    PQclear(r);
    return st;
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct assignment_ctx g = {exchange_id, giver_id, a, out};
    /* One statement sees one snapshot: no transaction, one round trip (the
     * hot read of the reveal; it was five with BEGIN and three SELECTs). */
    return run_op(s, false, assignment_get_op, &g);
}

struct reminders_ctx {
    const char *exchange_id;
    uint32_t queued;
};

static enum santa_status reminders_queue_op(struct postgres_store_conn *c, void *ctx)
{
    struct reminders_ctx *rc = ctx;
    enum santa_status st = exchange_state(c, rc->exchange_id, true, NULL);
    if (st != SANTA_OK)
        return st;
    /* The request's trace context travels with each job, so the worker's
     * spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    struct postgres_store_params p = {0};
    postgres_store_param_text(&p, rc->exchange_id);
    postgres_store_param_text(&p, traced ? tp : NULL);
    int64_t n = 0;
    st = exec_count(c, PQ_REMINDERS_QUEUE, &p, &n); /* one INSERT ... SELECT */
    if (st == SANTA_OK)
        rc->queued = (uint32_t)n;
    return st;
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct reminders_ctx rc = {exchange_id, 0};
    *queued = 0;
    enum santa_status st = run_op(s, true, reminders_queue_op, &rc);
    if (st == SANTA_OK)
        *queued = rc.queued;
    return st;
}

static const struct santa_store_ops postgres_store_ops = {
    .name = "postgres",
    .close = store_close,
    .thread_stop = store_thread_stop,
    .ping = store_ping,
    .exchange_create = store_exchange_create,
    .exchange_get = store_exchange_get,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_list = store_participant_list,
    .participant_get = store_participant_get,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .exclusion_add = store_exclusion_add,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
    .reminders_queue = store_reminders_queue,
};
