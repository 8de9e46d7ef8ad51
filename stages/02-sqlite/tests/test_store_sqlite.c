/*
 * test_store_sqlite.c - stage 02's store: the shared conformance suite, then
 * what only SQLite has (schema versions, PRAGMAs, query plans, a database
 * that cannot be opened or written).
 *
 * Every test works in a fresh mkdtemp() directory under /tmp.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "santa/token.h"
#include "sql_store_outbox.h"
#include "store_contract.h"
#include "store_sqlite.h"
#include "store_sqlite_conn.h"
#include "store_sqlite_internal.h"
#include "store_sqlite_schema.h"
#include "store_sqlite_sql.h"

/* ---- temp directories -------------------------------------------------- */

struct tmp {
    char root[64];     /* the mkdtemp() directory */
    char data_dir[96]; /* root/data: the store must create it */
    char db_path[128]; /* data_dir/santa.db */
};

static bool tmp_make(struct tmp *t)
{
    snprintf(t->root, sizeof t->root, "/tmp/santa-sqlite-XXXXXX");
    if (!mkdtemp(t->root))
        return false;
    snprintf(t->data_dir, sizeof t->data_dir, "%s/data", t->root);
    snprintf(t->db_path, sizeof t->db_path, "%s/santa.db", t->data_dir);
    return true;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void tmp_remove(struct tmp *t)
{
    if (t->root[0])
        nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    t->root[0] = '\0';
}

static struct santa_store *open_at(const char *dir)
{
    struct sqlite_store_options o = {.data_dir = dir};
    struct santa_store *s = NULL;
    char err[512] = "";
    enum santa_status st = sqlite_store_open(&o, &s, err, sizeof err);
    if (st != SANTA_OK)
        fprintf(stderr, "sqlite_store_open(%s): %s: %s\n", dir, santa_status_code(st), err);
    return s;
}

/* ---- the conformance suite --------------------------------------------- */

static struct santa_store *factory_open(void *ctx)
{
    struct tmp *t = ctx;
    if (!tmp_make(t))
        return NULL;
    return open_at(t->data_dir);
}

static struct santa_store *factory_reopen(void *ctx)
{
    return open_at(((struct tmp *)ctx)->data_dir);
}

static void factory_cleanup(void *ctx)
{
    tmp_remove(ctx);
}

/* ---- helpers for the SQLite tests -------------------------------------- */

static void fill_hash(struct santa_hash *h, uint8_t seed)
{
    for (int i = 0; i < SANTA_HASH_LEN; i++)
        h->b[i] = (uint8_t)(seed + i);
}

static void make_exchange(struct santa_exchange *ex, uint8_t seed)
{
    memset(ex, 0, sizeof *ex);
    assert_int_equal(santa_id_new(ex->id), SANTA_OK);
    ex->name = "Office party";
    fill_hash(&ex->admin_hash, seed);
    fill_hash(&ex->invite_hash, (uint8_t)(seed + 100));
}

static int user_version(const char *db_path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static int setup_tmp(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    if (!t || !tmp_make(t)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown_tmp(void **state)
{
    struct tmp *t = *state;
    if (t) {
        chmod(t->root, 0700);
        tmp_remove(t);
        free(t);
    }
    return 0;
}

/* ---- schema versions --------------------------------------------------- */

static void test_user_version_is_latest(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    santa_store_close(s);
    assert_true(sqlite_store_schema_version() >= 1);
    assert_int_equal(user_version(t->db_path), sqlite_store_schema_version());
}

static void test_reopen_keeps_data_and_schema(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    struct santa_exchange ex;
    make_exchange(&ex, 1);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);
    santa_store_close(s);

    /* Migration 1 creates tables without IF NOT EXISTS: running it again
     * would fail, so a clean reopen proves it was skipped. */
    s = open_at(t->data_dir);
    assert_non_null(s);
    assert_int_equal(user_version(t->db_path), sqlite_store_schema_version());
    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_string_equal(got.name, "Office party");
    assert_memory_equal(got.admin_hash.b, ex.admin_hash.b, SANTA_HASH_LEN);
    santa_arena_release(&a);
    santa_store_close(s);
}

static void test_newer_schema_is_refused(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    santa_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct sqlite_store_options o = {.data_dir = t->data_dir};
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
}

/* Leaves data_dir/santa.db at schema version `version`, as a program that
 * shipped only that many migrations left it: those applied, user_version
 * set, one exchange row named "Kept" (with id) written. */
static void make_db_at(const char *data_dir, const char *db_path, int version, const char *id)
{
    assert_int_equal(mkdir(data_dir, 0700), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < version; i++)
        assert_int_equal(sqlite3_exec(db, sqlite_store_migrations[i].sql, NULL, NULL, NULL),
                         SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA user_version = %d;"
             "INSERT INTO exchanges (id, name, admin_hash, invite_hash)"
             " VALUES ('%s', 'Kept', randomblob(32), randomblob(32));",
             version, id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Every object of db_path's schema with its SQL, one per line, by name:
 * two databases with the same text have the same schema. */
static void schema_of(const char *db_path, char *out, size_t outlen)
{
    const char *sql = "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master"
                      " WHERE sql IS NOT NULL ORDER BY type, name";
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    size_t len = 0;
    out[0] = '\0';
    while (sqlite3_step(q) == SQLITE_ROW) {
        int n = snprintf(out + len, outlen - len, "%s\n", (const char *)sqlite3_column_text(q, 0));
        assert_true(n > 0 && (size_t)n < outlen - len);
        len += (size_t)n;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_true(len > 0);
}

/* A database left at any earlier version is brought up to date at open: to
 * the very schema a fresh file gets, with its rows kept. */
static void test_every_older_version_upgrades(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    santa_store_close(s);
    static char fresh[1 << 16], got[1 << 16];
    schema_of(t->db_path, fresh, sizeof fresh);
    assert_true(sqlite_store_migration_count >= 2);
    for (int v = 1; v < sqlite_store_migration_count; v++) {
        char dir[160], path[192], id[SANTA_ID_LEN + 1];
        snprintf(dir, sizeof dir, "%s/v%d", t->root, v);
        snprintf(path, sizeof path, "%s/santa.db", dir);
        assert_int_equal(santa_id_new(id), SANTA_OK);
        make_db_at(dir, path, v, id);
        s = open_at(dir);
        assert_non_null(s);
        struct santa_arena a;
        santa_arena_init(&a, 1 << 16);
        struct santa_exchange ex;
        assert_int_equal(s->ops->exchange_get(s, id, &a, &ex), SANTA_OK);
        assert_string_equal(ex.name, "Kept");
        santa_arena_release(&a);
        santa_store_close(s);
        assert_int_equal(user_version(path), sqlite_store_schema_version());
        schema_of(path, got, sizeof got);
        assert_string_equal(got, fresh);
    }
}

/* The pending migrations share one transaction: when a later one fails, the
 * earlier ones are rolled back with it and the file keeps its version. */
static void test_failed_migration_changes_nothing(void **state)
{
    struct tmp *t = *state;
    char id[SANTA_ID_LEN + 1];
    assert_int_equal(santa_id_new(id), SANTA_OK);
    make_db_at(t->data_dir, t->db_path, 1, id);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->db_path, &db), SQLITE_OK);
    /* 004_reminder_batches.sql creates this table: it will fail. */
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE reminder_batches (x)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char before[1 << 12], after[1 << 12];
    schema_of(t->db_path, before, sizeof before);

    struct sqlite_store_options o = {.data_dir = t->data_dir};
    struct santa_store *s = NULL;
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(s);
    assert_non_null(strstr(err, "004_reminder_batches.sql"));
    assert_int_equal(user_version(t->db_path), 1);
    schema_of(t->db_path, after, sizeof after);
    assert_string_equal(after, before); /* 002's columns and 003's rebuild are gone too */
}

/* ---- the participant count kept by triggers ---------------------------- */

static void add_person(struct santa_store *s, const char *exchange_id, const char *email,
                       uint8_t seed, struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(santa_id_new(p->id), SANTA_OK);
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    p->name = "Someone";
    p->email = email;
    p->email_key = email;
    p->wishlist = "";
    fill_hash(&p->token_hash, seed);
    assert_int_equal(s->ops->participant_add(s, p, 100), SANTA_OK);
}

static void test_participant_count_follows_rows(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    struct santa_exchange ex;
    make_exchange(&ex, 3);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);
    struct santa_participant p[3];
    add_person(s, ex.id, "a@example.com", 10, &p[0]);
    add_person(s, ex.id, "b@example.com", 20, &p[1]);
    add_person(s, ex.id, "c@example.com", 30, &p[2]);
    assert_true(p[0].seq < p[1].seq && p[1].seq < p[2].seq);
    assert_int_equal(s->ops->participant_remove(s, ex.id, p[1].id), SANTA_OK);
    /* A refused join (email taken) must not count either. */
    struct santa_participant dup = p[0];
    assert_int_equal(santa_id_new(dup.id), SANTA_OK);
    fill_hash(&dup.token_hash, 40);
    assert_int_equal(s->ops->participant_add(s, &dup, 100), SANTA_EMAIL_TAKEN);

    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_int_equal(got.participant_count, 2);
    santa_arena_release(&a);
    santa_store_close(s);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM exchanges AS e WHERE"
                                        " e.participant_count != (SELECT count(*) FROM"
                                        " participants AS p WHERE p.exchange_id = e.id)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

static uint64_t pending(struct santa_store *st)
{
    uint64_t depth = 99;
    assert_int_equal(st->ops->reminders_pending(st, &depth), SANTA_OK);
    return depth;
}

/* An exchange of three (a@, b@, c@example.com, joined in that order) with
 * one reminder batch queued for them. */
static void three_queued(struct santa_store *s, uint8_t seed, struct santa_exchange *ex,
                         struct santa_participant p[3])
{
    make_exchange(ex, seed);
    assert_int_equal(s->ops->exchange_create(s, ex), SANTA_OK);
    add_person(s, ex->id, "a@example.com", 50, &p[0]);
    add_person(s, ex->id, "b@example.com", 60, &p[1]);
    add_person(s, ex->id, "c@example.com", 70, &p[2]);
    uint32_t queued = 0;
    assert_int_equal(s->ops->reminders_queue(s, ex->id, &queued), SANTA_OK);
    assert_int_equal(queued, 3);
}

/* POST .../reminders records ONE reminder_batches row whatever the
 * exchange's size (migration 4); the worker's expansion
 * (sql_store_outbox.h) writes one outbox row per participant present then
 * and deletes the batch, once: a participant removed before the expansion
 * gets no row, one removed after loses its rows with them (migration 3's
 * trigger), and the depth counts a batch as its mails. The outbox stays
 * cheap to fill: no foreign-key check per row and no index on the random
 * participant id (they made 10,000 rows take 400 ms). */
static void test_batches_expand_once_and_forget_removed(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    struct santa_exchange ex;
    struct santa_participant p[3];
    three_queued(s, 5, &ex, p);
    uint32_t queued = 0;

    sqlite3 *db = NULL;
    char err[512] = "";
    assert_int_equal(sqlite_store_connect(t->db_path, false, &db, err, sizeof err), SANTA_OK);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM reminder_batches"), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(pending(s), 3);

    struct sql_batch b;
    assert_int_equal(sql_store_batch_expand(s, &b), SANTA_OK);
    assert_true(b.found);
    assert_string_equal(b.exchange_id, ex.id);
    assert_int_equal(b.mails, 3);
    assert_int_equal(b.mails_queued, 3);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM reminder_batches"), 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox"), 3);
    /* The rows keep the request's enqueue time (an integer of ms, and its
     * second as text), not the expansion's. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox WHERE queued_ms <= 0"
                                    " OR typeof(queued_ms) <> 'integer'"
                                    " OR queued_at NOT LIKE '____-__-__T__:__:__Z'"
                                    " OR queued_at <> strftime('%Y-%m-%dT%H:%M:%SZ',"
                                    " queued_ms / 1000, 'unixepoch')"),
                     0);
    assert_int_equal(pending(s), 3);

    /* A second batch, then a removal before it is expanded: the first
     * batch's row for them goes, and the second gives them none. */
    assert_int_equal(s->ops->reminders_queue(s, ex.id, &queued), SANTA_OK);
    assert_int_equal(queued, 3);
    assert_int_equal(s->ops->participant_remove(s, ex.id, p[1].id), SANTA_OK);
    assert_int_equal(pending(s), 2 + 3);
    assert_int_equal(sql_store_batch_expand(s, &b), SANTA_OK);
    assert_true(b.found);
    assert_int_equal(b.mails, 2);
    assert_int_equal(b.mails_queued, 3);
    assert_int_equal(pending(s), 4);
    assert_int_equal(sql_store_batch_expand(s, &b), SANTA_OK);
    assert_false(b.found); /* each batch expands once */

    /* A writer holding the lock past the busy timeout: the expansion fails
     * and changes nothing. */
    assert_int_equal(s->ops->reminders_queue(s, ex.id, &queued), SANTA_OK);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite_store_connect(t->db_path, false, &other, err, sizeof err), SANTA_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct sqlite_store_conn *c = NULL; /* this thread's, which expands */
    assert_int_equal(sqlite_store_pool_conn(sqlite_store_pool_of(s), &c), SANTA_OK);
    sqlite3_busy_timeout(sqlite_store_conn_db(c), 10);
    assert_int_equal(sql_store_batch_expand(s, &b), SANTA_UNAVAILABLE);
    assert_false(b.found);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM reminder_batches"), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox"), 4);
    assert_true(sqlite3_get_autocommit(sqlite_store_conn_db(c)));
    santa_store_close(s);

    assert_int_equal(count_rows(db, "SELECT count(*) FROM pragma_foreign_key_list('outbox')"), 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM pragma_index_list('outbox') AS il"
                                    " JOIN pragma_index_info(il.name) AS ii"
                                    " WHERE ii.name = 'participant_id'"),
                     0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox AS o WHERE NOT EXISTS"
                                    " (SELECT 1 FROM participants AS p"
                                    "  WHERE p.id = o.participant_id)"),
                     0);
    sqlite3_close(db);
}

/* ---- PRAGMAs on a worker connection ------------------------------------ */

struct pragma_probe {
    struct santa_store *s;
    char journal_mode[16];
    int foreign_keys, synchronous, busy_timeout;
    enum santa_status ping;
};

static int pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void *probe_thread(void *arg)
{
    struct pragma_probe *p = arg;
    p->ping = p->s->ops->ping(p->s); /* opens this thread's connection */
    struct sqlite_store_conn *c = NULL;
    if (sqlite_store_pool_conn(sqlite_store_pool_of(p->s), &c) == SANTA_OK) {
        sqlite3 *db = sqlite_store_conn_db(c);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            snprintf(p->journal_mode, sizeof p->journal_mode, "%s", sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        p->foreign_keys = pragma_int(db, "PRAGMA foreign_keys");
        p->synchronous = pragma_int(db, "PRAGMA synchronous");
        p->busy_timeout = pragma_int(db, "PRAGMA busy_timeout");
    }
    p->s->ops->thread_stop(p->s);
    return NULL;
}

static void test_pragmas_on_worker_connection(void **state)
{
    struct tmp *t = *state;
    struct pragma_probe p = {.s = open_at(t->data_dir)};
    assert_non_null(p.s);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, probe_thread, &p), 0);
    pthread_join(th, NULL);
    santa_store_close(p.s);
    assert_int_equal(p.ping, SANTA_OK);
    assert_string_equal(p.journal_mode, "wal");
    assert_int_equal(p.foreign_keys, 1);
    /* NORMAL: the store syncs the WAL itself, once for a group of commits,
     * before it answers any of them (test_writes_are_synced_before_answer). */
    assert_int_equal(p.synchronous, 1);
    assert_int_equal(p.busy_timeout, SQLITE_STORE_BUSY_TIMEOUT_MS);
}

/* ---- the worker's queue: the outbox operations --------------------------- */

static uint64_t outbox_depth(struct santa_store *s)
{
    uint64_t depth = 99, age = 0;
    assert_int_equal(sql_store_outbox_stats(s, &depth, &age), SANTA_OK);
    return depth;
}

/* A claim expands the batch, then leases due mails once (a second claim
 * gets the others, then none); done, retry and dead-letter each move one
 * job; and every one of them is answered only after an fdatasync covers it,
 * as with the worker's synchronous=FULL connection before. */
static void test_outbox_claims_once_and_syncs_each_step(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    struct santa_exchange ex;
    struct santa_participant p[3];
    three_queued(s, 9, &ex, p);
    assert_int_equal(outbox_depth(s), 3); /* the batch counts as its mails */

    struct santa_job jobs[4];
    uint32_t n = 99;
    uint64_t syncs = sqlite_store_sync_count(s);
    assert_int_equal(sql_store_outbox_claim(s, "w1", 60000, jobs, 2, &n), SANTA_OK);
    assert_int_equal(n, 2);
    assert_true(sqlite_store_sync_count(s) > syncs);
    assert_string_equal(jobs[0].to_email, "a@example.com");
    assert_string_equal(jobs[0].exchange_id, ex.id);
    assert_string_equal(jobs[0].exchange_name, "Office party");
    assert_int_equal(jobs[0].attempts, 1);
    assert_true(jobs[0].queued_ms > 0);
    char key[160];
    snprintf(key, sizeof key, "reminder.%s.%s", jobs[0].id, ex.id);
    assert_string_equal(jobs[0].key, key);
    struct santa_job rest[4];
    assert_int_equal(sql_store_outbox_claim(s, "w2", 60000, rest, 4, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rest[0].to_email, "c@example.com");
    assert_int_equal(sql_store_outbox_claim(s, "w2", 60000, rest, 4, &n), SANTA_OK);
    assert_int_equal(n, 0); /* all leased */
    assert_int_equal(outbox_depth(s), 3);

    syncs = sqlite_store_sync_count(s);
    assert_int_equal(sql_store_outbox_done(s, &jobs[0]), SANTA_OK);
    assert_true(sqlite_store_sync_count(s) > syncs);
    assert_int_equal(outbox_depth(s), 2);
    syncs = sqlite_store_sync_count(s);
    assert_int_equal(sql_store_outbox_fail(s, &jobs[1], false, 0, "421 busy"), SANTA_OK);
    assert_true(sqlite_store_sync_count(s) > syncs);
    /* Due again at once: the same row, the same Message-ID, one more try. */
    struct santa_job again;
    assert_int_equal(sql_store_outbox_claim(s, "w3", 60000, &again, 1, &n), SANTA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(again.key, jobs[1].key);
    assert_int_equal(again.attempts, 2);
    syncs = sqlite_store_sync_count(s);
    assert_int_equal(sql_store_outbox_fail(s, &again, true, 0, "550 no such user"), SANTA_OK);
    assert_true(sqlite_store_sync_count(s) > syncs);
    assert_int_equal(outbox_depth(s), 1); /* the dead letter no longer counts */
    santa_store_close(s);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL"
                                    " AND last_error = '550 no such user' AND attempts = 2"),
                     1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"), 1);
    sqlite3_close(db);
}

/* A worker opens the store with existing set: a mistyped data directory
 * fails at start and creates nothing. */
static void test_existing_store_is_not_created(void **state)
{
    struct tmp *t = *state;
    struct sqlite_store_options o = {.data_dir = t->data_dir, .existing = true};
    struct santa_store *s = NULL;
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(s);
    struct stat sb;
    assert_int_not_equal(stat(t->data_dir, &sb), 0);
    s = open_at(t->data_dir); /* the server creates it */
    assert_non_null(s);
    santa_store_close(s);
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_OK);
    santa_store_close(s);
}

/* ---- group commit: a write is answered after a sync covers it ---------- */

/* A write that succeeds waits for an fdatasync of the WAL; a read and a
 * refused write (nothing committed) make none. */
static void test_writes_are_synced_before_answer(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    uint64_t syncs = sqlite_store_sync_count(s);
    struct santa_exchange ex;
    make_exchange(&ex, 7);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);
    uint64_t after_write = sqlite_store_sync_count(s);
    assert_int_equal(after_write, syncs + 1);

    struct santa_arena a;
    santa_arena_init(&a, 1 << 16);
    struct santa_exchange got;
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_int_equal(sqlite_store_sync_count(s), after_write);
    santa_arena_release(&a);

    /* The same id again is refused and rolled back: nothing to sync. */
    assert_int_not_equal(s->ops->exchange_create(s, &ex), SANTA_OK);
    assert_int_equal(sqlite_store_sync_count(s), after_write);
    santa_store_close(s);
}

/* ---- every lookup uses an index ---------------------------------------- */

static bool is_control(enum sql_store_query q)
{
    return q == SQL_Q_BEGIN_READ || q == SQL_Q_BEGIN_WRITE || q == SQL_Q_COMMIT ||
           q == SQL_Q_ROLLBACK || q == SQL_Q_SCHEMA_VERSION;
}

static void test_queries_use_indexes(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    santa_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    int failures = 0;
    for (int i = 0; i < SQL_Q_COUNT; i++) {
        if (is_control((enum sql_store_query)i))
            continue;
        /* SQLite 3.40 has no sqlite3_stmt_explain(), so the test builds the
         * EXPLAIN text itself; the store never builds SQL. */
        char sql[2048];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s",
                 sql_store_query_sql(sqlite_store_sql, i));
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(q, 3);
            /* "SCAN t" reads a whole table; a temp B-tree means a sort the
             * index should have given for free. No query here may do either,
             * but two: counting the waiting reminders (REMINDERS_PENDING for
             * /metrics, OUTBOX_STATS for the worker) reads all of the
             * partial index outbox_due, which holds exactly those rows, and
             * all of reminder_batches, which holds only the batches no
             * worker has expanded yet; the sum of those two counts is a
             * SELECT without a table ("SCAN CONSTANT ROW") or over the two
             * rows of a subquery ("SCAN (subquery-N)"). */
            bool counting = i == SQL_Q_REMINDERS_PENDING || i == SQL_Q_OUTBOX_STATS;
            bool counted = counting && (strstr(detail, "INDEX outbox_due") != NULL ||
                                        strcmp(detail, "SCAN reminder_batches") == 0 ||
                                        strcmp(detail, "SCAN CONSTANT ROW") == 0 ||
                                        strncmp(detail, "SCAN (subquery-", 15) == 0);
            /* ASSIGNMENTS_INSERT reads every element of its JSON parameter
             * (json_each): that is its input, not a table. */
            if (i == SQL_Q_ASSIGNMENTS_INSERT && strstr(detail, "VIRTUAL TABLE"))
                counted = true;
            if ((strncmp(detail, "SCAN ", 5) == 0 && !counted) || strstr(detail, "TEMP B-TREE")) {
                fprintf(stderr, "%s: %s\n", sql_store_query_name[i], detail);
                failures++;
            }
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    assert_int_equal(failures, 0);
}

/* Every statement has exactly one text: SQLite's own, or the portable one
 * both dialects share. A driver whose table misses one, or repeats one the
 * portable table has, refuses to open. */
static void test_dialect_has_one_text_per_statement(void **state)
{
    (void)state;
    assert_true(sql_store_dialect_complete("sqlite", sqlite_store_sql));
    int portable = 0;
    for (int q = 0; q < SQL_Q_COUNT; q++)
        portable += sql_store_query_portable[q] != NULL;
    assert_true(portable > 0 && portable < SQL_Q_COUNT); /* both kinds exist */

    const char *sql[SQL_Q_COUNT];
    memcpy(sql, sqlite_store_sql, sizeof sql);
    sql[SQL_Q_BEGIN_WRITE] = NULL; /* SQLite's own: now nobody's */
    assert_null(sql_store_query_portable[SQL_Q_BEGIN_WRITE]);
    assert_false(sql_store_dialect_complete("sqlite", sql));

    memcpy(sql, sqlite_store_sql, sizeof sql);
    sql[SQL_Q_EXCHANGE_GET] = "SELECT 1"; /* portable: now two texts */
    assert_non_null(sql_store_query_portable[SQL_Q_EXCHANGE_GET]);
    assert_false(sql_store_dialect_complete("sqlite", sql));
    assert_string_equal(sql_store_query_sql(sql, SQL_Q_EXCHANGE_GET), "SELECT 1");
    assert_ptr_equal(sql_store_query_sql(sqlite_store_sql, SQL_Q_EXCHANGE_GET),
                     sql_store_query_portable[SQL_Q_EXCHANGE_GET]);
}

/* Every foreign key column leads some index: SQLite checks and cascades a
 * parent's delete by looking the children up, a scan per deleted row
 * otherwise. */
static void test_foreign_keys_are_indexed(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    santa_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    static const char sql[] = "SELECT m.name, f.\"from\" FROM sqlite_schema AS m"
                              " JOIN pragma_foreign_key_list(m.name) AS f"
                              " WHERE m.type = 'table' AND NOT EXISTS ("
                              "   SELECT 1 FROM pragma_index_list(m.name) AS il"
                              "   JOIN pragma_index_info(il.name) AS ii"
                              "   WHERE ii.seqno = 0 AND ii.name = f.\"from\")"
                              " AND NOT EXISTS ("
                              "   SELECT 1 FROM pragma_table_info(m.name) AS ti"
                              "   WHERE ti.pk = 1 AND ti.name = f.\"from\")";
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    int unindexed = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        fprintf(stderr, "unindexed foreign key %s.%s\n", sqlite3_column_text(q, 0),
                sqlite3_column_text(q, 1));
        unindexed++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_int_equal(unindexed, 0);
}

/* ---- databases that cannot be used ------------------------------------- */

static void expect_unavailable(const char *dir)
{
    struct sqlite_store_options o = {.data_dir = dir};
    struct santa_store *s = (struct santa_store *)&o; /* must be reset to NULL */
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(s);
    assert_true(strlen(err) > 0);
}

static void test_data_dir_under_a_file(void **state)
{
    struct tmp *t = *state;
    char file[128], dir[160];
    snprintf(file, sizeof file, "%s/plain-file", t->root);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/data", file);
    expect_unavailable(dir);
    expect_unavailable(file); /* a file where the directory should be */
}

static void test_database_is_a_directory(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->data_dir, 0700), 0);
    assert_int_equal(mkdir(t->db_path, 0700), 0);
    expect_unavailable(t->data_dir);
}

static void test_database_is_not_sqlite(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->data_dir, 0700), 0);
    FILE *f = fopen(t->db_path, "w");
    assert_non_null(f);
    for (int i = 0; i < 1000; i++)
        fputs("this is not a database ", f);
    fclose(f);
    expect_unavailable(t->data_dir);
}

static void test_read_only_data_dir(void **state)
{
    struct tmp *t = *state;
    if (geteuid() == 0)
        skip(); /* root writes anyway; the cases above cover it */
    assert_int_equal(mkdir(t->data_dir, 0500), 0);
    expect_unavailable(t->data_dir);
}

/* A writer that cannot get the lock within the busy timeout answers
 * UNAVAILABLE (and writes nothing), it does not hang or crash. */
/* Another writer holds the lock for good: BEGIN is tried 1 + RETRIES
 * times (each waiting the busy timeout, 50 ms here), then 503. */
static void test_lock_timeout_is_unavailable(void **state)
{
    struct tmp *t = *state;
    struct sqlite_store_options o = {.data_dir = t->data_dir, .busy_timeout_ms = 50};
    struct santa_store *s = NULL;
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_OK);
    struct santa_exchange ex;
    make_exchange(&ex, 7);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);

    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(t->db_path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    struct santa_participant p = {
        .name = "Ann", .email = "ann@example.com", .email_key = "ann@example.com", .wishlist = ""};
    assert_int_equal(santa_id_new(p.id), SANTA_OK);
    memcpy(p.exchange_id, ex.id, sizeof p.exchange_id);
    fill_hash(&p.token_hash, 42);
    uint64_t busy = sqlite_store_busy_count(s);
    assert_int_equal(s->ops->participant_add(s, &p, 10), SANTA_UNAVAILABLE);
    /* A bounded retry before the 503: not one attempt, not endless ones. */
    uint64_t tries = sqlite_store_busy_count(s) - busy;
    assert_true(tries >= 2); /* at least one retry */
    assert_int_equal(tries, 1 + SQLITE_STORE_BUSY_RETRIES);

    /* Readers are not blocked by the writer (WAL). */
    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_int_equal(got.participant_count, 0);

    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    /* Once the lock is free, the same join goes through. */
    assert_int_equal(s->ops->participant_add(s, &p, 10), SANTA_OK);
    assert_true(p.seq > 0);
    santa_arena_release(&a);
    santa_store_close(s);
}

/* ---- this process's writers queue in process --------------------------- */

#define QUEUE_THREADS 8
#define QUEUE_JOINS 40

struct queue_writer {
    struct santa_store *s;
    const char *exchange_id;
    int index;
    int failed; /* joins that did not answer SANTA_OK */
};

static void *queue_writer_main(void *arg)
{
    struct queue_writer *w = arg;
    for (int i = 0; i < QUEUE_JOINS; i++) {
        char email[64];
        snprintf(email, sizeof email, "w%d-%d@example.com", w->index, i);
        struct santa_participant p = {
            .name = "Writer", .email = email, .email_key = email, .wishlist = ""};
        memcpy(p.exchange_id, w->exchange_id, SANTA_ID_LEN + 1);
        fill_hash(&p.token_hash, 0);
        p.token_hash.b[0] = (uint8_t)w->index; /* unique: the hash index is UNIQUE */
        p.token_hash.b[1] = (uint8_t)i;
        p.token_hash.b[2] = 0xee;
        if (santa_id_new(p.id) != SANTA_OK)
            w->failed++;
        else if (w->s->ops->participant_add(w->s, &p, 100000) != SANTA_OK)
            w->failed++;
    }
    w->s->ops->thread_stop(w->s);
    return NULL;
}

/* With a busy timeout of 1 ms, writers of one process that met each other
 * on SQLite's lock would find it BUSY; queued in process, none does and
 * every join succeeds. */
static void test_writers_queue_in_process(void **state)
{
    struct tmp *t = *state;
    struct sqlite_store_options o = {.data_dir = t->data_dir, .busy_timeout_ms = 1};
    struct santa_store *s = NULL;
    char err[512] = "";
    assert_int_equal(sqlite_store_open(&o, &s, err, sizeof err), SANTA_OK);
    struct santa_exchange ex;
    make_exchange(&ex, 9);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);

    pthread_t th[QUEUE_THREADS];
    struct queue_writer w[QUEUE_THREADS];
    uint64_t busy = sqlite_store_busy_count(s);
    for (int i = 0; i < QUEUE_THREADS; i++) {
        w[i] = (struct queue_writer){s, ex.id, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, queue_writer_main, &w[i]), 0);
    }
    int failed = 0;
    for (int i = 0; i < QUEUE_THREADS; i++) {
        pthread_join(th[i], NULL);
        failed += w[i].failed;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(sqlite_store_busy_count(s) - busy, 0);
    /* Every join was synced; one fdatasync may have covered several. */
    uint64_t syncs = sqlite_store_sync_count(s);
    assert_true(syncs >= 1);
    assert_true(syncs <= 1 + QUEUE_THREADS * QUEUE_JOINS);

    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_int_equal(got.participant_count, QUEUE_THREADS * QUEUE_JOINS);
    santa_arena_release(&a);
    santa_store_close(s);
}

/* Overwrites the root page of every table and index with garbage, and
 * nothing else: the schema (sqlite_master, page 1 and, now that it has
 * outgrown one page, its leaves) stays readable, so the store opens and
 * the damage is met by the first operation. */
static void damage_tables(const char *db_path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    long page = count_rows(db, "PRAGMA page_size");
    long roots[64];
    int n = 0;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE rootpage > 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    while (n < 64 && sqlite3_step(q) == SQLITE_ROW)
        roots[n++] = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_true(n > 0 && page >= 512);
    FILE *f = fopen(db_path, "r+b");
    assert_non_null(f);
    char junk[65536];
    memset(junk, 0xA5, sizeof junk);
    for (int i = 0; i < n; i++) {
        assert_int_equal(fseek(f, (roots[i] - 1) * page, SEEK_SET), 0);
        assert_int_equal(fwrite(junk, 1, (size_t)page, f), (size_t)page);
    }
    fclose(f);
}

/* A corrupt database stops the process (fail-stop) at the first operation
 * that meets the damage, instead of answering 503 and going on. Run in a
 * child, whose exit status tells. */
static void test_corrupt_database_stops_the_process(void **state)
{
    struct tmp *t = *state;
    struct santa_store *s = open_at(t->data_dir);
    assert_non_null(s);
    struct santa_exchange ex;
    make_exchange(&ex, 9);
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_OK);
    santa_store_close(s); /* the last connection checkpoints: all in santa.db */
    damage_tables(t->db_path);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct santa_store *c = open_at(t->data_dir);
        if (!c)
            _exit(3); /* refused at open: not the case under test */
        struct santa_arena a;
        santa_arena_init(&a, 1 << 16);
        struct santa_exchange got;
        enum santa_status st = c->ops->exchange_get(c, ex.id, &a, &got);
        _exit(st == SANTA_UNAVAILABLE ? 4 : 5); /* went on after the damage */
    }
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    if (!WIFEXITED(wst) || WEXITSTATUS(wst) != SQLITE_STORE_EXIT_CORRUPT)
        fail_msg("the child went on after SQLITE_CORRUPT: status %d (want exit %d)",
                 WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst),
                 SQLITE_STORE_EXIT_CORRUPT);
}

int main(void)
{
    if (santa_token_init() != SANTA_OK)
        return 1;
    struct tmp contract_tmp = {0};
    struct santa_store_factory factory = {
        .name = "sqlite",
        .open = factory_open,
        .reopen = factory_reopen,
        .cleanup = factory_cleanup,
        .ctx = &contract_tmp,
    };
    int failed = santa_store_contract_run(&factory);

    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(test_user_version_is_latest, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_schema, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_every_older_version_upgrades, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_failed_migration_changes_nothing, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_participant_count_follows_rows, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_batches_expand_once_and_forget_removed, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_pragmas_on_worker_connection, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_writes_are_synced_before_answer, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_outbox_claims_once_and_syncs_each_step, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_existing_store_is_not_created, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_queries_use_indexes, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_dialect_has_one_text_per_statement),
        cmocka_unit_test_setup_teardown(test_foreign_keys_are_indexed, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_data_dir_under_a_file, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_database_is_a_directory, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_database_is_not_sqlite, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_read_only_data_dir, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_lock_timeout_is_unavailable, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_writers_queue_in_process, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_corrupt_database_stops_the_process, setup_tmp,
                                        teardown_tmp),
    };
    failed += cmocka_run_group_tests_name("sqlite specifics", sqlite_tests, NULL, NULL);
    return failed;
}
