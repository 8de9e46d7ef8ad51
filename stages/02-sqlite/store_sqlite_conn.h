/*
 * store_sqlite_conn.h - SQLite connections: how one is configured, and the
 * pool that gives each thread its own.
 *
 * A SQLite connection must not be used by two threads at once, and sharing
 * one behind a mutex would serialise every reader. So each thread that calls
 * the store gets its own connection (opened lazily on its first call) with
 * its own cache of prepared statements. In WAL mode those connections read
 * concurrently while at most one of them writes.
 *
 * Ownership: the pool owns every connection it opened. A connection belongs
 * to the thread that asked for it until that thread calls
 * sqlite_store_pool_thread_stop(); sqlite_store_pool_free() closes the rest
 * (threads that exited without saying so), and must only run once no thread
 * uses the pool any more.
 */
#ifndef SANTA_STORE_SQLITE_CONN_H
#define SANTA_STORE_SQLITE_CONN_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/model.h"
#include "santa/status.h"
#include "sql_store.h"
#include "store_sqlite_sql.h"

/* How long a connection waits for another's write lock before giving up
 * (SQLITE_BUSY, which the store answers as SANTA_UNAVAILABLE). */
#define SQLITE_STORE_BUSY_TIMEOUT_MS 5000
/* How often a transaction whose BEGIN still found the database locked after
 * the busy timeout is tried again (with a growing pause) before 503. */
#define SQLITE_STORE_BUSY_RETRIES 3
/* The exit status when SQLite reports the file corrupt (fail-stop). */
#define SQLITE_STORE_EXIT_CORRUPT 70

struct sqlite_store_pool;
/* A connection: struct sql_store_conn first, so an operation of sql_store.h
 * reaches this driver (sqlite_store_driver, in store_sqlite.c) through it. */
struct sqlite_store_conn;
extern const struct sql_store_driver sqlite_store_driver;

/* Opens a connection to path and applies the per-connection settings (WAL,
 * synchronous=FULL, foreign keys, busy timeout; the pool's connections then
 * switch to synchronous=NORMAL, see store_sqlite_commit.h). create: make the file if it
 * is missing (only at store open; a worker never recreates a deleted
 * database). Errors: SANTA_UNAVAILABLE with a sentence in err; *out is NULL. */
enum santa_status sqlite_store_connect(const char *path, bool create, sqlite3 **out, char *err,
                                       size_t errlen);

/* A pool over the database at path (copied). NULL when out of memory or
 * when no thread key is left. */
/* busy_timeout_ms: each connection's busy timeout (0: the default above). */
struct sqlite_store_pool *sqlite_store_pool_new(const char *path, uint32_t busy_timeout_ms);
/* Closes every connection still open and frees the pool. NULL is a no-op. */
void sqlite_store_pool_free(struct sqlite_store_pool *p);

/* The calling thread's connection, opened on first use.
 * Errors: SANTA_UNAVAILABLE (cause logged). */
enum santa_status sqlite_store_pool_conn(struct sqlite_store_pool *p,
                                         struct sqlite_store_conn **out);
/* Closes the calling thread's connection, if it has one. */
void sqlite_store_pool_thread_stop(struct sqlite_store_pool *p);

/* The connection's handle, for sqlite3_changes() and friends. */
sqlite3 *sqlite_store_conn_db(struct sqlite_store_conn *c);
/* Statement q, prepared once per connection and cached, reset and with no
 * bindings. NULL when it cannot be prepared (cause logged). */
sqlite3_stmt *sqlite_store_conn_stmt(struct sqlite_store_conn *c, enum sql_store_query q);
/* Statement q with params bound (NULL: none), stepped once: *row tells
 * whether it stands on a row. SANTA_OK: *stmt is the cached statement; the
 * caller resets it with sqlite_store_conn_reset() before the transaction
 * ends (a statement left mid-way would pin its read snapshot).
 * SANTA_UNAVAILABLE: *stmt is NULL, the cause logged and translated (see
 * sqlite_store_conn_fail). */
enum santa_status sqlite_store_conn_exec(struct sqlite_store_conn *c, enum sql_store_query q,
                                         const struct sql_store_params *params, sqlite3_stmt **stmt,
                                         bool *row);
/* The result code of the last statement that failed on c (SQLITE_OK when
 * the last one ran): sqlite3_errcode() is undefined after a later call
 * succeeded, so the connection keeps its own. */
int sqlite_store_conn_last_error(const struct sqlite_store_conn *c);
/* Resets a statement from sqlite_store_conn_exec and drops its bindings,
 * which point into the caller's memory. NULL is a no-op. */
void sqlite_store_conn_reset(sqlite3_stmt *stmt);

/* Translates a failed SQLite call at the store's boundary: logs what the
 * store was doing and SQLite's message (never shown to clients), and returns
 * SANTA_UNAVAILABLE. SQLITE_CORRUPT and SQLITE_NOTADB do not return: the
 * process logs and exits with SQLITE_STORE_EXIT_CORRUPT (fail-stop). */
enum santa_status sqlite_store_conn_fail(struct sqlite_store_conn *c, const char *what, int rc);

#endif /* SANTA_STORE_SQLITE_CONN_H */
