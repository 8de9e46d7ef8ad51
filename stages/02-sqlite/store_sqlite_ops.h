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

/* A cached statement, ready to bind (NULL: cannot be prepared, logged).
 * Callers release() it before the transaction ends: a statement left
 * mid-way would pin its read snapshot. */
sqlite3_stmt *sqlite_store_use(struct sqlite_store_conn *c, enum sqlite_store_query q);
/* Resets q and drops its bindings (inputs are only borrowed, SQLITE_STATIC).
 * NULL is a no-op. */
void sqlite_store_release(sqlite3_stmt *q);
bool sqlite_store_bind_text(sqlite3_stmt *q, int i, const char *s); /* NULL: SQL NULL */
bool sqlite_store_bind_hash(sqlite3_stmt *q, int i, const struct santa_hash *h);
bool sqlite_store_bind_int(sqlite3_stmt *q, int i, int64_t v);
/* The failed bind's error, translated (see sqlite_store_conn_fail). */
enum santa_status sqlite_store_bind_failed(struct sqlite_store_conn *c, const char *what);
/* Steps q once: *row tells a row from the end; anything else is a failure,
 * logged and translated. */
enum santa_status sqlite_store_step(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what,
                                    bool *row);
/* Runs a statement that returns no rows (INSERT, UPDATE, DELETE). */
enum santa_status sqlite_store_run(struct sqlite_store_conn *c, sqlite3_stmt *q, const char *what);

/* Columns into model values. col_text copies into the arena (SQL NULL gives
 * NULL); col_id and col_hash check the length. */
bool sqlite_store_col_text(sqlite3_stmt *q, int col, struct santa_arena *a, const char **out);
bool sqlite_store_col_id(sqlite3_stmt *q, int col, char out[SANTA_ID_LEN + 1]);
bool sqlite_store_col_hash(sqlite3_stmt *q, int col, struct santa_hash *out);
/* A text column as santa/store_rules.h reads it; false when SQLite ran out
 * of memory converting it. Valid until the statement steps or is released. */
bool sqlite_store_col(sqlite3_stmt *q, int col, struct santa_col *out);
/* One row of PARTICIPANT_LIST or PARTICIPANT_GET into *p. */
enum santa_status sqlite_store_read_participant(sqlite3_stmt *q, const char *exchange_id,
                                                struct santa_arena *a, struct santa_participant *p);

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL when only existence matters). Inside SQLITE_TX_WRITE the write lock
 * is already held, so the state cannot change before the commit. */
enum santa_status sqlite_store_exchange_state(struct sqlite_store_conn *c, const char *id,
                                              struct santa_exchange_state *out);
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
