/*
 * store_postgres_conn.c - connection settings, the per-thread pool with
 * reconnection, and statements run under a deadline. See
 * store_postgres_conn.h.
 */
#include "store_postgres_conn.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "santa/alloc.h"
#include "santa/clock.h"
#include "santa/log.h"
#include "santa/thread_slot.h"
#include "store_postgres_trace.h"

/* Backoff between reconnection attempts of one connection. */
#define BACKOFF_FIRST_MS 25
#define BACKOFF_MAX_MS 400
/* The client waits this much longer than statement_timeout before it gives
 * up on an answer: the server's own timeout should fire first and leave the
 * connection usable; ours only catches a server that cannot answer at all. */
#define CLIENT_GRACE_MS 1000

struct postgres_store_conn {
    struct sql_store_conn base; /* first: the operations reach the driver through it */
    PGconn *pg;                 /* NULL while disconnected */
    bool prepared[SQL_Q_COUNT]; /* on this PGconn */
    bool lost;                  /* the last call lost the connection */
    bool in_tx;
    char sqlstate[6];
    uint64_t retry_at_ns; /* no connect attempt before this */
    uint32_t backoff_ms;
    uint64_t rng;         /* jitter */
    uint32_t deadline_ms; /* client-side limit per statement */
};

struct postgres_store_pool {
    char *conninfo;
    uint32_t statement_timeout_ms;
    struct santa_thread_slots *conns; /* each thread's connection */
};

/* ---- waiting for answers ----------------------------------------------- */

/* Reads until libpq has a whole result, or the deadline passes. */
static bool wait_not_busy(PGconn *pg, uint64_t deadline_ns, bool *timed_out)
{
    while (PQisBusy(pg)) {
        uint64_t now = santa_now_ns();
        if (now >= deadline_ns) {
            *timed_out = true;
            return false;
        }
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        if (pfd.fd < 0)
            return false;
        int ms = (int)((deadline_ns - now + 999999) / 1000000);
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r > 0 && !PQconsumeInput(pg))
            return false;
    }
    return true;
}

PGresult *postgres_store_wait(PGconn *pg, uint64_t deadline_ns, bool *timed_out)
{
    *timed_out = false;
    PGresult *first = NULL;
    for (;;) {
        if (!wait_not_busy(pg, deadline_ns, timed_out)) {
            PQclear(first);
            return NULL;
        }
        PGresult *r = PQgetResult(pg);
        if (!r)
            break;
        /* One statement per call, so one result; keep the first, drain the
         * rest so the connection is ready for the next query. */
        if (!first)
            first = r;
        else
            PQclear(r);
    }
    return first;
}

/* ---- connecting -------------------------------------------------------- */

/* Runs one parameterised query that returns rows or nothing, outside the
 * prepared-statement cache (session set-up). */
static bool setup_query(PGconn *pg, const char *sql, int n, const char *const *values,
                        uint32_t timeout_ms, char *err, size_t errlen)
{
    if (!PQsendQueryParams(pg, sql, n, NULL, values, NULL, NULL, 0)) {
        snprintf(err, errlen, "%s", PQerrorMessage(pg));
        return false;
    }
    bool timed_out;
    PGresult *r = postgres_store_wait(pg, santa_now_ns() + timeout_ms * 1000000ull, &timed_out);
    ExecStatusType rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    bool ok = rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "session set-up: %s",
                 timed_out ? "no answer in time" : PQerrorMessage(pg));
    PQclear(r);
    return ok;
}

/* Server NOTICEs ("relation ... already exists, skipping") are not errors;
 * libpq would print each one on stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

enum santa_status postgres_store_connect(const char *conninfo, uint32_t statement_timeout_ms,
                                         PGconn **out, char *err, size_t errlen)
{
    *out = NULL;
    /* Ours first, the caller's conninfo last: libpq keeps the last value of
     * a repeated keyword, so a setting in --pg wins over these defaults. */
    const char *keys[] = {"connect_timeout",  "keepalives",
                          "keepalives_idle",  "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout",
                          "gssencmode",       "application_name",
                          "dbname",           NULL};
    const char *vals[] = {"2",      "1", "10", "2", "3", "5000", "disable", "santa-03-postgres",
                          conninfo, NULL};
    /* An empty conninfo leaves dbname (and host, port, ...) to PG* variables. */
    if (!conninfo || !conninfo[0])
        keys[8] = NULL;
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg) {
        snprintf(err, errlen, "out of memory connecting to PostgreSQL");
        return SANTA_UNAVAILABLE;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
        size_t n = strlen(err);
        if (n > 0 && err[n - 1] == '\n')
            err[n - 1] = '\0';
        PQfinish(pg);
        return SANTA_UNAVAILABLE;
    }
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    /* Messages without DETAIL, HINT or CONTEXT: DETAIL can quote a row's
     * values ("Key (email)=(ann@example.org) already exists", "Failing row
     * contains (...)"), and these messages go to the log. */
    PQsetErrorVerbosity(pg, PQERRORS_TERSE);
    /* Server-side limits, per session: a statement may
     * not run longer than statement_timeout, and a transaction left open by a
     * stuck client is ended by the server after 10 s. Set here rather than
     * through the `options` keyword so a caller's options do not drop them. */
    char timeout[24];
    snprintf(timeout, sizeof timeout, "%" PRIu32, statement_timeout_ms);
    const char *params[] = {timeout, "10000"};
    if (!setup_query(pg,
                     "SELECT set_config('statement_timeout', $1, false),"
                     " set_config('idle_in_transaction_session_timeout', $2, false)",
                     2, params, statement_timeout_ms + CLIENT_GRACE_MS, err, errlen)) {
        PQfinish(pg);
        return SANTA_UNAVAILABLE;
    }
    *out = pg;
    return SANTA_OK;
}

/* ---- the pool ---------------------------------------------------------- */

static void conn_drop(struct postgres_store_conn *c)
{
    PQfinish(c->pg);
    c->pg = NULL;
    c->in_tx = false;
    memset(c->prepared, 0, sizeof c->prepared);
}

static void conn_close(void *conn)
{
    struct postgres_store_conn *c = conn;
    conn_drop(c);
    santa_free(c);
}

/* A thread's first call: its slot, not yet connected (santa/thread_slot.h). */
static void *conn_new(void *pool)
{
    struct postgres_store_pool *p = pool;
    struct postgres_store_conn *c = santa_calloc(1, sizeof *c);
    if (!c) {
        santa_log(SANTA_LOG_ERROR, "store postgres: out of memory for a connection");
        return NULL;
    }
    c->base.driver = &postgres_store_driver;
    c->rng = santa_now_ns() ^ (uint64_t)(uintptr_t)c;
    c->deadline_ms = p->statement_timeout_ms + CLIENT_GRACE_MS;
    return c;
}

struct postgres_store_pool *postgres_store_pool_new(const char *conninfo,
                                                    uint32_t statement_timeout_ms)
{
    struct postgres_store_pool *p = santa_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conninfo = santa_strdup(conninfo ? conninfo : "");
    p->statement_timeout_ms = statement_timeout_ms;
    p->conns = santa_thread_slots_new(conn_new, conn_close, p);
    if (!p->conninfo || !p->conns) {
        postgres_store_pool_free(p);
        return NULL;
    }
    return p;
}

void postgres_store_pool_free(struct postgres_store_pool *p)
{
    if (!p)
        return;
    santa_thread_slots_free(p->conns);
    santa_free(p->conninfo);
    santa_free(p);
}

/* xorshift64: jitter only, no security meaning. */
static uint32_t jitter(struct postgres_store_conn *c, uint32_t below)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return below ? (uint32_t)(c->rng % below) : 0;
}

enum santa_status postgres_store_pool_conn(struct postgres_store_pool *p,
                                           struct postgres_store_conn **out)
{
    struct postgres_store_conn *c = santa_thread_slot(p->conns);
    if (!c)
        return SANTA_UNAVAILABLE; /* logged */
    *out = c;
    c->lost = false;
    c->sqlstate[0] = '\0';
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return SANTA_OK;
    if (c->pg)
        conn_drop(c);
    uint64_t now = santa_now_ns();
    if (now < c->retry_at_ns)
        return SANTA_UNAVAILABLE; /* fail fast: a connect just failed */
    char err[512];
    if (postgres_store_connect(p->conninfo, p->statement_timeout_ms, &c->pg, err, sizeof err) ==
        SANTA_OK) {
        if (c->backoff_ms)
            santa_log(SANTA_LOG_INFO, "store postgres: reconnected");
        c->backoff_ms = 0;
        c->retry_at_ns = 0;
        return SANTA_OK;
    }
    /* Only the first failure of a run is a warning; the retries are noise. */
    if (!c->backoff_ms)
        santa_log(SANTA_LOG_WARN, "store postgres: %s", err);
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    uint32_t wait_ms = c->backoff_ms / 2 + jitter(c, c->backoff_ms / 2 + 1);
    c->retry_at_ns = santa_now_ns() + (uint64_t)wait_ms * 1000000u;
    return SANTA_UNAVAILABLE;
}

void postgres_store_pool_thread_stop(struct postgres_store_pool *p)
{
    santa_thread_slot_stop(p->conns);
}

/* ---- statements -------------------------------------------------------- */

/* The connection failed under us: remember it, drop it (the next call
 * reconnects, at once: the failure was not a connect failure). */
static enum santa_status lost(struct postgres_store_conn *c, const char *what, const char *why)
{
    santa_log(SANTA_LOG_WARN, "store postgres: %s: connection lost: %s", what, why);
    c->lost = true;
    conn_drop(c);
    return SANTA_UNAVAILABLE;
}

/* Interprets a result: SANTA_OK, a server error (connection fine), or a
 * lost connection. Takes ownership of r unless it returns SANTA_OK. */
static enum santa_status check(struct postgres_store_conn *c, const char *what, PGresult *r,
                               bool timed_out)
{
    if (!r && timed_out) {
        /* A server that does not answer at all (frozen, unplugged) would
         * also let a reconnect hang for connect_timeout: fail fast for a
         * full backoff period instead, as after a failed connect. */
        c->backoff_ms = BACKOFF_MAX_MS;
        c->retry_at_ns = santa_now_ns() + (uint64_t)BACKOFF_MAX_MS * 1000000u;
        return lost(c, what, "no answer within the deadline");
    }
    if (!r)
        return lost(c, what, PQerrorMessage(c->pg));
    ExecStatusType rs = PQresultStatus(r);
    if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK)
        return SANTA_OK;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    /* The primary message only, never the DETAIL (see postgres_store_connect). */
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        enum santa_status st = lost(c, what, msg ? msg : "error");
        PQclear(r);
        return st;
    }
    /* unique_violation is an answer the caller turns into 409: not news. */
    if (strcmp(c->sqlstate, "23505") != 0)
        santa_log(SANTA_LOG_WARN, "store postgres: %s: %s (SQLSTATE %s)", what, msg ? msg : "error",
                  c->sqlstate);
    PQclear(r);
    return SANTA_UNAVAILABLE;
}

static enum santa_status prepare(struct postgres_store_conn *c, enum sql_store_query q,
                                 uint64_t deadline)
{
    const char *name = sql_store_query_name[q];
    if (!PQsendPrepare(c->pg, name, sql_store_query_sql(postgres_store_sql, q),
                       sql_store_query_params[q], NULL))
        return lost(c, name, PQerrorMessage(c->pg));
    bool timed_out;
    PGresult *r = postgres_store_wait(c->pg, deadline, &timed_out);
    enum santa_status st = check(c, name, r, timed_out);
    if (st == SANTA_OK) {
        PQclear(r);
        c->prepared[q] = true;
    }
    return st;
}

/* The parameters as libpq sends them: text, but for hashes (binary bytea);
 * integers formatted into ints. */
struct wire_params {
    const char *values[SQL_STORE_MAX_PARAMS];
    int lengths[SQL_STORE_MAX_PARAMS];
    int formats[SQL_STORE_MAX_PARAMS]; /* 0 text, 1 binary */
    char ints[SQL_STORE_MAX_PARAMS][24];
};

static void to_wire(const struct sql_store_params *p, struct wire_params *w)
{
    for (int i = 0; i < p->n; i++) {
        w->lengths[i] = 0;
        w->formats[i] = 0;
        if (p->kinds[i] == SQL_PARAM_INT) {
            snprintf(w->ints[i], sizeof w->ints[i], "%" PRId64, p->ints[i]);
            w->values[i] = w->ints[i];
        } else if (p->kinds[i] == SQL_PARAM_BOOL) {
            w->values[i] = p->ints[i] ? "true" : "false";
        } else if (p->kinds[i] == SQL_PARAM_HASH) {
            w->values[i] = p->values[i];
            w->lengths[i] = SANTA_HASH_LEN;
            w->formats[i] = 1;
        } else {
            w->values[i] = p->values[i];
        }
    }
}

enum santa_status postgres_store_conn_exec(struct postgres_store_conn *c, enum sql_store_query q,
                                           const struct sql_store_params *params, PGresult **res)
{
    *res = NULL;
    c->sqlstate[0] = '\0';
    const char *name = sql_store_query_name[q];
    if (!c->pg)
        return SANTA_UNAVAILABLE; /* lost earlier in this operation */
    int n = params ? params->n : 0;
    if ((params && params->overflow) || n != sql_store_query_params[q]) {
        santa_log(SANTA_LOG_ERROR, "store postgres: %s: %d parameters for %d (a bug)", name, n,
                  sql_store_query_params[q]);
        return SANTA_UNAVAILABLE;
    }
    uint64_t deadline = santa_now_ns() + (uint64_t)c->deadline_ms * 1000000u;
    struct wire_params w;
    if (params)
        to_wire(params, &w);
    const char *const *values = params ? w.values : NULL;
    const int *lengths = params ? w.lengths : NULL;
    const int *formats = params ? w.formats : NULL;

    /* With a trace current, the statement text carries its traceparent
     * (sqlcommenter), so it is sent as an unnamed statement: a prepared
     * statement's text is fixed. Values still travel only as parameters. */
    char traced[POSTGRES_STORE_TRACED_SQL_MAX];
    int sent;
    if (postgres_store_trace_sql(sql_store_query_sql(postgres_store_sql, q), traced,
                                 sizeof traced)) {
        sent = PQsendQueryParams(c->pg, traced, n, NULL, values, lengths, formats, 0);
    } else {
        if (!c->prepared[q]) {
            enum santa_status st = prepare(c, q, deadline);
            if (st != SANTA_OK)
                return st;
        }
        sent = PQsendQueryPrepared(c->pg, name, n, values, lengths, formats, 0);
    }
    if (!sent)
        return lost(c, name, PQerrorMessage(c->pg));
    bool timed_out;
    PGresult *r = postgres_store_wait(c->pg, deadline, &timed_out);
    enum santa_status st = check(c, name, r, timed_out);
    if (st == SANTA_OK) {
        if (q == SQL_Q_BEGIN_READ || q == SQL_Q_BEGIN_WRITE)
            c->in_tx = true;
        else if (q == SQL_Q_COMMIT || q == SQL_Q_ROLLBACK)
            c->in_tx = false;
        *res = r;
    }
    return st;
}

const char *postgres_store_conn_sqlstate(const struct postgres_store_conn *c)
{
    return c->sqlstate;
}

bool postgres_store_conn_lost(const struct postgres_store_conn *c)
{
    return c->lost;
}

bool postgres_store_conn_in_tx(const struct postgres_store_conn *c)
{
    return c->in_tx;
}
