/*
 * store_postgres_ops.h - what the files of stage 03's store share.
 *
 * Internal to the store. store_postgres.c holds the store itself (its struct,
 * the transaction runner, open and close, the ops table);
 * store_postgres_rows.c the statement and column helpers and the checks every
 * operation makes; the operations live by group in store_postgres_exchange.c,
 * store_postgres_participant.c and store_postgres_draw.c. Stage 02 cuts its
 * store the same way, file for file and function for function, so
 * tools/stage-diff 02-sqlite 03-postgres shows only what the back end
 * changes.
 *
 * Every operation is a function of one connection and a context (an op_fn)
 * run by postgres_store_run_op(), which owns the connection, the transaction
 * and the retries.
 */
#ifndef SANTA_STORE_POSTGRES_OPS_H
#define SANTA_STORE_POSTGRES_OPS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "santa/model.h"
#include "santa/status.h"
#include "santa/store.h"
#include "santa/store_args.h"
#include "santa/store_rules.h"
#include "store_postgres_conn.h"

/* How an operation's statements are wrapped. */
enum postgres_store_tx {
    POSTGRES_TX_NONE,  /* one statement: atomic and one snapshot on its own */
    POSTGRES_TX_READ,  /* BEGIN: several reads see one snapshot */
    POSTGRES_TX_WRITE, /* BEGIN: the operation takes its row lock first */
};

typedef enum santa_status (*postgres_store_op_fn)(struct postgres_store_conn *c, void *ctx);

/* Runs fn on the calling thread's connection inside tx; COMMIT when it
 * returns SANTA_OK, else ROLLBACK (a refusal leaves nothing behind); runs
 * it again when that is safe (see store_postgres.c). */
enum santa_status postgres_store_run_op(struct santa_store *s, enum postgres_store_tx tx,
                                        postgres_store_op_fn fn, void *ctx);
/* postgres_store_run_op with an outcome check: `resolve` answers, on a
 * fresh connection, whether a write whose outcome a lost connection hid did
 * commit (SANTA_OK: it did; SANTA_NOT_FOUND: it did not). */
enum santa_status postgres_store_run_op_resolved(struct santa_store *s, enum postgres_store_tx tx,
                                                 postgres_store_op_fn fn,
                                                 postgres_store_op_fn resolve, void *ctx);

/* ---- store_postgres_rows.c: statements, columns, shared checks --------- */

/* The rows of one statement, read one at a time. libpq holds the whole
 * result in memory; callers clear it when done. */
struct postgres_store_rows {
    PGresult *res; /* NULL once cleared or when the run failed */
    int row, n;    /* the current row, of n */
};

/* Columns of the current row into model values. col_text copies into the
 * arena (SQL NULL gives NULL; false when out of memory); col_id, col_int and
 * col_hash check the value. */
bool postgres_store_col_text(const struct postgres_store_rows *r, int col, struct santa_arena *a,
                             const char **out);
/* A text column as santa/store_rules.h reads it (libpq holds the whole
 * result in memory: nothing can fail). Valid until the clear. */
bool postgres_store_col(const struct postgres_store_rows *r, int col, struct santa_col *out);
bool postgres_store_col_id(const struct postgres_store_rows *r, int col,
                           char out[SANTA_ID_LEN + 1]);
bool postgres_store_col_bool(const struct postgres_store_rows *r, int col);
bool postgres_store_col_int(const struct postgres_store_rows *r, int col, int64_t *out);
bool postgres_store_col_hash(const struct postgres_store_rows *r, int col, struct santa_hash *out);
/* The current row of PARTICIPANT_LIST or PARTICIPANT_GET into *p. */
enum santa_status postgres_store_read_participant(const struct postgres_store_rows *r,
                                                  const char *exchange_id, struct santa_arena *a,
                                                  struct santa_participant *p);

/* Runs q with p (NULL: none) and stands on its first row, if any. Clear r
 * afterwards, whatever the status. Errors: SANTA_UNAVAILABLE (see
 * postgres_store_conn_exec for the SQLSTATE and a lost connection). */
enum santa_status postgres_store_exec_rows(struct postgres_store_conn *c,
                                           enum postgres_store_query q,
                                           const struct postgres_store_params *p,
                                           struct postgres_store_rows *r);
bool postgres_store_has_row(const struct postgres_store_rows *r);
/* Moves to the next row (has_row() tells whether there is one). */
enum santa_status postgres_store_next_row(struct postgres_store_rows *r);
void postgres_store_rows_clear(struct postgres_store_rows *r);
/* Runs q and drops its result (commands). */
enum santa_status postgres_store_exec_cmd(struct postgres_store_conn *c,
                                          enum postgres_store_query q,
                                          const struct postgres_store_params *p);
/* Runs q and returns how many rows it changed (UPDATE, DELETE, INSERT). */
enum santa_status postgres_store_exec_count(struct postgres_store_conn *c,
                                            enum postgres_store_query q,
                                            const struct postgres_store_params *p,
                                            int64_t *changed);

/* NOT_FOUND when the exchange does not exist; else its state (out may be
 * NULL). lock: the caller goes on to write, so the state must not change
 * before the commit: EXCHANGE_LOCK takes the row lock (held until the
 * transaction ends), where reads use EXCHANGE_STATE. */
enum santa_status postgres_store_exchange_state(struct postgres_store_conn *c, const char *id,
                                                bool lock, struct santa_exchange_state *out);
/* SANTA_OK with *found: does q with (exchange_id, other) return a row? */
enum santa_status postgres_store_exists2(struct postgres_store_conn *c, enum postgres_store_query q,
                                         const char *exchange_id, const char *other, bool *found);
/* One participant of this exchange, by id (NOT_FOUND when absent). */
enum santa_status postgres_store_participant_read(struct postgres_store_conn *c,
                                                  const char *exchange_id,
                                                  const char *participant_id, struct santa_arena *a,
                                                  struct santa_participant *out);

/* ---- the operations, by group (see struct santa_store_ops) -------------- */

/* postgres_store_exchange_create, _exchange_get, _principal_find in store_postgres_exchange.c;
 * _participant_add to _exclusion_add in store_postgres_participant.c; _draw,
 * _undraw, _assignment_get, _reminders_queue in store_postgres_draw.c. */
SANTA_STORE_OPS_DECLARE(postgres_store)
/* Optional, for GET /metrics: the outbox rows still to send (store_postgres_draw.c). */
santa_store_reminders_pending_fn postgres_store_reminders_pending;

#endif /* SANTA_STORE_POSTGRES_OPS_H */
