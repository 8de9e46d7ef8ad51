/*
 * store_sqlite_conn.c - connection settings and the per-thread pool.
 * See store_sqlite_conn.h.
 */
#include "store_sqlite_conn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/thread_slot.h"

struct sqlite_store_conn {
    struct sql_store_conn base; /* first: the operations reach the driver through it */
    sqlite3 *db;
    sqlite3_stmt *stmt[SQL_Q_COUNT]; /* prepared on first use */
    /* Where parameter $k+1 of each statement binds: SQLite numbers named
     * parameters in the order they first appear, and "WHERE id = $2 AND
     * exchange_id = $1" names them out of order. Looked up at prepare. */
    int pos[SQL_Q_COUNT][SQL_STORE_MAX_PARAMS];
    int last_error; /* see sqlite_store_conn_last_error() */
};

struct sqlite_store_pool {
    char *path;
    uint32_t busy_timeout_ms;
    struct santa_thread_slots *conns; /* each thread's connection */
};

/* ---- connecting -------------------------------------------------------- */

/* One statement whose result we only check, not read. */
static int exec_pragma(sqlite3 *db, const char *sql, const char *want)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && want) {
        const char *got = (const char *)sqlite3_column_text(st, 0);
        rc = (got && strcmp(got, want) == 0) ? SQLITE_DONE : SQLITE_ERROR;
    } else if (rc == SQLITE_ROW) {
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum santa_status sqlite_store_connect(const char *path, bool create, sqlite3 **out, char *err,
                                       size_t errlen)
{
    *out = NULL;
    sqlite3 *db = NULL;
    /* NOMUTEX: a connection is only ever used by one thread at a time (its
     * owner, then whoever closes it), so SQLite's own locking is waste. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
                (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return SANTA_UNAVAILABLE;
    }
    /* Waits this long for another connection's write lock instead of failing
     * at once; BEGIN IMMEDIATE makes every writer wait here, at its start. */
    sqlite3_busy_timeout(db, SQLITE_STORE_BUSY_TIMEOUT_MS);
    /* Defensive mode: no SQL can corrupt the file (writable_schema ...). */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

    static const struct {
        const char *sql;
        const char *want; /* expected answer, or NULL */
    } settings[] = {
        /* WAL: readers never block the writer nor the writer the readers, and
         * a commit is one append to the log. The mode is stored in the file;
         * asking again on each connection is a cheap check that it held
         * (it cannot on a file system without shared memory). */
        {"PRAGMA journal_mode=WAL", "wal"},
        /* FULL: the WAL is fsynced at every commit, so what a connection
         * commits survives a power cut, not only a crash of the process
         * (the worker relies on it). The store's request connections switch
         * to NORMAL and sync a group of commits at once (conn_new). */
        {"PRAGMA synchronous=FULL", NULL},
        /* Off by default, per connection: the cascades from participants to
         * exclusions and outbox rely on it. */
        {"PRAGMA foreign_keys=ON", NULL},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        rc = exec_pragma(db, settings[i].sql, settings[i].want);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s on %s failed: %s", settings[i].sql, path,
                     rc == SQLITE_ERROR && settings[i].want ? "the mode did not change"
                                                            : sqlite3_errmsg(db));
            sqlite3_close(db);
            return SANTA_UNAVAILABLE;
        }
    }
    *out = db;
    return SANTA_OK;
}

/* ---- the pool ---------------------------------------------------------- */

static void conn_close(void *conn)
{
    struct sqlite_store_conn *c = conn;
    for (int i = 0; i < SQL_Q_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    int rc = sqlite3_close(c->db);
    if (rc != SQLITE_OK)
        santa_log(SANTA_LOG_WARN, "store sqlite: closing a connection: %s", sqlite3_errstr(rc));
    santa_free(c);
}

/* A thread's first call: its own connection (santa/thread_slot.h). */
static void *conn_new(void *pool)
{
    struct sqlite_store_pool *p = pool;
    struct sqlite_store_conn *c = santa_calloc(1, sizeof *c);
    if (!c) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: out of memory opening a connection");
        return NULL;
    }
    c->base.driver = &sqlite_store_driver;
    char err[512];
    if (sqlite_store_connect(p->path, false, &c->db, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: %s", err);
        santa_free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, (int)p->busy_timeout_ms);
    /* The store's own connections leave the WAL unsynced at COMMIT: the
     * store syncs it for a whole group of commits before it answers any of
     * them (store_sqlite_commit.h). Checkpoints still sync under NORMAL. */
    int rc = exec_pragma(c->db, "PRAGMA synchronous=NORMAL", NULL);
    if (rc != SQLITE_OK) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: PRAGMA synchronous=NORMAL: %s",
                  sqlite3_errstr(rc));
        conn_close(c);
        return NULL;
    }
    return c;
}

struct sqlite_store_pool *sqlite_store_pool_new(const char *path, uint32_t busy_timeout_ms)
{
    struct sqlite_store_pool *p = santa_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->busy_timeout_ms = busy_timeout_ms ? busy_timeout_ms : SQLITE_STORE_BUSY_TIMEOUT_MS;
    p->path = santa_strdup(path);
    p->conns = santa_thread_slots_new(conn_new, conn_close, p);
    if (!p->path || !p->conns) {
        sqlite_store_pool_free(p);
        return NULL;
    }
    return p;
}

void sqlite_store_pool_free(struct sqlite_store_pool *p)
{
    if (!p)
        return;
    santa_thread_slots_free(p->conns);
    santa_free(p->path);
    santa_free(p);
}

enum santa_status sqlite_store_pool_conn(struct sqlite_store_pool *p,
                                         struct sqlite_store_conn **out)
{
    *out = santa_thread_slot(p->conns);
    return *out ? SANTA_OK : SANTA_UNAVAILABLE;
}

void sqlite_store_pool_thread_stop(struct sqlite_store_pool *p)
{
    santa_thread_slot_stop(p->conns);
}

/* ---- statements -------------------------------------------------------- */

sqlite3 *sqlite_store_conn_db(struct sqlite_store_conn *c)
{
    return c->db;
}

sqlite3_stmt *sqlite_store_conn_stmt(struct sqlite_store_conn *c, enum sql_store_query q)
{
    if (c->stmt[q])
        return c->stmt[q];
    /* PERSISTENT: these statements live as long as the connection, so SQLite
     * should not take their memory from its short-term lookaside pool. */
    int rc = sqlite3_prepare_v3(c->db, sql_store_query_sql(sqlite_store_sql, q), -1,
                                SQLITE_PREPARE_PERSISTENT, &c->stmt[q], NULL);
    if (rc != SQLITE_OK) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: prepare %s: %s", sql_store_query_name[q],
                  sqlite3_errmsg(c->db));
        sqlite3_finalize(c->stmt[q]);
        c->stmt[q] = NULL;
        return NULL;
    }
    for (int k = 0; k < SQL_STORE_MAX_PARAMS; k++) {
        char name[8];
        snprintf(name, sizeof name, "$%d", k + 1);
        c->pos[q][k] = sqlite3_bind_parameter_index(c->stmt[q], name); /* 0: not used */
    }
    return c->stmt[q];
}

/* Binds p to q, $1 first, at the places pos[] says; SQLITE_OK or SQLite's
 * error (SQLITE_RANGE for a parameter the statement does not name). */
static int bind_params(sqlite3_stmt *q, const int *pos, const struct sql_store_params *p)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < p->n && rc == SQLITE_OK; i++) {
        if (p->kinds[i] == SQL_PARAM_INT || p->kinds[i] == SQL_PARAM_BOOL)
            rc = sqlite3_bind_int64(q, pos[i], p->ints[i]);
        else if (p->kinds[i] == SQL_PARAM_HASH)
            rc = sqlite3_bind_blob(q, pos[i], p->values[i], SANTA_HASH_LEN, SQLITE_STATIC);
        else if (p->values[i])
            rc = sqlite3_bind_text(q, pos[i], p->values[i], -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(q, pos[i]);
    }
    return rc;
}

enum santa_status sqlite_store_conn_exec(struct sqlite_store_conn *c, enum sql_store_query q,
                                         const struct sql_store_params *params, sqlite3_stmt **stmt,
                                         bool *row)
{
    c->last_error = SQLITE_OK;
    *stmt = NULL;
    *row = false;
    sqlite3_stmt *s = sqlite_store_conn_stmt(c, q);
    if (!s)
        return SANTA_UNAVAILABLE;
    int n = params ? params->n : 0;
    if ((params && params->overflow) || n != sql_store_query_params[q] ||
        n != sqlite3_bind_parameter_count(s)) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: %s: %d parameters for %d (a bug)",
                  sql_store_query_name[q], n, sqlite3_bind_parameter_count(s));
        return SANTA_UNAVAILABLE;
    }
    int rc = params ? bind_params(s, c->pos[q], params) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        /* The message first: resetting may replace it. */
        c->last_error = rc;
        enum santa_status st = sqlite_store_conn_fail(c, sql_store_query_name[q], rc);
        sqlite_store_conn_reset(s);
        return st;
    }
    *stmt = s;
    *row = rc == SQLITE_ROW;
    return SANTA_OK;
}

void sqlite_store_conn_reset(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

enum santa_status sqlite_store_conn_fail(struct sqlite_store_conn *c, const char *what, int rc)
{
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
        /* Fail-stop: a process that goes on reading and writing a damaged
         * file can only spread the damage (and answer from it). Stop now,
         * without cleanup that would touch the file again; the supervisor
         * sees the exit status, and someone restores or repairs the file
         * before it starts again (stages/02-sqlite/README.md). */
        santa_log(SANTA_LOG_ERROR,
                  "store sqlite: %s: DATABASE CORRUPT: %s (%s); stopping (exit %d)", what,
                  sqlite3_errmsg(c->db), sqlite3_errstr(rc), SQLITE_STORE_EXIT_CORRUPT);
        _exit(SQLITE_STORE_EXIT_CORRUPT);
    }
    santa_log(SANTA_LOG_WARN, "store sqlite: %s: %s (%s)", what, sqlite3_errmsg(c->db),
              sqlite3_errstr(rc));
    return SANTA_UNAVAILABLE;
}

int sqlite_store_conn_last_error(const struct sqlite_store_conn *c)
{
    return c->last_error;
}
