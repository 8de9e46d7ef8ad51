/*
 * store_sqlite_ops.h - what the files of stage 02's store share.
 *
 * Internal to the store. store_sqlite.c holds the store itself (its struct,
 * the transaction runner, open and close, the ops table);
 * store_sqlite_rows.c the statement and column helpers and the checks every
 * operation makes; the operations live by group in store_sqlite_exchange.c,
 * store_sqlite_participant.c and store_sqlite_draw.c. Stage 03 cuts its
 * store the same way, file for file and function for function, so
 * tools/stage-diff 02-sqlite 03-postgres shows only what the back end
 * changes.
 *
 * Every operation is a function of one connection and a context (an op_fn)
 * run by sqlite_store_run_op(), which owns the connection, the transaction
 * and the retries.
 */
#ifndef SANTA_STORE_SQLITE_OPS_H
#define SANTA_STORE_SQLITE_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/model.h"
#include "santa/status.h"
#include "santa/store.h"
#include "santa/store_args.h"
#include "santa/store_rules.h"
#include "store_sqlite_conn.h"

/* How an operation's statements are wrapped. */
enum sqlite_store_tx {
    SQLITE_TX_NONE,  /* one statement: atomic and one snapshot on its own */
    SQLITE_TX_READ,  /* BEGIN: several reads see one snapshot */
    SQLITE_TX_WRITE, /* BEGIN IMMEDIATE, queued behind this process's writers */
};

typedef enum santa_status (*sqlite_store_op_fn)(struct sqlite_store_conn *c, void *ctx);

/* Runs fn on the calling thread's connection inside tx; COMMIT when it
 * returns SANTA_OK, else ROLLBACK (a refusal leaves nothing behind). */
enum santa_status sqlite_store_run_op(struct santa_store *s, enum sqlite_store_tx tx,
                                      sqlite_store_op_fn fn, void *ctx);

/* ---- store_sqlite_rows.c: statements, columns, shared checks ----------- */

/* The rows of one statement, read one at a time. SQLite steps them out of
 * the cached statement; callers clear them before the transaction ends (a
 * statement left mid-way would pin its read snapshot). */
struct sqlite_store_rows {
    struct sqlite_store_conn *c;
    sqlite3_stmt *stmt; /* NULL once cleared or when the run failed */
    enum sqlite_store_query q;
    bool row; /* standing on a row */
};

/* Columns of the current row into model values. col_text copies into the
 * arena (SQL NULL gives NULL; false when out of memory); col_id, col_int and
 * col_hash check the value. */
bool sqlite_store_col_text(const struct sqlite_store_rows *r, int col, struct santa_arena *a,
                           const char **out);
/* A text column as santa/store_rules.h reads it; false when SQLite ran out
 * of memory converting it. Valid until the next row or the clear. */
bool sqlite_store_col(const struct sqlite_store_rows *r, int col, struct santa_col *out);
bool sqlite_store_col_id(const struct sqlite_store_rows *r, int col, char out[SANTA_ID_LEN + 1]);
bool sqlite_store_col_bool(const struct sqlite_store_rows *r, int col);
bool sqlite_store_col_int(const struct sqlite_store_rows *r, int col, int64_t *out);
bool sqlite_store_col_hash(const struct sqlite_store_rows *r, int col, struct santa_hash *out);
/* The current row of PARTICIPANT_LIST or PARTICIPANT_GET into *p. */
enum santa_status sqlite_store_read_participant(const struct sqlite_store_rows *r,
                                                const char *exchange_id, struct santa_arena *a,
                                                struct santa_participant *p);

/* Runs q with p (NULL: none) and stands on its first row, if any. Clear r
 * afterwards, whatever the status. Errors: SANTA_UNAVAILABLE (logged). */
enum santa_status sqlite_store_exec_rows(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                         const struct sqlite_store_params *p,
                                         struct sqlite_store_rows *r);
bool sqlite_store_has_row(const struct sqlite_store_rows *r);
/* Moves to the next row (has_row() tells whether there is one). */
enum santa_status sqlite_store_next_row(struct sqlite_store_rows *r);
void sqlite_store_rows_clear(struct sqlite_store_rows *r);
/* Runs q and drops its result (commands). */
enum santa_status sqlite_store_exec_cmd(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                        const struct sqlite_store_params *p);
/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status sqlite_store_exec_count(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                          const struct sqlite_store_params *p, int64_t *changed);

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL). lock: the caller goes on to write, so the state must not change
 * before the commit; inside SQLITE_TX_WRITE the database's write lock is
 * already held, so SQLite needs nothing more. */
enum santa_status sqlite_store_exchange_state(struct sqlite_store_conn *c, const char *id,
                                              bool lock, struct santa_exchange_state *out);
/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status sqlite_store_exists2(struct sqlite_store_conn *c, enum sqlite_store_query q,
                                       const char *exchange_id, const char *other, bool *found);
/* One participant of this exchange, by id (NOT_FOUND when absent). */
enum santa_status sqlite_store_participant_read(struct sqlite_store_conn *c,
                                                const char *exchange_id, const char *participant_id,
                                                struct santa_arena *a,
                                                struct santa_participant *out);

/* ---- the operations, by group (see struct santa_store_ops) -------------- */

/* sqlite_store_exchange_create, _exchange_get, _principal_find in store_sqlite_exchange.c;
 * _participant_add to _exclusion_add in store_sqlite_participant.c; _draw,
 * _undraw, _assignment_get, _reminders_queue in store_sqlite_draw.c. */
SANTA_STORE_OPS_DECLARE(sqlite_store)
/* Optional, for GET /metrics: the outbox rows still to send (store_sqlite_draw.c). */
santa_store_reminders_pending_fn sqlite_store_reminders_pending;

#endif /* SANTA_STORE_SQLITE_OPS_H */
