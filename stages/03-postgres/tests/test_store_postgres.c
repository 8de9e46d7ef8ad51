/*
 * test_store_postgres.c - stage 03's store against a real PostgreSQL: the
 * shared conformance suite, then what only this store has (migrations,
 * session settings, hostile text as parameters, lost connections, fail-fast
 * while the server is unreachable).
 *
 * argv[1] is the file the pg_server fixture wrote with its conninfo. Each
 * test works in a fresh schema of that database (search_path), so tests
 * never see each other's rows and the server is started once per run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "instrument/instrument.h"
#include "instrument/request.h"
#include "instrument/trace.h"
#include "santa/clock.h"
#include "santa/token.h"
#include "sql_store_outbox.h"
#include "store_contract.h"
#include "store_contract_kit.h"
#include "store_postgres.h"
#include "store_postgres_conn.h"
#include "store_postgres_schema.h"

static char base_conninfo[512];

/* ---- schemas ----------------------------------------------------------- */

struct schema {
    char name[64];
    char conninfo[768]; /* base + search_path */
};

static PGconn *admin(void)
{
    PGconn *pg = PQconnectdb(base_conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "admin connection: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static bool admin_exec(const char *sql, const char *param)
{
    PGconn *pg = admin();
    if (!pg)
        return false;
    const char *v[] = {param};
    PGresult *r = PQexecParams(pg, sql, param ? 1 : 0, NULL, param ? v : NULL, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(pg);
    return ok;
}

/* The identifier is ours (letters, digits, _), so it may be spliced into
 * DDL, which takes no parameters; quote_ident would do the same. */
static bool schema_make(struct schema *s)
{
    static unsigned counter;
    snprintf(s->name, sizeof s->name, "ct_%ld_%u", (long)getpid(), counter++);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", s->name);
    /* application_name too, so a test can find its own backends. */
    snprintf(s->conninfo, sizeof s->conninfo, "%s options='-csearch_path=%s' application_name=%s",
             base_conninfo, s->name, s->name);
    return admin_exec(sql, NULL);
}

static void schema_drop(struct schema *s)
{
    if (!s->name[0])
        return;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", s->name);
    admin_exec(sql, NULL);
    s->name[0] = '\0';
}

static struct santa_store *open_conninfo(const char *conninfo)
{
    struct postgres_store_options o = {.conninfo = conninfo};
    struct santa_store *s = NULL;
    char err[512] = "";
    enum santa_status st = postgres_store_open(&o, &s, err, sizeof err);
    if (st != SANTA_OK)
        fprintf(stderr, "postgres_store_open: %s: %s\n", santa_status_code(st), err);
    return s;
}

/* ---- the conformance suite --------------------------------------------- */

static struct santa_store *factory_open(void *ctx)
{
    struct schema *s = ctx;
    if (!schema_make(s))
        return NULL;
    return open_conninfo(s->conninfo);
}

static struct santa_store *factory_reopen(void *ctx)
{
    return open_conninfo(((struct schema *)ctx)->conninfo);
}

static void factory_cleanup(void *ctx)
{
    schema_drop(ctx);
}

/* ---- helpers ----------------------------------------------------------- */

static void fill_hash(struct santa_hash *h, uint8_t seed)
{
    for (int i = 0; i < SANTA_HASH_LEN; i++)
        h->b[i] = (uint8_t)(seed + i);
}

static void make_exchange(struct santa_exchange *ex, uint8_t seed, const char *name)
{
    memset(ex, 0, sizeof *ex);
    assert_int_equal(santa_id_new(ex->id), SANTA_OK);
    ex->name = name;
    fill_hash(&ex->admin_hash, seed);
    fill_hash(&ex->invite_hash, (uint8_t)(seed + 100));
}

/* One value of a one-row query in schema s, via the admin connection. */
static void query_one(const struct schema *s, const char *sql, char *out, size_t n)
{
    PGconn *pg = PQconnectdb(s->conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(pg);
}

/* ---- PostgreSQL-only tests --------------------------------------------- */

static void test_migrations_apply_once(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct postgres_store_options o = {.conninfo = s.conninfo};
    char err[512] = "";
    int applied = -1;
    assert_int_equal(postgres_store_migrate(&o, &applied, err, sizeof err), SANTA_OK);
    assert_int_equal(applied, postgres_store_migration_count);
    assert_true(applied >= 1);
    assert_int_equal(postgres_store_migrate(&o, &applied, err, sizeof err), SANTA_OK);
    assert_int_equal(applied, 0);
    char v[32];
    query_one(&s, "SELECT max(version) FROM schema_migrations", v, sizeof v);
    assert_int_equal(strtol(v, NULL, 10), postgres_store_schema_version());
    query_one(&s, "SELECT count(*) FROM exchanges", v, sizeof v);
    assert_string_equal(v, "0");
    schema_drop(&s);
}

static void test_newer_schema_is_refused(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    santa_store_close(st);
    PGconn *pg = PQconnectdb(s.conninfo);
    PGresult *r = PQexec(pg, "INSERT INTO schema_migrations (version, name) VALUES (999, 'x')");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(pg);
    struct postgres_store_options o = {.conninfo = s.conninfo};
    char err[512] = "";
    st = NULL;
    assert_int_equal(postgres_store_open(&o, &st, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(st);
    assert_non_null(strstr(err, "newer"));
    schema_drop(&s);
}

static void test_session_settings(void **state)
{
    (void)state;
    PGconn *pg = NULL;
    char err[512] = "";
    assert_int_equal(postgres_store_connect(base_conninfo, 1500, &pg, err, sizeof err), SANTA_OK);
    PGresult *r = PQexec(pg, "SELECT current_setting('statement_timeout'),"
                             " current_setting('idle_in_transaction_session_timeout'),"
                             " current_setting('application_name')");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1500ms");
    assert_string_equal(PQgetvalue(r, 0, 1), "10s");
    assert_string_equal(PQgetvalue(r, 0, 2), "santa-03-postgres");
    PQclear(r);
    /* The server enforces it: a statement longer than the limit fails. */
    r = PQexec(pg, "SELECT pg_sleep(3)");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014");
    PQclear(r);
    PQfinish(pg);
}

/* Text that would break string-built SQL goes through as data, exactly. */
static void test_hostile_text_is_only_data(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    static const char nasty[] = "x'); DROP TABLE exchanges; -- \\ $1 \"q\" \xc3\xa9";
    struct santa_exchange ex;
    make_exchange(&ex, 7, nasty);
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    struct santa_arena arena, *a = &arena;
    santa_arena_init(a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(st->ops->exchange_get(st, ex.id, a, &got), SANTA_OK);
    assert_string_equal(got.name, nasty);
    assert_memory_equal(got.admin_hash.b, ex.admin_hash.b, SANTA_HASH_LEN);
    /* An id with SQL in it is just an id that does not exist. */
    assert_int_equal(st->ops->exchange_get(st, "' OR '1'='1", a, &got), SANTA_NOT_FOUND);
    santa_arena_release(a);
    santa_store_close(st);
    char v[16];
    query_one(&s, "SELECT count(*) FROM exchanges", v, sizeof v);
    assert_string_equal(v, "1");
    schema_drop(&s);
}

static void expect_count(struct schema *s, const char *sql, const char *want)
{
    char v[32];
    query_one(s, sql, v, sizeof v);
    assert_string_equal(v, want);
}

static uint64_t pending(struct santa_store *st)
{
    uint64_t depth = 99;
    assert_int_equal(st->ops->reminders_pending(st, &depth), SANTA_OK);
    return depth;
}

/* An exchange of three (a@, b@, c@example.com, joined in that order) with
 * one reminder batch queued for them. */
static void three_queued(struct santa_store *st, struct santa_arena *arena, uint8_t seed,
                         const char *name, struct santa_exchange *ex, struct santa_participant p[3])
{
    make_exchange(ex, seed, name);
    assert_int_equal(st->ops->exchange_create(st, ex), SANTA_OK);
    static const char *const emails[] = {"a@example.com", "b@example.com", "c@example.com"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(contract_try_join(st, arena, ex->id, "Someone", emails[i], "", 100, &p[i]),
                         SANTA_OK);
    uint32_t queued = 0;
    assert_int_equal(st->ops->reminders_queue(st, ex->id, &queued), SANTA_OK);
    assert_int_equal(queued, 3);
}

/* POST .../reminders records ONE reminder_batches row whatever the
 * exchange's size (migration 004); the worker's expansion
 * (sql_store_outbox.h) writes one outbox row per participant present
 * then and deletes the batch, once: a participant removed before the
 * expansion gets no row, one removed after loses its rows with them
 * (migration 003's trigger), and the depth counts a batch as its mails. The
 * outbox stays cheap to fill: no foreign-key trigger per row and no index
 * on the random participant id (they made 10,000 rows take 0.8-1.9 s). */
static void test_batches_expand_once_and_forget_removed(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    struct santa_exchange ex;
    struct santa_participant p[3];
    struct santa_arena arena;
    santa_arena_init(&arena, 1 << 16);
    three_queued(st, &arena, 9, "Outbox", &ex, p);
    uint32_t queued = 0;
    expect_count(&s, "SELECT count(*) FROM reminder_batches", "1");
    expect_count(&s, "SELECT count(*) FROM outbox", "0");
    assert_int_equal(pending(st), 3);

    char err[512] = "";
    PGconn *other = NULL;
    assert_int_equal(postgres_store_connect(s.conninfo, 5000, &other, err, sizeof err), SANTA_OK);
    /* A batch another worker holds is skipped, not waited for. */
    PQclear(PQexec(other, "BEGIN"));
    PGresult *r = PQexec(other, "SELECT id FROM reminder_batches FOR UPDATE");
    assert_int_equal(PQntuples(r), 1);
    PQclear(r);
    struct sql_batch b;
    assert_int_equal(sql_store_batch_expand(st, &b), SANTA_OK);
    assert_false(b.found);
    PQclear(PQexec(other, "ROLLBACK"));

    assert_int_equal(sql_store_batch_expand(st, &b), SANTA_OK);
    assert_true(b.found);
    assert_string_equal(b.exchange_id, ex.id);
    assert_int_equal(b.mails, 3);
    assert_int_equal(b.mails_queued, 3);
    expect_count(&s, "SELECT count(*) FROM reminder_batches", "0");
    expect_count(&s, "SELECT count(*) FROM outbox", "3");
    assert_int_equal(pending(st), 3);

    /* A second batch, then a removal before it is expanded: the first
     * batch's row for them goes, and the second gives them none. */
    assert_int_equal(st->ops->reminders_queue(st, ex.id, &queued), SANTA_OK);
    assert_int_equal(queued, 3);
    assert_int_equal(st->ops->participant_remove(st, ex.id, p[1].id), SANTA_OK);
    assert_int_equal(pending(st), 2 + 3);
    assert_int_equal(sql_store_batch_expand(st, &b), SANTA_OK);
    assert_true(b.found);
    assert_int_equal(b.mails, 2);
    assert_int_equal(b.mails_queued, 3);
    assert_int_equal(pending(st), 4);
    assert_int_equal(sql_store_batch_expand(st, &b), SANTA_OK);
    assert_false(b.found); /* each batch expands once */
    PQfinish(other);
    santa_arena_release(&arena);
    santa_store_close(st);
    expect_count(&s,
                 "SELECT count(*) FROM pg_constraint WHERE conrelid = 'outbox'::regclass"
                 " AND contype = 'f'",
                 "0");
    expect_count(&s,
                 "SELECT count(*) FROM pg_index AS i JOIN pg_attribute AS a"
                 " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                 " WHERE i.indrelid = 'outbox'::regclass AND a.attname = 'participant_id'",
                 "0");
    expect_count(&s, "SELECT count(*) FROM outbox", "4");
    expect_count(&s,
                 "SELECT count(*) FROM outbox AS o WHERE NOT EXISTS"
                 " (SELECT 1 FROM participants AS p WHERE p.id = o.participant_id)",
                 "0");
    schema_drop(&s);
}

static uint64_t outbox_depth(struct santa_store *st)
{
    uint64_t depth = 99, age = 0;
    assert_int_equal(sql_store_outbox_stats(st, &depth, &age), SANTA_OK);
    return depth;
}

/* The worker's queue: a claim expands the batch, then leases due mails
 * once, skipping (not waiting for) a row another transaction holds; done,
 * retry and dead-letter each move one job, a retry keeping its
 * Message-ID. */
static void test_outbox_claim_skips_locked_rows(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    struct santa_exchange ex;
    struct santa_participant p[3];
    struct santa_arena arena;
    santa_arena_init(&arena, 1 << 16);
    three_queued(st, &arena, 11, "Queue", &ex, p);
    assert_int_equal(outbox_depth(st), 3); /* the batch counts as its mails */

    struct santa_job jobs[4], more[4];
    uint32_t n = 99;
    assert_int_equal(sql_store_outbox_claim(st, "w1", 60000, jobs, 1, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(jobs[0].to_email, "a@example.com");
    assert_string_equal(jobs[0].exchange_name, "Queue");
    assert_int_equal(jobs[0].attempts, 1);
    assert_true(jobs[0].queued_ms > 0);
    char key[160];
    snprintf(key, sizeof key, "reminder.%s.%s", jobs[0].id, ex.id);
    assert_string_equal(jobs[0].key, key);

    char err[512] = "";
    PGconn *other = NULL;
    assert_int_equal(postgres_store_connect(s.conninfo, 5000, &other, err, sizeof err), SANTA_OK);
    PQclear(PQexec(other, "BEGIN"));
    PGresult *r = PQexec(other, "SELECT id FROM outbox WHERE email = 'b@example.com' FOR UPDATE");
    assert_int_equal(PQntuples(r), 1);
    PQclear(r);
    assert_int_equal(sql_store_outbox_claim(st, "w2", 60000, more, 4, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(more[0].to_email, "c@example.com");
    PQclear(PQexec(other, "ROLLBACK"));
    PQfinish(other);
    assert_int_equal(sql_store_outbox_claim(st, "w2", 60000, &jobs[1], 3, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(jobs[1].to_email, "b@example.com");
    assert_int_equal(sql_store_outbox_claim(st, "w2", 60000, more, 4, &n), SANTA_OK);
    assert_int_equal(n, 0); /* all leased */

    assert_int_equal(sql_store_outbox_done(st, &jobs[0]), SANTA_OK);
    assert_int_equal(outbox_depth(st), 2);
    assert_int_equal(sql_store_outbox_fail(st, &jobs[1], false, 0, "421 busy"), SANTA_OK);
    assert_int_equal(sql_store_outbox_claim(st, "w3", 60000, more, 4, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(more[0].key, jobs[1].key);
    assert_int_equal(more[0].attempts, 2);
    assert_int_equal(sql_store_outbox_fail(st, &more[0], true, 0, "550 no such user"), SANTA_OK);
    assert_int_equal(outbox_depth(st), 1); /* the dead letter no longer counts */
    santa_arena_release(&arena);
    santa_store_close(st);
    expect_count(&s,
                 "SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL"
                 " AND last_error = '550 no such user' AND attempts = 2",
                 "1");
    expect_count(&s, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL", "1");
    schema_drop(&s);
}

/* The server ends every connection of the store (as a restart does): the
 * next operation reconnects and succeeds, with no request failing. */
static void test_reconnects_after_connections_are_killed(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    struct santa_exchange ex;
    make_exchange(&ex, 9, "before");
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    assert_int_equal(st->ops->ping(st), SANTA_OK);

    /* Only this test's backends: their application_name is the schema's. */
    PGconn *pg = admin();
    assert_non_null(pg);
    const char *v[] = {s.name};
    PGresult *r = PQexecParams(pg,
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE application_name = $1 AND pid <> pg_backend_pid()",
                               1, NULL, v, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long killed = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(pg);
    print_message("terminated %ld store connection(s)\n", killed);
    assert_true(killed >= 1);
    usleep(100000); /* let the backend exit */

    struct santa_arena arena, *a = &arena;
    santa_arena_init(a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(st->ops->exchange_get(st, ex.id, a, &got), SANTA_OK);
    assert_string_equal(got.name, "before");
    santa_arena_release(a);
    santa_store_close(st);
    schema_drop(&s);
}

/* An unsampled trace (the default 1 % sampling leaves out 99 of 100)
 * sends no comment: the statement stays prepared, its text the plain one. */
static void test_unsampled_statements_stay_prepared(void **state)
{
    (void)state;
    char trace_file[] = "/tmp/santa-pg-trace-XXXXXX";
    int fd = mkstemp(trace_file);
    assert_true(fd >= 0);
    close(fd);
    struct inst_options io = {.service = "test", .trace_file = trace_file, .trace_sample = 0};
    char err[256] = "";
    assert_int_equal(inst_start(&io, err, sizeof err), 0);
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);

    static const char tp_in[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    inst_request_begin("test", tp_in);
    char tp[56];
    assert_true(inst_trace_current_traceparent(tp)); /* a trace is current, unsampled */
    struct santa_exchange ex;
    make_exchange(&ex, 12, "untraced");
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    struct inst_request_result res;
    inst_request_end(201, &res);

    PGconn *pg = admin();
    assert_non_null(pg);
    const char *v[] = {s.name};
    PGresult *r = PQexecParams(pg,
                               "SELECT query FROM pg_stat_activity WHERE application_name = $1"
                               " AND query LIKE '%INSERT INTO exchanges%'",
                               1, NULL, v, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    print_message("the server ran: %.90s...\n", PQgetvalue(r, 0, 0));
    assert_null(strstr(PQgetvalue(r, 0, 0), "traceparent"));
    PQclear(r);
    PQfinish(pg);
    santa_store_close(st);
    schema_drop(&s);
    inst_stop();
    unlink(trace_file);
}

/* With a trace current, the statement the server ran carries its
 * traceparent (sqlcommenter); pg_stat_activity shows the last one. */
static void test_statements_carry_the_traceparent(void **state)
{
    (void)state;
    char trace_file[] = "/tmp/santa-pg-trace-XXXXXX";
    int fd = mkstemp(trace_file);
    assert_true(fd >= 0);
    close(fd);
    struct inst_options io = {.service = "test", .trace_file = trace_file, .trace_sample = 1};
    char err[256] = "";
    assert_int_equal(inst_start(&io, err, sizeof err), 0);
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);

    static const char tp_in[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    inst_request_begin("test", tp_in);
    char tp[56];
    assert_true(inst_trace_current_traceparent(tp));
    struct santa_exchange ex;
    make_exchange(&ex, 11, "traced");
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    struct inst_request_result res;
    inst_request_end(201, &res);

    PGconn *pg = admin();
    assert_non_null(pg);
    const char *v[] = {s.name};
    PGresult *r = PQexecParams(pg,
                               "SELECT query FROM pg_stat_activity WHERE application_name = $1"
                               " AND query LIKE '%INSERT INTO exchanges%'",
                               1, NULL, v, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    char want[128];
    snprintf(want, sizeof want, "/*traceparent='%s'*/ INSERT INTO exchanges", tp);
    print_message("the server ran: %.90s...\n", PQgetvalue(r, 0, 0));
    assert_true(strncmp(PQgetvalue(r, 0, 0), want, strlen(want)) == 0);
    /* The trace id is the caller's: the statement is linked to its request. */
    assert_non_null(strstr(PQgetvalue(r, 0, 0), "0af7651916cd43dd8448eb211c80319c"));
    PQclear(r);
    PQfinish(pg);
    santa_store_close(st);
    schema_drop(&s);
    inst_stop();
    unlink(trace_file);
}

/* Nothing listens: the first call fails within connect_timeout, and the
 * calls right after it fail at once (backoff), never hanging. */
/* Runs fn with the process's stderr (where santa_log writes) going to a
 * temp file; returns that file's contents (malloc'ed). */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
    char path[] = "/tmp/santa-pg-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    fn(arg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *buf = calloc(1, (size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    return buf;
}

struct detail_case {
    struct santa_store *st;
    struct santa_participant *p;
    enum santa_status got;
};

static void detail_join(void *arg)
{
    struct detail_case *d = arg;
    d->got = d->st->ops->participant_add(d->st, d->p, 100);
}

/* A server error whose DETAIL holds row values (here a trigger's, as a
 * CHECK or foreign-key error's "Failing row contains (...)" would): the log
 * names the error, never the DETAIL. */
static void test_error_detail_is_not_logged(void **state)
{
    (void)state;
    struct schema s = {0};
    assert_true(schema_make(&s));
    struct santa_store *st = open_conninfo(s.conninfo);
    assert_non_null(st);
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE FUNCTION %s.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
             " RAISE EXCEPTION 'join refused by the test' USING DETAIL = 'row holds ' ||"
             " NEW.email; END $$",
             s.name);
    assert_true(admin_exec(sql, NULL));
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER refuse BEFORE INSERT ON %s.participants FOR EACH ROW EXECUTE "
             "FUNCTION %s.refuse()",
             s.name, s.name);
    assert_true(admin_exec(sql, NULL));

    struct santa_exchange ex;
    make_exchange(&ex, 11, "detail");
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    struct santa_participant p = {.name = "Ann",
                                  .email = "private-ann@example.org",
                                  .email_key = "private-ann@example.org",
                                  .wishlist = ""};
    assert_int_equal(santa_id_new(p.id), SANTA_OK);
    memcpy(p.exchange_id, ex.id, sizeof p.exchange_id);
    fill_hash(&p.token_hash, 12);
    struct detail_case d = {st, &p, SANTA_OK};
    char *log = capture_stderr(detail_join, &d);
    assert_int_equal(d.got, SANTA_UNAVAILABLE);
    if (!strstr(log, "join refused by the test"))
        fail_msg("the error was not logged: %s", log);
    if (strstr(log, "private-ann"))
        fail_msg("the log holds the DETAIL's row values: %s", log);
    free(log);
    santa_store_close(st);
    schema_drop(&s);
}

static void test_unreachable_fails_fast(void **state)
{
    (void)state;
    /* Port 1 on loopback: reserved, nothing listens, connect is refused. */
    struct postgres_store_pool *p =
        postgres_store_pool_new("host=127.0.0.1 port=1 dbname=x user=postgres", 2000);
    assert_non_null(p);
    struct postgres_store_conn *c = NULL;
    uint64_t t0 = santa_now_ns();
    assert_int_equal(postgres_store_pool_conn(p, &c), SANTA_UNAVAILABLE);
    uint64_t t1 = santa_now_ns();
    for (int i = 0; i < 100; i++)
        assert_int_equal(postgres_store_pool_conn(p, &c), SANTA_UNAVAILABLE);
    uint64_t t2 = santa_now_ns();
    print_message("first refusal %.2f ms, 100 more in %.2f ms\n", (double)(t1 - t0) / 1e6,
                  (double)(t2 - t1) / 1e6);
    /* Correctness bounds, not speed goals: connect_timeout is 2 s; the
     * calls inside the backoff make no attempt at all. */
    assert_true(t1 - t0 < 2500000000ull);
    assert_true(t2 - t1 < 100000000ull);
    postgres_store_pool_thread_stop(p);
    postgres_store_pool_free(p);

    struct postgres_store_options o = {.conninfo = "host=127.0.0.1 port=1 dbname=x"};
    struct santa_store *st = NULL;
    char err[512] = "";
    assert_int_equal(postgres_store_open(&o, &st, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(st);
    assert_non_null(strstr(err, "cannot connect"));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONNINFO_FILE (written by the pg_server fixture)\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f || !fgets(base_conninfo, sizeof base_conninfo, f)) {
        fprintf(stderr, "%s: cannot read %s: is the pg_server fixture running?\n", argv[0],
                argv[1]);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    base_conninfo[strcspn(base_conninfo, "\n")] = '\0';

    struct schema ctx = {0};
    struct santa_store_factory factory = {
        .name = "postgres",
        .open = factory_open,
        .reopen = factory_reopen,
        .cleanup = factory_cleanup,
        .ctx = &ctx,
    };
    int failed = santa_store_contract_run(&factory);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations_apply_once),
        cmocka_unit_test(test_newer_schema_is_refused),
        cmocka_unit_test(test_session_settings),
        cmocka_unit_test(test_hostile_text_is_only_data),
        cmocka_unit_test(test_batches_expand_once_and_forget_removed),
        cmocka_unit_test(test_outbox_claim_skips_locked_rows),
        cmocka_unit_test(test_reconnects_after_connections_are_killed),
        cmocka_unit_test(test_unreachable_fails_fast),
        cmocka_unit_test(test_error_detail_is_not_logged),
        cmocka_unit_test(test_statements_carry_the_traceparent),
        cmocka_unit_test(test_unsampled_statements_stay_prepared),
    };
    failed += cmocka_run_group_tests_name("postgres", tests, NULL, NULL);
    return failed;
}
