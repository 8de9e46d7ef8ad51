/*
 * store_postgres_batch.h - expanding a batch of POST .../reminders into
 * outbox rows (migration 004_reminder_batches.sql).
 *
 * The request records one reminder_batches row; the worker's claim
 * (store_postgres_outbox.h) first calls postgres_store_batch_expand(), which
 * turns the oldest batch into one outbox row per participant present now
 * and deletes it, in one transaction of its own: an operation of the
 * store, run by its runner with the statements of its table (BATCH_* in
 * store_postgres_sql.h). A worker killed before COMMIT leaves the batch as
 * it was: expansion happens exactly once.
 *
 * The DELETE (BATCH_TAKE) claims the oldest batch no other worker holds
 * with FOR UPDATE SKIP LOCKED (workers never wait for each other nor
 * expand the same batch), the exchange is locked FOR SHARE (BATCH_LOCK: a
 * removal commits before, and its participant gets no row, or after, and
 * its trigger deletes the row), then one INSERT ... SELECT (BATCH_EXPAND),
 * COMMIT.
 *
 * The expansion is traced as a request of its own named "expand", child of
 * the enqueuing request's span (the batch's traceparent); the outbox rows
 * keep that same traceparent, so each mail's "reminder" span is a child of
 * the request's store span, as before batches.
 *
 * Lives in the store library (not the worker) so the store's tests expand
 * batches as the worker does.
 */
#ifndef SANTA_STORE_POSTGRES_BATCH_H
#define SANTA_STORE_POSTGRES_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"

/* What one call did. */
struct postgres_batch {
    bool found; /* false: no batch waiting (or every one held by another worker) */
    char exchange_id[64];
    int64_t mails_queued; /* participants when the request queued it */
    int64_t mails;        /* outbox rows written: participants at expansion */
};

/* Expands at most one batch, on the calling thread's connection of s (a
 * store of postgres_store_open; the pool reconnects a broken one, and the
 * runner runs the transaction again when it was lost before COMMIT).
 * SANTA_OK with out->found false when none is waiting; SANTA_UNAVAILABLE
 * (logged) when PostgreSQL failed, and then nothing changed (but for a
 * connection lost with COMMIT under way: then the batch may be expanded,
 * still once). Thread safety: as the store's. */
enum santa_status postgres_store_batch_expand(struct santa_store *s, struct postgres_batch *out);

#endif /* SANTA_STORE_POSTGRES_BATCH_H */
