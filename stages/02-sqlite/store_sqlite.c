/*
 * store_sqlite.c - the operations of stage 02's store over one SQLite file.
 *
 * Each operation takes the calling thread's connection from the pool
 * (store_sqlite_conn.c), runs the statements of store_sqlite_sql.h inside one
 * transaction, and translates SQLite's result codes into enum santa_status at
 * the end. Writes use BEGIN IMMEDIATE: the write lock is taken before the
 * first read, so "check, then write" (email taken? full? drawn?) cannot race
 * with another writer, and a waiting writer queues on the busy timeout
 * instead of failing with SQLITE_BUSY when it tries to upgrade a read
 * transaction. Reads that need several statements use a plain BEGIN so they
 * see one snapshot.
 */
#include "store_sqlite.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "store_sqlite_conn.h"
#include "store_sqlite_internal.h"
#include "store_sqlite_schema.h"

/* Defined at the end of the file, once every operation exists. */
static const struct santa_store_ops sqlite_store_ops;

struct sqlite_store {
    struct santa_store base;
    struct sqlite_store_pool *pool;
    atomic_uint_fast64_t busy; /* BEGINs that found the database locked */
};

static struct sqlite_store *store_of(struct santa_store *s)
{
    return (struct sqlite_store *)s;
}

struct sqlite_store_pool *sqlite_store_pool_of(struct santa_store *s)
{
    return store_of(s)->pool;
}

uint64_t sqlite_store_busy_count(struct santa_store *s)
{
    return atomic_load(&store_of(s)->busy);
}

/* ---- statements -------------------------------------------------------- */

/* A cached statement, ready to bind. Callers release() it before the
 * transaction ends: a statement left mid-way would pin its read snapshot. */
static sqlite3_stmt *use(struct sqlite_store_conn *c, enum sqlite_store_query q)
{
    return sqlite_store_conn_stmt(c, q);
}

/* Resets q and drops its bindings, which point into the caller's memory
 * (bound with SQLITE_STATIC: inputs are only borrowed for the call). */
static void release(sqlite3_stmt *q)
{
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

static bool bind_text(sqlite3_stmt *q, int i, const char *s)
{
    int rc = s ? sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
    return rc == SQLITE_OK;
}

static bool bind_hash(sqlite3_stmt *q, int i, const struct santa_hash *h)
{
    return sqlite3_bind_blob(q, i, h->b, SANTA_HASH_LEN, SQLITE_STATIC) == SQLITE_OK;
}

static bool bind_int(sqlite3_stmt *q, int i, int64_t v)
{
    return sqlite3_bind_int64(q, i, v) == SQLITE_OK;
}

/* Steps q once. *row tells a row from the end; any other result is a
 * failure, logged and translated. */
static enum santa_status step(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what,
                              bool *row)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *row = rc == SQLITE_ROW;
        return SANTA_OK;
    }
    return sqlite_store_conn_fail(c, what, rc);
}

/* Runs a statement that returns no rows (INSERT, UPDATE, DELETE). */
static enum santa_status run(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what)
{
    bool row;
    return step(c, q, what, &row);
}

static enum santa_status bind_failed(struct sqlite_store_conn *c, const char *what)
{
    return sqlite_store_conn_fail(c, what, sqlite3_errcode(sqlite_store_conn_db(c)));
}

static enum santa_status corrupt(const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store sqlite: %s: a row does not decode", what);
    return SANTA_UNAVAILABLE;
}

static enum santa_status no_memory(const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store sqlite: %s: out of memory", what);
    return SANTA_UNAVAILABLE;
}

/* ---- columns into model structs ---------------------------------------- */

/* Copies a text column into the arena; a NULL column gives NULL. */
static bool column_text(sqlite3_stmt *q, int col, struct santa_arena *a, const char **out)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    if (!t) {
        *out = NULL;
        /* NULL text from a non-NULL column means SQLite ran out of memory. */
        return sqlite3_column_type(q, col) == SQLITE_NULL;
    }
    *out = santa_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q, col));
    return *out != NULL;
}

static bool column_id(sqlite3_stmt *q, int col, char out[SANTA_ID_LEN + 1])
{
    const unsigned char *t = sqlite3_column_text(q, col);
    if (!t || sqlite3_column_bytes(q, col) != SANTA_ID_LEN)
        return false;
    memcpy(out, t, SANTA_ID_LEN);
    out[SANTA_ID_LEN] = '\0';
    return true;
}

static bool column_hash(sqlite3_stmt *q, int col, struct santa_hash *out)
{
    const void *b = sqlite3_column_blob(q, col);
    if (!b || sqlite3_column_bytes(q, col) != SANTA_HASH_LEN)
        return false;
    memcpy(out->b, b, SANTA_HASH_LEN);
    return true;
}

/* Columns: seq, id, name, email, email_key, wishlist, token_hash (the order
 * of PARTICIPANT_LIST and PARTICIPANT_GET). */
static enum santa_status read_participant(sqlite3_stmt *q, const char *exchange_id,
                                          struct santa_arena *a, struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    p->seq = (uint64_t)sqlite3_column_int64(q, 0);
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    if (!column_id(q, 1, p->id) || !column_hash(q, 6, &p->token_hash))
        return corrupt("participants");
    if (!column_text(q, 2, a, &p->name) || !column_text(q, 3, a, &p->email) ||
        !column_text(q, 4, a, &p->email_key) || !column_text(q, 5, a, &p->wishlist))
        return no_memory("reading a participant");
    if (!p->name || !p->email || !p->email_key || !p->wishlist)
        return corrupt("participants");
    return SANTA_OK;
}

/* ---- transactions ------------------------------------------------------ */

/* A pause before BEGIN is tried again: 10, 20, 40 ms plus up to as much
 * again, so writers that met the same lock do not come back together. */
static void busy_pause(int attempt)
{
    long ms = 10L << attempt;
    unsigned jitter = 0;
    sqlite3_randomness(sizeof jitter, &jitter); /* jitter only: no security meaning */
    ms += (long)(jitter % (unsigned)ms);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The calling thread's connection, inside a new transaction. BEGIN that
 * still finds the database locked after the busy timeout (a long writer
 * elsewhere: another process, a checkpoint) is tried again up to
 * SQLITE_STORE_BUSY_RETRIES times before the request gets 503; nothing has
 * happened yet at that point, so trying again is always safe. */
static enum santa_status tx_begin(struct santa_store *s, bool write, struct sqlite_store_conn **c)
{
    *c = NULL;
    struct sqlite_store_conn *conn;
    enum santa_status st = sqlite_store_pool_conn(store_of(s)->pool, &conn);
    if (st != SANTA_OK)
        return st;
    *c = conn;
    sqlite3_stmt *q = use(*c, write ? SQ_BEGIN_WRITE : SQ_BEGIN_READ);
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
                busy_pause(attempt);
                continue;
            }
        }
        st = sqlite_store_conn_fail(*c, what, rc);
        break;
    }
    release(q);
    return st;
}

/* Ends the transaction: COMMIT when st is SANTA_OK, else ROLLBACK, so a
 * refused check (EMAIL_TAKEN ...) leaves nothing behind. Returns st, or
 * SANTA_UNAVAILABLE when the commit failed (then nothing was written). */
static enum santa_status tx_end(struct sqlite_store_conn *c, enum santa_status st)
{
    if (st == SANTA_OK) {
        sqlite3_stmt *q = use(c, SQ_COMMIT);
        st = q ? run(c, q, "COMMIT") : SANTA_UNAVAILABLE;
        release(q);
        if (st == SANTA_OK)
            return st;
    }
    /* Some errors (SQLITE_FULL, IOERR, BUSY mid-statement) roll back on
     * their own; ROLLBACK then has nothing to do and would only fail. */
    if (!sqlite3_get_autocommit(sqlite_store_conn_db(c))) {
        sqlite3_stmt *q = use(c, SQ_ROLLBACK);
        if (!q || run(c, q, "ROLLBACK") != SANTA_OK)
            santa_log(SANTA_LOG_ERROR, "store sqlite: ROLLBACK failed; the connection may be "
                                       "left inside a transaction");
        release(q);
    }
    return st;
}

/* ---- shared checks ----------------------------------------------------- */

/* What the write operations check about an exchange before they change it. */
struct exchange_state {
    bool no_mutual;
    bool drawn;
    int64_t participants;
};

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL when only existence matters). */
static enum santa_status exchange_state(struct sqlite_store_conn *c, const char *id,
                                        struct exchange_state *out)
{
    sqlite3_stmt *q = use(c, SQ_EXCHANGE_STATE);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    if (!bind_text(q, 1, id))
        st = bind_failed(c, "exchange state");
    else
        st = step(c, q, "exchange state", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && out) {
        out->no_mutual = sqlite3_column_int(q, 0) != 0;
        out->drawn = sqlite3_column_int(q, 1) != 0;
        out->participants = sqlite3_column_int64(q, 2);
    }
    release(q);
    return st;
}

/* SANTA_OK with *found: does a statement with (exchange_id, other) as ?1, ?2
 * return a row? */
static enum santa_status exists2(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                 const char *exchange_id, const char *other, bool *found)
{
    sqlite3_stmt *q = use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, other))
        st = bind_failed(c, sqlite_store_sql_name[which]);
    else
        st = step(c, q, sqlite_store_sql_name[which], found);
    release(q);
    return st;
}

/* ---- open / close ------------------------------------------------------ */

static void store_close(struct santa_store *s)
{
    struct sqlite_store *ss = store_of(s);
    sqlite_store_pool_free(ss->pool);
    santa_free(ss);
}


/* mkdir -p, one component at a time; 0700 because the database holds
 * names and emails. */
static bool make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, errlen, "data directory path is empty or too long");
        return false;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create data directory %s: %s", buf, strerror(errno));
            return false;
        }
        buf[i] = saved;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "data directory %s is not a directory", path);
        return false;
    }
    return true;
}

/* Creates the file if needed, switches it to WAL and migrates the schema,
 * on a connection used only for that. */
static enum santa_status prepare_database(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    enum santa_status st = sqlite_store_db_open(path, true, &db, err, errlen);
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
    if (!make_dirs(o->data_dir, err, errlen))
        return SANTA_UNAVAILABLE;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/santa.db", o->data_dir) >= sizeof path) {
        snprintf(err, errlen, "data directory path is too long");
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = prepare_database(path, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct sqlite_store *ss = santa_calloc(1, sizeof *ss);
    if (ss)
        ss->pool = sqlite_store_pool_new(path, o->busy_timeout_ms);
    if (!ss || !ss->pool) {
        santa_free(ss);
        snprintf(err, errlen, "out of memory (or out of thread keys) opening the store");
        return SANTA_UNAVAILABLE;
    }
    ss->base.ops = &sqlite_store_ops;
    santa_log(SANTA_LOG_INFO, "store sqlite: opened %s (schema version %d, SQLite %s)", path,
              sqlite_store_schema_version(), sqlite3_libversion());
    *out = &ss->base;
    return SANTA_OK;
}

/* ---- the operations, in the order of struct santa_store_ops ------------- */

static void store_thread_stop(struct santa_store *s)
{
    sqlite_store_pool_thread_stop(store_of(s)->pool);
}

static enum santa_status store_ping(struct santa_store *s)
{
    struct sqlite_store_conn *c;
    enum santa_status st = sqlite_store_pool_conn(store_of(s)->pool, &c);
    if (st != SANTA_OK)
        return st;
    /* Reads the database header: proves the file is there and readable, and
     * that nobody swapped in a schema this program does not know. */
    sqlite3_stmt *q = use(c, SQ_USER_VERSION);
    if (!q)
        return SANTA_UNAVAILABLE;
    bool row = false;
    st = step(c, q, "ping", &row);
    if (st == SANTA_OK && (!row || sqlite3_column_int(q, 0) != sqlite_store_schema_version())) {
        santa_log(SANTA_LOG_ERROR, "store sqlite: ping: unexpected schema version");
        st = SANTA_UNAVAILABLE;
    }
    release(q);
    return st;
}

static enum santa_status exchange_create_tx(struct sqlite_store_conn *c,
                                             const struct santa_exchange *ex)
{
    sqlite3_stmt *q = use(c, SQ_EXCHANGE_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    /* drawn is always 0 in the SQL: a new exchange is open, whatever the
     * caller set. */
    if (!bind_text(q, 1, ex->id) || !bind_text(q, 2, ex->name) || !bind_text(q, 3, ex->budget) ||
        !bind_text(q, 4, ex->exchange_date) || !bind_int(q, 5, ex->no_mutual) ||
        !bind_hash(q, 6, &ex->admin_hash) || !bind_hash(q, 7, &ex->invite_hash))
        st = bind_failed(c, "exchange create");
    else
        st = run(c, q, "exchange create");
    release(q);
    return st;
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = exchange_create_tx(c, ex);
    return c ? tx_end(c, st) : st;
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct sqlite_store_conn *c;
    enum santa_status st = sqlite_store_pool_conn(store_of(s)->pool, &c);
    if (st != SANTA_OK)
        return st;
    /* One statement, one row (the count is kept in it): no transaction
     * needed. */
    sqlite3_stmt *q = use(c, SQ_EXCHANGE_GET);
    if (!q)
        return SANTA_UNAVAILABLE;
    bool row = false;
    if (!bind_text(q, 1, id))
        st = bind_failed(c, "exchange get");
    else
        st = step(c, q, "exchange get", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct santa_exchange ex;
        memset(&ex, 0, sizeof ex);
        memcpy(ex.id, id, SANTA_ID_LEN + 1);
        const char *date = NULL;
        if (!column_text(q, 0, a, &ex.name) || !column_text(q, 1, a, &ex.budget) ||
            !column_text(q, 2, a, &date))
            st = no_memory("reading an exchange");
        else if (!ex.name || !date || strlen(date) > SANTA_DATE_LEN ||
                 !column_hash(q, 5, &ex.admin_hash) || !column_hash(q, 6, &ex.invite_hash))
            st = corrupt("exchanges");
        if (st == SANTA_OK) {
            memcpy(ex.exchange_date, date, strlen(date) + 1);
            ex.no_mutual = sqlite3_column_int(q, 3) != 0;
            ex.drawn = sqlite3_column_int(q, 4) != 0;
            ex.participant_count = (uint32_t)sqlite3_column_int64(q, 7);
            *out = ex;
        }
    }
    release(q);
    return st;
}

/* Looks up one hash with ADMIN_FIND or TOKEN_FIND. */
static enum santa_status find_hash(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                   const struct santa_hash *h, struct santa_principal *out,
                                   bool *found)
{
    sqlite3_stmt *q = use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!bind_hash(q, 1, h))
        st = bind_failed(c, "principal find");
    else
        st = step(c, q, "principal find", found);
    if (st == SANTA_OK && *found) {
        memset(out, 0, sizeof *out);
        if (which == SQ_ADMIN_FIND) {
            out->role = SANTA_ROLE_ADMIN;
            if (!column_id(q, 0, out->exchange_id))
                st = corrupt("exchanges");
        } else {
            out->role = SANTA_ROLE_PARTICIPANT;
            if (!column_id(q, 0, out->exchange_id) || !column_id(q, 1, out->participant_id))
                st = corrupt("participants");
        }
    }
    release(q);
    return st;
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct sqlite_store_conn *c;
    enum santa_status st = sqlite_store_pool_conn(store_of(s)->pool, &c);
    if (st != SANTA_OK)
        return st;
    /* Both lookups are single index probes on a UNIQUE hash. A token lives
     * in exactly one place and is never moved, so no snapshot is needed to
     * join the two answers. */
    bool found = false;
    st = find_hash(c, SQ_ADMIN_FIND, token_hash, out, &found);
    if (st == SANTA_OK && !found)
        st = find_hash(c, SQ_TOKEN_FIND, token_hash, out, &found);
    if (st == SANTA_OK && !found)
        st = SANTA_NOT_FOUND;
    return st;
}

static enum santa_status participant_add_tx(struct sqlite_store_conn *c,
                                            const struct santa_participant *p,
                                            uint32_t max_participants, uint64_t *seq)
{
    const char *email_key = p->email_key ? p->email_key : "";
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, p->exchange_id, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    bool taken = false;
    st = exists2(c, SQ_EMAIL_TAKEN, p->exchange_id, email_key, &taken);
    if (st != SANTA_OK)
        return st;
    if (taken)
        return SANTA_EMAIL_TAKEN;
    if (ex.participants >= (int64_t)max_participants)
        return SANTA_EXCHANGE_FULL;

    sqlite3_stmt *q = use(c, SQ_PARTICIPANT_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!bind_text(q, 1, p->id) || !bind_text(q, 2, p->exchange_id) ||
        !bind_text(q, 3, p->name) || !bind_text(q, 4, p->email) || !bind_text(q, 5, email_key) ||
        !bind_text(q, 6, p->wishlist ? p->wishlist : "") || !bind_hash(q, 7, &p->token_hash))
        st = bind_failed(c, "participant add");
    else
        st = run(c, q, "participant add");
    release(q);
    if (st == SANTA_OK)
        *seq = (uint64_t)sqlite3_last_insert_rowid(sqlite_store_conn_db(c));
    return st;
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    uint64_t seq = 0;
    if (st == SANTA_OK)
        st = participant_add_tx(c, p, max_participants, &seq);
    if (c)
        st = tx_end(c, st);
    /* Only an acknowledged (committed) join gets its seq. */
    if (st == SANTA_OK)
        p->seq = seq;
    return st;
}

static enum santa_status participant_list_tx(struct sqlite_store_conn *c, const char *exchange_id,
                                             uint64_t after_seq, uint32_t limit,
                                             struct santa_arena *a,
                                             struct santa_participant_page *out)
{
    enum santa_status st = exchange_state(c, exchange_id, NULL);
    if (st != SANTA_OK || limit == 0)
        return st;
    sqlite3_stmt *q = use(c, SQ_PARTICIPANT_LIST);
    if (!q)
        return SANTA_UNAVAILABLE;
    /* seq is a SQLite integer (signed 64-bit): anything above is "after
     * everyone". One row more than asked tells whether more follow. */
    int64_t after = after_seq > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)after_seq;
    uint32_t cap = limit < 64 ? limit : 64;
    out->items = santa_arena_alloc(a, cap * sizeof *out->items);
    if (!out->items) {
        release(q);
        return no_memory("listing participants");
    }
    if (!bind_text(q, 1, exchange_id) || !bind_int(q, 2, after) ||
        !bind_int(q, 3, (int64_t)limit + 1)) {
        st = bind_failed(c, "participant list");
        release(q);
        return st;
    }
    bool row = true;
    while (st == SANTA_OK) {
        st = step(c, q, "participant list", &row);
        if (st != SANTA_OK || !row)
            break;
        if (out->count == limit) {
            out->next_seq = out->items[out->count - 1].seq;
            break;
        }
        if (out->count == cap) {
            /* Grow inside the arena: the old block stays until the arena is
             * released, bounded by doubling to at most twice the page. */
            uint32_t ncap = cap * 2 < limit ? cap * 2 : limit;
            struct santa_participant *items = santa_arena_alloc(a, ncap * sizeof *items);
            if (!items) {
                st = no_memory("listing participants");
                break;
            }
            memcpy(items, out->items, out->count * sizeof *items);
            out->items = items;
            cap = ncap;
        }
        st = read_participant(q, exchange_id, a, &out->items[out->count]);
        if (st == SANTA_OK)
            out->count++;
    }
    release(q);
    return st;
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    memset(out, 0, sizeof *out);
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, false, &c);
    if (st == SANTA_OK)
        st = participant_list_tx(c, exchange_id, after_seq, limit, a, out);
    if (c)
        st = tx_end(c, st);
    if (st != SANTA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* One participant of this exchange, by id. */
static enum santa_status participant_read(struct sqlite_store_conn *c, const char *exchange_id,
                                          const char *participant_id, struct santa_arena *a,
                                          struct santa_participant *out)
{
    sqlite3_stmt *q = use(c, SQ_PARTICIPANT_GET);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    bool row = false;
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, participant_id))
        st = bind_failed(c, "participant get");
    else
        st = step(c, q, "participant get", &row);
    if (st == SANTA_OK && !row)
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = read_participant(q, exchange_id, a, out);
    release(q);
    return st;
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct sqlite_store_conn *c;
    enum santa_status st = sqlite_store_pool_conn(store_of(s)->pool, &c);
    if (st != SANTA_OK)
        return st;
    return participant_read(c, exchange_id, participant_id, a, out);
}

/* Runs a statement binding (exchange_id, participant_id[, text]) that
 * changes at most one participant; NOT_FOUND when it changed none. */
static enum santa_status change_participant(struct sqlite_store_conn *c,
                                            enum sqlite_store_query which,
                                            const char *exchange_id, const char *participant_id,
                                            const char *text)
{
    sqlite3_stmt *q = use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, participant_id) ||
        (text && !bind_text(q, 3, text)))
        st = bind_failed(c, sqlite_store_sql_name[which]);
    else
        st = run(c, q, sqlite_store_sql_name[which]);
    release(q);
    if (st == SANTA_OK && sqlite3_changes(sqlite_store_conn_db(c)) == 0)
        st = SANTA_NOT_FOUND;
    return st;
}

static enum santa_status participant_remove_tx(struct sqlite_store_conn *c,
                                               const char *exchange_id,
                                               const char *participant_id)
{
    struct exchange_state ex;
    bool found = false;
    enum santa_status st = exchange_state(c, exchange_id, &ex);
    if (st == SANTA_OK)
        st = exists2(c, SQ_PARTICIPANT_EXISTS, exchange_id, participant_id, &found);
    if (st != SANTA_OK)
        return st;
    if (!found)
        return SANTA_NOT_FOUND;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    /* The foreign keys cascade to the exclusions and outbox rows naming
     * them, in this same transaction. */
    return change_participant(c, SQ_PARTICIPANT_DELETE, exchange_id, participant_id, NULL);
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = participant_remove_tx(c, exchange_id, participant_id);
    return c ? tx_end(c, st) : st;
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = change_participant(c, SQ_WISHLIST_SET, exchange_id, participant_id,
                                wishlist ? wishlist : "");
    return c ? tx_end(c, st) : st;
}

static enum santa_status insert_exclusion(struct sqlite_store_conn *c, const char *exchange_id,
                                          const char *giver_id, const char *receiver_id)
{
    sqlite3_stmt *q = use(c, SQ_EXCLUSION_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st;
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, giver_id) ||
        !bind_text(q, 3, receiver_id))
        st = bind_failed(c, "exclusion add");
    else
        st = run(c, q, "exclusion add"); /* OR IGNORE: an existing one is a no-op */
    release(q);
    return st;
}

static enum santa_status exclusion_add_tx(struct sqlite_store_conn *c, const char *exchange_id,
                                          const char *giver_id, const char *receiver_id,
                                          bool mutual)
{
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, exchange_id, &ex);
    bool giver = false, receiver = false;
    if (st == SANTA_OK)
        st = exists2(c, SQ_PARTICIPANT_EXISTS, exchange_id, giver_id, &giver);
    if (st == SANTA_OK)
        st = exists2(c, SQ_PARTICIPANT_EXISTS, exchange_id, receiver_id, &receiver);
    if (st != SANTA_OK)
        return st;
    if (!giver || !receiver)
        return SANTA_NOT_FOUND;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    st = insert_exclusion(c, exchange_id, giver_id, receiver_id);
    if (st == SANTA_OK && mutual && strcmp(giver_id, receiver_id) != 0)
        st = insert_exclusion(c, exchange_id, receiver_id, giver_id);
    return st;
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = exclusion_add_tx(c, exchange_id, giver_id, receiver_id, mutual);
    return c ? tx_end(c, st) : st;
}

/* ---- the draw ---------------------------------------------------------- */

/* Feeds the plan every row of a two-text-column query on exchange_id:
 * participants (id, name) or exclusions (giver, receiver). */
static enum santa_status feed_plan(struct sqlite_store_conn *c, enum sqlite_store_query which,
                                   const char *exchange_id, struct santa_draw_plan *plan)
{
    sqlite3_stmt *q = use(c, which);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st = SANTA_OK;
    if (!bind_text(q, 1, exchange_id))
        st = bind_failed(c, sqlite_store_sql_name[which]);
    bool row = true;
    while (st == SANTA_OK) {
        st = step(c, q, sqlite_store_sql_name[which], &row);
        if (st != SANTA_OK || !row)
            break;
        const char *a = (const char *)sqlite3_column_text(q, 0);
        const char *b = (const char *)sqlite3_column_text(q, 1);
        if (!a || !b) {
            st = corrupt(sqlite_store_sql_name[which]);
            break;
        }
        /* The plan copies what it is given, so SQLite's buffers may move. */
        st = which == SQ_DRAW_PARTICIPANTS ? santa_draw_plan_add_participant(plan, a, b)
                                           : santa_draw_plan_add_exclusion(plan, a, b);
        if (st != SANTA_OK)
            santa_log(SANTA_LOG_ERROR, "store sqlite: draw plan: %s", santa_status_code(st));
    }
    release(q);
    return st;
}

static enum santa_status write_assignments(struct sqlite_store_conn *c, const char *exchange_id,
                                           const struct santa_draw_plan *plan)
{
    sqlite3_stmt *q = use(c, SQ_ASSIGNMENT_INSERT);
    if (!q)
        return SANTA_UNAVAILABLE;
    enum santa_status st = SANTA_OK;
    uint32_t n = santa_draw_plan_count(plan);
    for (uint32_t i = 0; i < n && st == SANTA_OK; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, giver) ||
            !bind_text(q, 3, recipient))
            st = bind_failed(c, "assignment insert");
        else
            st = run(c, q, "assignment insert");
        sqlite3_reset(q);
    }
    release(q);
    return st;
}

static enum santa_status draw_tx(struct sqlite_store_conn *c, const char *exchange_id,
                                 struct santa_draw_plan *plan)
{
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, exchange_id, &ex);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(plan, ex.no_mutual);
    st = feed_plan(c, SQ_DRAW_PARTICIPANTS, exchange_id, plan); /* join order */
    if (st == SANTA_OK)
        st = feed_plan(c, SQ_DRAW_EXCLUSIONS, exchange_id, plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(plan);
    if (st == SANTA_OK)
        st = write_assignments(c, exchange_id, plan);
    if (st != SANTA_OK)
        return st;
    sqlite3_stmt *q = use(c, SQ_EXCHANGE_SET_DRAWN);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!bind_text(q, 1, exchange_id) || !bind_int(q, 2, 1))
        st = bind_failed(c, "draw");
    else
        st = run(c, q, "draw");
    release(q);
    return st;
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    /* The write lock is held from the "drawn?" check to the commit, so two
     * concurrent draws cannot both win: the second waits, then sees drawn. */
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = draw_tx(c, exchange_id, plan);
    return c ? tx_end(c, st) : st;
}

static enum santa_status undraw_tx(struct sqlite_store_conn *c, const char *exchange_id)
{
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, exchange_id, &ex);
    if (st != SANTA_OK || !ex.drawn)
        return st; /* reopening an open exchange is a no-op */
    sqlite3_stmt *q = use(c, SQ_ASSIGNMENTS_DELETE);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!bind_text(q, 1, exchange_id))
        st = bind_failed(c, "undraw");
    else
        st = run(c, q, "undraw");
    release(q);
    if (st != SANTA_OK)
        return st;
    q = use(c, SQ_EXCHANGE_SET_DRAWN);
    if (!q)
        return SANTA_UNAVAILABLE;
    if (!bind_text(q, 1, exchange_id) || !bind_int(q, 2, 0))
        st = bind_failed(c, "undraw");
    else
        st = run(c, q, "undraw");
    release(q);
    return st;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = undraw_tx(c, exchange_id);
    return c ? tx_end(c, st) : st;
}

static enum santa_status assignment_get_tx(struct sqlite_store_conn *c, const char *exchange_id,
                                           const char *giver_id, struct santa_arena *a,
                                           struct santa_assignment *out)
{
    struct exchange_state ex;
    enum santa_status st = exchange_state(c, exchange_id, &ex);
    struct santa_participant giver;
    if (st == SANTA_OK)
        st = participant_read(c, exchange_id, giver_id, a, &giver);
    if (st != SANTA_OK)
        return st;
    if (!ex.drawn)
        return SANTA_NOT_DRAWN;

    sqlite3_stmt *q = use(c, SQ_ASSIGNMENT_GET);
    if (!q)
        return SANTA_UNAVAILABLE;
    bool row = false;
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, giver_id))
        st = bind_failed(c, "assignment get");
    else
        st = step(c, q, "assignment get", &row);
    if (st == SANTA_OK && !row) {
        /* Joins stop at the draw, so a drawn giver always has one: this
         * database has been damaged. */
        santa_log(SANTA_LOG_ERROR, "store sqlite: drawn exchange %s has no assignment for %s",
                  exchange_id, giver_id);
        st = SANTA_UNAVAILABLE;
    }
    if (st == SANTA_OK) {
        memset(out, 0, sizeof *out);
        memcpy(out->giver_id, giver.id, SANTA_ID_LEN + 1);
        out->giver_name = giver.name;
        if (!column_id(q, 0, out->recipient_id))
            st = corrupt("assignments");
        else if (!column_text(q, 1, a, &out->recipient_name) ||
                 !column_text(q, 2, a, &out->recipient_wishlist))
            st = no_memory("reading an assignment");
        else if (!out->recipient_name || !out->recipient_wishlist)
            st = corrupt("participants");
    }
    release(q);
    return st;
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct sqlite_store_conn *c = NULL;
    enum santa_status st = tx_begin(s, false, &c);
    if (st == SANTA_OK)
        st = assignment_get_tx(c, exchange_id, giver_id, a, out);
    return c ? tx_end(c, st) : st;
}

static enum santa_status reminders_queue_tx(struct sqlite_store_conn *c, const char *exchange_id,
                                            uint32_t *queued)
{
    enum santa_status st = exchange_state(c, exchange_id, NULL);
    if (st != SANTA_OK)
        return st;
    sqlite3_stmt *q = use(c, SQ_REMINDERS_QUEUE);
    if (!q)
        return SANTA_UNAVAILABLE;
    /* The request's trace context travels with each job, so the worker's
     * spans join the request's trace. */
    char tp[56];
    bool traced = inst_trace_current_traceparent(tp);
    if (!bind_text(q, 1, exchange_id) || !bind_text(q, 2, traced ? tp : NULL))
        st = bind_failed(c, "reminders queue");
    else
        st = run(c, q, "reminders queue"); /* one INSERT ... SELECT: all or none */
    release(q);
    if (st == SANTA_OK)
        *queued = (uint32_t)sqlite3_changes(sqlite_store_conn_db(c));
    return st;
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct sqlite_store_conn *c = NULL;
    uint32_t n = 0;
    *queued = 0;
    enum santa_status st = tx_begin(s, true, &c);
    if (st == SANTA_OK)
        st = reminders_queue_tx(c, exchange_id, &n);
    if (c)
        st = tx_end(c, st);
    if (st == SANTA_OK)
        *queued = n;
    return st;
}

static const struct santa_store_ops sqlite_store_ops = {
    .name = "sqlite",
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
