/*
 * sql_store.h - the operations of a SQL store, written once over a driver.
 *
 * Stage 02 brings SQL in; stage 03 swaps the database under it. What the
 * swap changes is the driver: how a connection is held, how a statement is
 * sent and its rows read, how a transaction is run and what is retried, and
 * the dialect of each statement (sql_store_query.h). What it does not change
 * is the operations: which statements an operation runs, in which kind of
 * transaction, and how their rows become model values. Those live here,
 * once: sql_store_exchange.c, _participant.c, _draw.c, _batch.c and
 * _outbox.c, over the helpers of sql_store_rows.c. store_sqlite*.c (this
 * stage) and stages/03-postgres/store_postgres*.c are the two drivers, cut
 * into files of the same roles, so tools/stage-diff 02-sqlite 03-postgres
 * shows only what the back end changes.
 *
 * A driver's store embeds struct sql_store first (and so santa_store), and
 * its connections embed struct sql_store_conn first: an operation reaches
 * the driver through either.
 *
 * Every operation is a function of one connection and a context (an
 * sql_store_op_fn) run by sql_store_run_op(), which hands it to the
 * driver's runner: the driver owns the connection, the transaction and the
 * retries.
 */
#ifndef SANTA_SQL_STORE_H
#define SANTA_SQL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/model.h"
#include "santa/status.h"
#include "santa/store.h"
#include "santa/store_args.h"
#include "santa/store_rules.h"
#include "sql_store_query.h"

/* How an operation's statements are wrapped. The kind says what the
 * operation needs; each driver's runner decides what that costs. */
enum sql_store_tx {
    SQL_TX_NONE,      /* one statement that reads: atomic, one snapshot */
    SQL_TX_READ,      /* several reads that must see one snapshot */
    SQL_TX_WRITE,     /* reads and writes that must commit together */
    SQL_TX_WRITE_ONE, /* one statement that writes, harmless to send twice */
};

/* ---- parameters -------------------------------------------------------- */

#define SQL_STORE_MAX_PARAMS 8

enum sql_store_param_kind {
    SQL_PARAM_TEXT, /* values[i], NUL-terminated; NULL: SQL NULL */
    SQL_PARAM_HASH, /* values[i], SANTA_HASH_LEN bytes: a blob / bytea */
    SQL_PARAM_INT,  /* ints[i] */
    SQL_PARAM_BOOL, /* ints[i], 0 or 1 */
};

/* Parameters of one statement, in order ($1, $2, ...). Text and
 * hashes are borrowed (they must outlive the call); integers are kept in the
 * struct itself. It lives on the caller's stack: no allocation per query. */
struct sql_store_params {
    int n;
    bool overflow; /* a parameter past SQL_STORE_MAX_PARAMS (a bug: refused) */
    const void *values[SQL_STORE_MAX_PARAMS];
    int64_t ints[SQL_STORE_MAX_PARAMS];
    unsigned char kinds[SQL_STORE_MAX_PARAMS]; /* enum sql_store_param_kind */
};

/* Appends a text parameter (NULL is SQL NULL). */
void sql_store_param_text(struct sql_store_params *p, const char *s);
/* Appends a 32-byte hash as binary. */
void sql_store_param_hash(struct sql_store_params *p, const struct santa_hash *h);
void sql_store_param_int(struct sql_store_params *p, int64_t v);
void sql_store_param_bool(struct sql_store_params *p, bool v);

/* ---- the driver -------------------------------------------------------- */

struct sql_store_driver;

/* The head of a driver's connection. */
struct sql_store_conn {
    const struct sql_store_driver *driver;
};

/* The head of a driver's store. */
struct sql_store {
    struct santa_store base;
    const struct sql_store_driver *driver;
};

/* The rows of one statement, read one at a time. A driver keeps its cursor
 * here (SQLite: the statement being stepped; libpq: the whole result and an
 * index into it). Clear them, whatever the status, before the operation
 * returns. */
struct sql_store_rows {
    struct sql_store_conn *c;
    enum sql_store_query q;
    void *cursor;    /* the driver's; NULL once cleared or when the run failed */
    int row, n;      /* the driver's position, where it counts rows */
    bool on_row;     /* standing on a row */
    int64_t changed; /* rows an INSERT, UPDATE or DELETE changed */
};

typedef enum santa_status (*sql_store_op_fn)(struct sql_store_conn *c, void *ctx);

struct sql_store_driver {
    const char *name; /* "sqlite": in logs and corruption reports */
    /* The migration this program expects the database at. */
    int (*schema_version)(void);
    /* Runs fn on the calling thread's connection inside tx: COMMIT when it
     * returns SANTA_OK, else ROLLBACK (a refusal leaves nothing behind).
     * resolve (NULL: none) answers, on a fresh connection, whether a write
     * whose outcome a lost connection hid did commit (SANTA_OK: it did,
     * SANTA_NOT_FOUND: it did not); a driver whose COMMIT cannot be lost
     * unseen never calls it. */
    enum santa_status (*run_op)(struct santa_store *s, enum sql_store_tx tx, sql_store_op_fn fn,
                                sql_store_op_fn resolve, void *ctx);
    /* Runs q with p (NULL: none) and stands on its first row, if any; sets
     * r->changed. Errors: SANTA_UNAVAILABLE (logged). */
    enum santa_status (*exec)(struct sql_store_conn *c, enum sql_store_query q,
                              const struct sql_store_params *p, struct sql_store_rows *r);
    enum santa_status (*next_row)(struct sql_store_rows *r);
    void (*rows_clear)(struct sql_store_rows *r);
    /* Columns of the current row. col: a text view (NULL text for SQL NULL),
     * valid until the next row or the clear; false when the driver ran out
     * of memory. col_int, col_hash: false when the value is not one. */
    bool (*col)(const struct sql_store_rows *r, int col, struct santa_col *out);
    bool (*col_int)(const struct sql_store_rows *r, int col, int64_t *out);
    bool (*col_hash)(const struct sql_store_rows *r, int col, struct santa_hash *out);
    bool (*col_bool)(const struct sql_store_rows *r, int col);
    /* Did the last failed statement on c break a unique index? */
    bool (*unique_violation)(const struct sql_store_conn *c);
};

/* ---- sql_store_rows.c: running, columns, the checks every operation makes */

/* s's driver runs fn (see run_op above). */
enum santa_status sql_store_run_op(struct santa_store *s, enum sql_store_tx tx, sql_store_op_fn fn,
                                   void *ctx);
enum santa_status sql_store_run_op_resolved(struct santa_store *s, enum sql_store_tx tx,
                                            sql_store_op_fn fn, sql_store_op_fn resolve, void *ctx);
/* The driver's name, for santa_store_corrupt() and logs. */
const char *sql_store_name(const struct sql_store_conn *c);

/* Runs q with p (NULL: none) and stands on its first row, if any. Clear r
 * afterwards, whatever the status. Errors: SANTA_UNAVAILABLE (logged). */
enum santa_status sql_store_exec_rows(struct sql_store_conn *c, enum sql_store_query q,
                                      const struct sql_store_params *p, struct sql_store_rows *r);
bool sql_store_has_row(const struct sql_store_rows *r);
/* Moves to the next row (has_row() tells whether there is one). */
enum santa_status sql_store_next_row(struct sql_store_rows *r);
void sql_store_rows_clear(struct sql_store_rows *r);
/* Runs q and drops its result (commands). */
enum santa_status sql_store_exec_cmd(struct sql_store_conn *c, enum sql_store_query q,
                                     const struct sql_store_params *p);
/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status sql_store_exec_count(struct sql_store_conn *c, enum sql_store_query q,
                                       const struct sql_store_params *p, int64_t *changed);
/* Did the statement that just failed on c break a unique index? */
bool sql_store_unique_violation(const struct sql_store_conn *c);

/* Columns of the current row into model values. col_text copies into the
 * arena (SQL NULL gives NULL; false when out of memory); col_id, col_int and
 * col_hash check the value. */
bool sql_store_col(const struct sql_store_rows *r, int col, struct santa_col *out);
bool sql_store_col_text(const struct sql_store_rows *r, int col, struct santa_arena *a,
                        const char **out);
bool sql_store_col_id(const struct sql_store_rows *r, int col, char out[SANTA_ID_LEN + 1]);
bool sql_store_col_bool(const struct sql_store_rows *r, int col);
bool sql_store_col_int(const struct sql_store_rows *r, int col, int64_t *out);
bool sql_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out);
/* The current row of PARTICIPANT_LIST or PARTICIPANT_GET into *p. */
enum santa_status sql_store_read_participant(const struct sql_store_rows *r,
                                             const char *exchange_id, struct santa_arena *a,
                                             struct santa_participant *p);

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL). lock: the caller goes on to write, so the state must not change
 * before the commit (EXCHANGE_LOCK, where reads use EXCHANGE_STATE). */
enum santa_status sql_store_exchange_state(struct sql_store_conn *c, const char *id, bool lock,
                                           struct santa_exchange_state *out);
/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status sql_store_exists2(struct sql_store_conn *c, enum sql_store_query q,
                                    const char *exchange_id, const char *other, bool *found);
/* One participant of this exchange, by id (NOT_FOUND when absent). */
enum santa_status sql_store_participant_read(struct sql_store_conn *c, const char *exchange_id,
                                             const char *participant_id, struct santa_arena *a,
                                             struct santa_participant *out);
/* true when every statement has exactly one text: in the dialect sql or
 * in sql_store_query_portable, not both; else logs which one has none or
 * two (a bug: the driver refuses to open). */
bool sql_store_dialect_complete(const char *driver, const char *const sql[SQL_Q_COUNT]);
/* The ops table's ping: the database answers, at the schema this program
 * knows. */
enum santa_status sql_store_ping(struct santa_store *s);

/* ---- the operations, by group (see struct santa_store_ops) -------------- */

/* sql_store_exchange_create, _exchange_get, _principal_find in
 * sql_store_exchange.c; _participant_add to _exclusion_add in
 * sql_store_participant.c; _draw, _undraw, _assignment_get,
 * _reminders_queue in sql_store_draw.c. A driver's ops table names them. */
SANTA_STORE_OPS_DECLARE(sql_store)
/* Optional, for GET /metrics: the outbox rows still to send (sql_store_draw.c). */
santa_store_reminders_pending_fn sql_store_reminders_pending;

/* The members of a driver's ops table that are the same for every SQL
 * back end: all but name, close and thread_stop, which are the driver's.
 *   static const struct santa_store_ops x_ops = {.name = "x", .close = ...,
 *       .thread_stop = ..., SQL_STORE_OPS_MEMBERS};
 */
/* Kept as written: clang-format would break the list after the ")". */
// clang-format off
#define SQL_STORE_OP_MEMBER_(prefix, member) .member = prefix##_##member,
#define SQL_STORE_OPS_MEMBERS                                                                      \
    SANTA_STORE_DATA_OPS(SQL_STORE_OP_MEMBER_, sql_store)                                          \
    .reminders_pending = sql_store_reminders_pending, .ping = sql_store_ping
// clang-format on

#endif /* SANTA_SQL_STORE_H */
