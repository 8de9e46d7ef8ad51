/*
 * store_postgres_conn.h - libpq connections: their settings, a per-thread
 * pool that reconnects by itself, and running one prepared statement with a
 * client-side deadline.
 *
 * Each worker thread that calls the store gets its own connection (a PGconn
 * must not be used by two threads at once), opened lazily with the settings
 * of the nested-timeouts rule (stages/03-postgres/README.md): connect_timeout
 * 2 s, TCP keepalives and tcp_user_timeout, and per session statement_timeout and
 * idle_in_transaction_session_timeout. Statements are prepared on that
 * connection on first use and cached.
 *
 * When PostgreSQL goes away: a call that finds the connection broken (or
 * that gets no answer within statement_timeout + 1 s: a frozen server) drops
 * it and returns SANTA_UNAVAILABLE at once. The next call reconnects; while
 * reconnecting keeps failing, calls fail fast (no connect attempt) until a
 * jittered backoff (25 ms doubling to 400 ms) has passed, so a down server
 * costs each request microseconds, not a connect timeout, and a server that
 * is back is found within 0.4 s.
 *
 * Ownership: the pool owns every connection it opened. A connection belongs
 * to the thread that asked for it until that thread calls
 * postgres_store_pool_thread_stop(); postgres_store_pool_free() closes the
 * rest and must only run once no thread uses the pool any more.
 */
#ifndef SANTA_STORE_POSTGRES_CONN_H
#define SANTA_STORE_POSTGRES_CONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/model.h"
#include "santa/status.h"
#include "sql_store.h"
#include "store_postgres_sql.h"

/* Opens one connection with the store's settings (used by the pool and by
 * migrations). conninfo may be "" (then PGHOST, PGPORT, ... decide).
 * Errors: SANTA_UNAVAILABLE with libpq's message in err; *out is NULL. */
enum santa_status postgres_store_connect(const char *conninfo, uint32_t statement_timeout_ms,
                                         PGconn **out, char *err, size_t errlen);

struct postgres_store_pool;
/* A connection: struct sql_store_conn first, so an operation of sql_store.h
 * reaches this driver (postgres_store_driver, in store_postgres.c) through
 * it. */
struct postgres_store_conn;
extern const struct sql_store_driver postgres_store_driver;

/* A pool over conninfo (copied). NULL when out of memory or thread keys. */
struct postgres_store_pool *postgres_store_pool_new(const char *conninfo,
                                                    uint32_t statement_timeout_ms);
/* Closes every connection still open and frees the pool. NULL is a no-op. */
void postgres_store_pool_free(struct postgres_store_pool *p);
/* The calling thread's connection, connected. Errors: SANTA_UNAVAILABLE when
 * the server cannot be reached now (cause logged, rate-limited by the
 * backoff). */
enum santa_status postgres_store_pool_conn(struct postgres_store_pool *p,
                                           struct postgres_store_conn **out);
/* Closes the calling thread's connection, if it has one. */
void postgres_store_pool_thread_stop(struct postgres_store_pool *p);

/* Runs statement q (prepared on first use) with params (NULL: none).
 * SANTA_OK: *res holds the result (rows or a command status); PQclear it.
 * SANTA_UNAVAILABLE: *res is NULL; the server's SQLSTATE is in
 * postgres_store_conn_sqlstate() ("" when no answer came), and
 * postgres_store_conn_lost() tells whether the connection was lost (then it
 * has been dropped; the next postgres_store_pool_conn() reconnects). Server
 * errors are logged at debug level only for SQLSTATEs a caller handles
 * (23505), else as warnings. */
enum santa_status postgres_store_conn_exec(struct postgres_store_conn *c, enum sql_store_query q,
                                           const struct sql_store_params *params, PGresult **res);
const char *postgres_store_conn_sqlstate(const struct postgres_store_conn *c);
bool postgres_store_conn_lost(const struct postgres_store_conn *c);
/* True inside a transaction block (BEGIN sent, not yet ended). */
bool postgres_store_conn_in_tx(const struct postgres_store_conn *c);

/* Waits for the answer to a query already sent on pg, until deadline_ns
 * (santa_now_ns()). Returns the first result (the caller PQclears it);
 * NULL on timeout or a broken connection, with *timed_out set accordingly. */
PGresult *postgres_store_wait(PGconn *pg, uint64_t deadline_ns, bool *timed_out);

#endif /* SANTA_STORE_POSTGRES_CONN_H */
