/*
 * store_sqlite_batch.h - expanding a batch of POST .../reminders into
 * outbox rows (migration 004_reminder_batches.sql).
 *
 * The request records one reminder_batches row; the worker's claim
 * (store_sqlite_outbox.h) first calls sqlite_store_batch_expand(), which
 * turns the oldest batch into one outbox row per participant present now
 * and deletes it, in one transaction of its own: an operation of the
 * store, run by its runner with the statements of its table (BATCH_* in
 * store_sqlite_sql.h). A worker killed before COMMIT leaves the batch as
 * it was: expansion happens exactly once.
 *
 * BEGIN IMMEDIATE takes SQLite's one write lock, so workers never expand
 * the same batch (the second waits, then finds it gone: SQLite has no SKIP
 * LOCKED, and needs none) and a removal commits before, and its
 * participant gets no row, or after, and its trigger deletes the row; the
 * DELETE (BATCH_TAKE), one INSERT ... SELECT (BATCH_EXPAND), COMMIT,
 * answered once the group commit's fdatasync covers it.
 *
 * The expansion is traced as a request of its own named "expand", child of
 * the enqueuing request's span (the batch's traceparent); the outbox rows
 * keep that same traceparent, so each mail's "reminder" span is a child of
 * the request's store span, as before batches.
 *
 * Lives in the store library (not the worker) so the store's tests expand
 * batches as the worker does.
 */
#ifndef SANTA_STORE_SQLITE_BATCH_H
#define SANTA_STORE_SQLITE_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"

/* What one call did. */
struct sqlite_batch {
    bool found;             /* false: no batch waiting */
    char exchange_id[64];
    int64_t mails_queued;   /* participants when the request queued it */
    int64_t mails;          /* outbox rows written: participants at expansion */
};

/* Expands at most one batch, on the calling thread's connection of s (a
 * store of sqlite_store_open). SANTA_OK with out->found false when none is
 * waiting; SANTA_UNAVAILABLE (logged) when SQLite failed (the write lock
 * still busy after the busy timeout and its retries included), and then
 * nothing changed. Thread safety: as the store's. */
enum santa_status sqlite_store_batch_expand(struct santa_store *s, struct sqlite_batch *out);

#endif /* SANTA_STORE_SQLITE_BATCH_H */
