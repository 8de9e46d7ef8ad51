/*
 * store_sqlite.c - stage 02's store over one SQLite file: the store, its
 * transaction runner, open and close, and the ops table.
 *
 * Each operation (sql_store.h: written once for every SQL back end) is a
 * function of one connection, run by run_op(): it takes the calling
 * thread's connection from the pool (store_sqlite_conn.c), wraps the
 * function in a transaction when it runs more than one statement, and ends
 * with COMMIT when it succeeded or ROLLBACK on any refusal (EMAIL_TAKEN ...),
 * so nothing half done is left.
 *
 * Writes use BEGIN IMMEDIATE: the write lock is taken before the first
 * read, so "check, then write" (email taken? full? drawn?) cannot race with
 * another writer. SQLite admits one writer at a time and its busy handler
 * sleeps and polls, so writers of this process that met each other on the
 * lock would sleep past the moments it is free. They queue here instead,
 * one at a time in arrival order (a ticket lock), and only another process
 * (or a checkpoint) still meets the busy timeout, after which BEGIN is
 * tried again a few times before the request gets 503. Reads that need
 * several statements use a plain BEGIN so they see one snapshot.
 *
 * A write is acknowledged only once it is on disk, but its COMMIT does not
 * fsync: the writer hands the lock on at once and then waits for a group
 * fdatasync of the WAL that covers its commit (store_sqlite_commit.c), so
 * the next writer runs its SQL while the disk works.
 */
#include "store_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "santa/alloc.h"
#include "santa/clock.h"
#include "santa/dir.h"
#include "santa/log.h"
#include "store_sqlite_commit.h"
#include "store_sqlite_internal.h"
#include "store_sqlite_ops.h"
#include "store_sqlite_schema.h"

/* Defined at the end of the file, once every function exists. */
static const struct santa_store_ops sqlite_store_ops;

struct sqlite_store {
    struct sql_store base; /* first: the operations reach the driver through it */
    struct sqlite_store_pool *pool;
    struct sqlite_store_commits *commits; /* writes wait here to be on disk */
    atomic_uint_fast64_t busy;            /* BEGINs that found the database locked */
    /* This process's writers, one at a time in arrival order: a writer
     * takes a ticket and waits until it is served. */
    pthread_mutex_t writers_lock;
    pthread_cond_t writers_turn;
    uint64_t next_ticket, serving;
};

static struct sqlite_store *store_of(struct santa_store *s)
{
    return (struct sqlite_store *)s;
}

static struct sql_store_conn *base_of(struct sqlite_store_conn *c)
{
    return (struct sql_store_conn *)c;
}

struct sqlite_store_pool *sqlite_store_pool_of(struct santa_store *s)
{
    return store_of(s)->pool;
}

uint64_t sqlite_store_busy_count(struct santa_store *s)
{
    return atomic_load(&store_of(s)->busy);
}

uint64_t sqlite_store_sync_count(struct santa_store *s)
{
    return sqlite_store_commits_syncs(store_of(s)->commits);
}

/* ---- one operation: connection, transaction, retries ------------------- */

static void writers_enter(struct sqlite_store *store)
{
    pthread_mutex_lock(&store->writers_lock);
    uint64_t ticket = store->next_ticket++;
    while (store->serving != ticket)
        pthread_cond_wait(&store->writers_turn, &store->writers_lock);
    pthread_mutex_unlock(&store->writers_lock);
}

static void writers_leave(struct sqlite_store *store)
{
    pthread_mutex_lock(&store->writers_lock);
    store->serving++;
    /* Every waiter checks whether it is next: a ticket lock has no way to
     * wake only the next one with one condition variable. */
    pthread_cond_broadcast(&store->writers_turn);
    pthread_mutex_unlock(&store->writers_lock);
}

/* A pause before BEGIN is tried again: 10, 20, 40 ms plus up to as much
 * again, so writers that met the same lock do not come back together. */
static void retry_pause(int attempt)
{
    long ms = 10L << attempt;
    ms += (long)(santa_now_ns() % (uint64_t)ms); /* jitter only */
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The calling thread's connection, inside a new transaction. BEGIN that
 * still finds the database locked after the busy timeout (a long writer
 * elsewhere: another process, a checkpoint) is tried again up to
 * SQLITE_STORE_BUSY_RETRIES times before the request gets 503; nothing has
 * happened yet at that point, so trying again is always safe. */
static enum santa_status tx_begin(struct santa_store *s, struct sqlite_store_conn *c, bool write)
{
    enum santa_status st = SANTA_OK;
    sqlite3_stmt *q = sqlite_store_conn_stmt(c, write ? SQL_Q_BEGIN_WRITE : SQL_Q_BEGIN_READ);
    if (!q)
        return SANTA_UNAVAILABLE;
    const char *what = write ? "BEGIN IMMEDIATE" : "BEGIN";
    for (int attempt = 0;; attempt++) {
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc == SQLITE_DONE) {
            st = SANTA_OK;
            break;
        }
        if ((rc & 0xff) == SQLITE_BUSY) {
            atomic_fetch_add(&store_of(s)->busy, 1);
            if (attempt < SQLITE_STORE_BUSY_RETRIES) {
                retry_pause(attempt);
                continue;
            }
        }
        st = sqlite_store_conn_fail(c, what, rc);
        break;
    }
    sqlite_store_conn_reset(q);
    return st;
}

/* Ends the transaction: COMMIT when st is SANTA_OK, else ROLLBACK, so a
 * refused check (EMAIL_TAKEN ...) leaves nothing behind. Returns st, or
 * SANTA_UNAVAILABLE when the commit failed (then nothing was written). */
static enum santa_status tx_end(struct sqlite_store_conn *c, enum santa_status st)
{
    if (st == SANTA_OK) {
        st = sql_store_exec_cmd(base_of(c), SQL_Q_COMMIT, NULL);
        if (st == SANTA_OK)
            return st;
    }
    /* Some errors (SQLITE_FULL, IOERR, BUSY mid-statement) roll back on
     * their own; ROLLBACK then has nothing to do and would only fail. */
    if (!sqlite3_get_autocommit(sqlite_store_conn_db(c)) &&
        sql_store_exec_cmd(base_of(c), SQL_Q_ROLLBACK, NULL) != SANTA_OK)
        santa_log(SANTA_LOG_ERROR, "store sqlite: ROLLBACK failed; the connection may be "
                                   "left inside a transaction");
    return st;
}

/* The driver's runner (sql_store.h). resolve is never needed: SQLite is a
 * library in this process, so COMMIT either returned its answer or the
 * process is gone with the request; no outcome is ever hidden. A write of
 * one statement (SQL_TX_WRITE_ONE) still takes a write transaction: its
 * answer waits for the group commit, like every write's. */
static enum santa_status run_op(struct santa_store *s, enum sql_store_tx tx, sql_store_op_fn fn,
                                sql_store_op_fn resolve, void *ctx)
{
    (void)resolve;
    struct sqlite_store *store = store_of(s);
    struct sqlite_store_conn *c;
    enum santa_status st = sqlite_store_pool_conn(store->pool, &c);
    if (st != SANTA_OK || tx == SQL_TX_NONE)
        return st == SANTA_OK ? fn(base_of(c), ctx) : st;
    bool write = tx == SQL_TX_WRITE || tx == SQL_TX_WRITE_ONE;
    /* After a failed fdatasync nothing new may be promised (store_sqlite_commit.h). */
    if (write && !sqlite_store_commits_usable(store->commits))
        return SANTA_UNAVAILABLE;
    if (write)
        writers_enter(store);
    st = tx_begin(s, c, write);
    if (st == SANTA_OK)
        st = tx_end(c, fn(base_of(c), ctx));
    uint64_t seq = 0;
    if (write && st == SANTA_OK)
        seq = sqlite_store_commits_add(store->commits); /* still our turn: commit order */
    if (write)
        writers_leave(store);
    if (seq)
        st = sqlite_store_commits_wait(store->commits, seq);
    return st;
}

/* ---- open / close ------------------------------------------------------ */

static void store_close(struct santa_store *s)
{
    struct sqlite_store *store = store_of(s);
    sqlite_store_pool_free(store->pool);
    sqlite_store_commits_free(store->commits);
    pthread_cond_destroy(&store->writers_turn);
    pthread_mutex_destroy(&store->writers_lock);
    santa_free(store);
}

/* The data directory, made if missing (santa/dir.h), and a directory. */
static bool make_dirs(const char *path, char *err, size_t errlen)
{
    if (!santa_mkdir_p("sqlite", path, err, errlen))
        return false;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "data directory %s is not a directory", path);
        return false;
    }
    return true;
}

/* Creates the file if needed (and create), switches it to WAL and migrates
 * the schema, on a connection used only for that. */
static enum santa_status prepare_database(const char *path, bool create, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    enum santa_status st = sqlite_store_connect(path, create, &db, err, errlen);
    if (st == SANTA_OK)
        st = sqlite_store_schema_migrate(db, err, errlen);
    sqlite3_close(db);
    return st;
}

enum santa_status sqlite_store_open(const struct sqlite_store_options *o, struct santa_store **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    if (!o || !o->data_dir) {
        snprintf(err, errlen, "no data directory given");
        return SANTA_UNAVAILABLE;
    }
    if (!sql_store_dialect_complete("sqlite", sqlite_store_sql)) {
        snprintf(err, errlen, "a statement has no SQLite text (a bug)");
        return SANTA_UNAVAILABLE;
    }
    if (!o->existing && !make_dirs(o->data_dir, err, errlen))
        return SANTA_UNAVAILABLE;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/santa.db", o->data_dir) >= sizeof path) {
        snprintf(err, errlen, "data directory path is too long");
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = prepare_database(path, !o->existing, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct sqlite_store *store = santa_calloc(1, sizeof *store);
    if (store) {
        store->pool = sqlite_store_pool_new(path, o->busy_timeout_ms);
        store->commits = sqlite_store_commits_new(path);
    }
    if (!store || !store->pool || !store->commits) {
        if (store) {
            sqlite_store_pool_free(store->pool);
            sqlite_store_commits_free(store->commits);
        }
        santa_free(store);
        snprintf(err, errlen, "out of memory (or out of thread keys) opening the store");
        return SANTA_UNAVAILABLE;
    }
    pthread_mutex_init(&store->writers_lock, NULL);
    pthread_cond_init(&store->writers_turn, NULL);
    store->base.base.ops = &sqlite_store_ops;
    store->base.driver = &sqlite_store_driver;
    santa_log(SANTA_LOG_INFO, "store sqlite: opened %s (schema version %d, SQLite %s)", path,
              sqlite_store_schema_version(), sqlite3_libversion());
    *out = &store->base.base;
    return SANTA_OK;
}

/* ---- the operations, in the order of struct santa_store_ops ------------- */

static void store_thread_stop(struct santa_store *s)
{
    sqlite_store_pool_thread_stop(store_of(s)->pool);
}

/* The driver of sql_store.h: how the operations run on SQLite. */
const struct sql_store_driver sqlite_store_driver = {
    .name = "sqlite",
    .schema_version = sqlite_store_schema_version,
    .run_op = run_op,
    .exec = sqlite_store_exec,
    .next_row = sqlite_store_next_row,
    .rows_clear = sqlite_store_rows_clear,
    .col = sqlite_store_col,
    .col_int = sqlite_store_col_int,
    .col_hash = sqlite_store_col_hash,
    .col_bool = sqlite_store_col_bool,
    .unique_violation = sqlite_store_unique_violation,
};

/* The operations are SQL's (sql_store.h); closing and a thread's end are
 * this driver's. */
static const struct santa_store_ops sqlite_store_ops = {
    .name = "sqlite",
    .close = store_close,
    .thread_stop = store_thread_stop,
    SQL_STORE_OPS_MEMBERS,
};
