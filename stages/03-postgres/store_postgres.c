/*
 * store_postgres.c - stage 03's store over PostgreSQL: the store, its
 * transaction runner, open and close, and the ops table.
 *
 * Each operation (stages/02-sqlite/sql_store.h: written once for every SQL
 * back end) is a function of one connection, run by run_op(): it takes the calling
 * thread's connection from the pool, wraps the function in BEGIN ...
 * COMMIT when it writes or reads more than one statement, rolls back on any
 * refusal (EMAIL_TAKEN ...) so nothing half done is left, and retries the
 * whole transaction when that is safe:
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

#include "santa/alloc.h"
#include "santa/clock.h"
#include "santa/log.h"
#include "store_postgres_ops.h"
#include "store_postgres_schema.h"

/* Defined at the end of the file, once every function exists. */
static const struct santa_store_ops postgres_store_ops;

struct postgres_store {
    struct sql_store base; /* first: the operations reach the driver through it */
    struct postgres_store_pool *pool;
};

static struct postgres_store *store_of(struct santa_store *s)
{
    return (struct postgres_store *)s;
}

static struct sql_store_conn *base_of(struct postgres_store_conn *c)
{
    return (struct sql_store_conn *)c;
}

/* ---- one operation: connection, transaction, retries ------------------- */

#define MAX_ATTEMPTS 4

/* A pause before the transaction is tried again: 5, 10, 20 ms plus up to
 * as much again, so the other transaction of a deadlock gets through
 * first. */
static void retry_pause(int attempt)
{
    long ms = 5L << (attempt < 3 ? attempt : 3);
    ms += (long)(santa_now_ns() % (uint64_t)ms); /* jitter only */
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs fn on c, inside BEGIN ... COMMIT unless it is one statement; rolls
 * back on any refusal or error. *commit_sent tells whether COMMIT went out. */
static enum santa_status attempt_once(struct postgres_store_conn *c, enum sql_store_tx kind,
                                      sql_store_op_fn fn, void *ctx, char sqlstate[6],
                                      bool *commit_sent)
{
    enum santa_status st = SANTA_OK;
    bool tx = kind == SQL_TX_READ || kind == SQL_TX_WRITE;
    *commit_sent = false;
    if (tx)
        st = sql_store_exec_cmd(base_of(c),
                                kind == SQL_TX_READ ? SQL_Q_BEGIN_READ : SQL_Q_BEGIN_WRITE, NULL);
    if (st == SANTA_OK)
        st = fn(base_of(c), ctx);
    snprintf(sqlstate, 6, "%s", postgres_store_conn_sqlstate(c));
    if (tx && st == SANTA_OK) {
        *commit_sent = true;
        st = sql_store_exec_cmd(base_of(c), SQL_Q_COMMIT, NULL);
        snprintf(sqlstate, 6, "%s", postgres_store_conn_sqlstate(c));
    } else if (postgres_store_conn_in_tx(c)) {
        /* A refusal or an error: nothing of this transaction stays. */
        (void)sql_store_exec_cmd(base_of(c), SQL_Q_ROLLBACK, NULL);
    }
    return st;
}

/* The driver's runner (sql_store.h). `resolve` (NULL: none) answers, on a
 * fresh connection, whether a write whose outcome a lost connection hid did
 * commit: SANTA_OK (it did; ctx holds what the caller needs, e.g. the
 * join's seq), SANTA_NOT_FOUND (it did not), anything else (cannot tell).
 * It runs before the write is sent again, so a write is never applied
 * twice and its client gets the answer the first try earned. One statement
 * (SQL_TX_NONE, SQL_TX_WRITE_ONE) goes without BEGIN: it is atomic on its
 * own, and saves two round trips. */
static enum santa_status run_op(struct santa_store *s, enum sql_store_tx tx, sql_store_op_fn fn,
                                sql_store_op_fn resolve, void *ctx)
{
    bool one = tx == SQL_TX_NONE || tx == SQL_TX_WRITE_ONE;
    bool unknown = false; /* a write may have committed unseen */
    for (int attempt = 0;; attempt++) {
        struct postgres_store_conn *c;
        enum santa_status st = postgres_store_pool_conn(store_of(s)->pool, &c);
        if (st != SANTA_OK)
            return st;
        if (unknown) {
            bool sent;
            char state[6];
            st = attempt_once(c, SQL_TX_WRITE, resolve, ctx, state, &sent);
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
            unknown = resolve && (commit_sent || one);
            continue;
        }
        if (strcmp(sqlstate, "40001") != 0 && strcmp(sqlstate, "40P01") != 0)
            return st;
        retry_pause(attempt);
    }
}

/* ---- open / close ------------------------------------------------------ */

static void store_close(struct santa_store *s)
{
    struct postgres_store *store = store_of(s);
    postgres_store_pool_free(store->pool);
    santa_free(store);
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
    if (!sql_store_dialect_complete("postgres", postgres_store_sql)) {
        snprintf(err, errlen, "a statement has no PostgreSQL text (a bug)");
        return SANTA_UNAVAILABLE;
    }
    int applied = 0;
    enum santa_status st = postgres_store_migrate(o, &applied, err, errlen);
    if (st != SANTA_OK)
        return st;
    uint32_t timeout =
        o && o->statement_timeout_ms ? o->statement_timeout_ms : POSTGRES_STORE_DEFAULT_TIMEOUT_MS;
    struct postgres_store *store = santa_calloc(1, sizeof *store);
    if (store)
        store->pool = postgres_store_pool_new(o && o->conninfo ? o->conninfo : "", timeout);
    if (!store || !store->pool) {
        santa_free(store);
        snprintf(err, errlen, "out of memory (or out of thread keys) opening the store");
        return SANTA_UNAVAILABLE;
    }
    store->base.base.ops = &postgres_store_ops;
    store->base.driver = &postgres_store_driver;
    santa_log(SANTA_LOG_INFO,
              "store postgres: schema version %d (%d migration%s applied now), "
              "statement_timeout %u ms, libpq %d",
              postgres_store_schema_version(), applied, applied == 1 ? "" : "s", (unsigned)timeout,
              PQlibVersion());
    *out = &store->base.base;
    return SANTA_OK;
}

/* ---- the operations, in the order of struct santa_store_ops ------------- */

static void store_thread_stop(struct santa_store *s)
{
    postgres_store_pool_thread_stop(store_of(s)->pool);
}

/* The driver of sql_store.h: how the operations run on PostgreSQL. */
const struct sql_store_driver postgres_store_driver = {
    .name = "postgres",
    .schema_version = postgres_store_schema_version,
    .run_op = run_op,
    .exec = postgres_store_exec,
    .next_row = postgres_store_next_row,
    .rows_clear = postgres_store_rows_clear,
    .col = postgres_store_col,
    .col_int = postgres_store_col_int,
    .col_hash = postgres_store_col_hash,
    .col_bool = postgres_store_col_bool,
    .unique_violation = postgres_store_unique_violation,
};

/* The operations are SQL's (sql_store.h); closing and a thread's end are
 * this driver's. */
static const struct santa_store_ops postgres_store_ops = {
    .name = "postgres",
    .close = store_close,
    .thread_stop = store_thread_stop,
    SQL_STORE_OPS_MEMBERS,
};
