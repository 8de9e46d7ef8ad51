/*
 * sql_store_outbox.h - the outbox as a worker's job queue (santa/worker.h):
 * a reminder batch expanded, then claim, done, fail and stats, as
 * operations of the SQL store.
 *
 * POST .../reminders records one reminder_batches row (REMINDERS_QUEUE).
 * Each claim first calls sql_store_batch_expand(), which turns the oldest
 * batch into one outbox row per participant present now and deletes it, in
 * one transaction of its own (BATCH_TAKE, BATCH_LOCK, BATCH_EXPAND): a
 * worker killed before COMMIT leaves the batch as it was, so expansion
 * happens exactly once. The claim then leases the due rows in one statement
 * (OUTBOX_CLAIM); done, retry and dead-letter are one UPDATE each.
 *
 * A worker opens the store as the server does (its driver's open) and runs
 * these through that driver's runner, so they get its transactions and
 * retries; the dialects say how workers keep out of each other's way:
 * SQLite's BEGIN IMMEDIATE lets one writer in at a time (the second waits,
 * then finds the batch gone and the rows leased), PostgreSQL's FOR UPDATE
 * SKIP LOCKED lets claims run side by side, each skipping rows another
 * holds.
 *
 * The expansion is traced as a request of its own named "expand", child of
 * the enqueuing request's span (the batch's traceparent); the outbox rows
 * keep that traceparent, so each mail's "reminder" span is a child of the
 * request's store span.
 *
 * Durable before answered: a claim or a done counts only once its commit is
 * on disk (SQLite's group commit, PostgreSQL's synchronous_commit).
 * Thread safety: as the store's (one connection per calling thread).
 */
#ifndef SANTA_SQL_STORE_OUTBOX_H
#define SANTA_SQL_STORE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"
#include "santa/worker.h"

/* What one expansion did. */
struct sql_batch {
    bool found; /* false: no batch waiting (or every one held by another worker) */
    char exchange_id[64];
    int64_t mails_queued; /* participants when the request queued it */
    int64_t mails;        /* outbox rows written: participants at expansion */
};

/* Expands at most one batch, on the calling thread's connection of s.
 * SANTA_OK with out->found false when none is waiting; SANTA_UNAVAILABLE
 * (logged) when the database failed, and then nothing changed (but for a
 * connection lost with COMMIT under way: then the batch may be expanded,
 * still once). */
enum santa_status sql_store_batch_expand(struct santa_store *s, struct sql_batch *out);

/* Expands a batch (above), then leases up to max due mails to worker for
 * lease_ms and copies them into jobs[0..*n) (attempts counting this claim;
 * key the Message-ID's, from the row id, so a retry sends the same one).
 * *n is 0 when nothing is due. Errors: SANTA_UNAVAILABLE (logged), *n 0. */
enum santa_status sql_store_outbox_claim(struct santa_store *s, const char *worker,
                                         uint32_t lease_ms, struct santa_job *jobs, uint32_t max,
                                         uint32_t *n);
/* j was delivered: it is never handed out again. */
enum santa_status sql_store_outbox_done(struct santa_store *s, const struct santa_job *j);
/* j's attempt failed: due again in delay_ms, or dead-lettered when dead;
 * error is kept for the operator either way. */
enum santa_status sql_store_outbox_fail(struct santa_store *s, const struct santa_job *j, bool dead,
                                        uint32_t delay_ms, const char *error);
/* Mails not yet sent nor dead (unexpanded batches count with their mails)
 * and the age of the oldest, in ms (0 when none). */
enum santa_status sql_store_outbox_stats(struct santa_store *s, uint64_t *depth,
                                         uint64_t *oldest_age_ms);

/* The four above as the queue santa_store_queue_new() wants; name: the
 * driver's ("sqlite"), for the worker's logs and metrics. */
#define SQL_STORE_QUEUE_OPS(driver_name)                                                           \
    {                                                                                              \
        .name = (driver_name), .claim = sql_store_outbox_claim, .done = sql_store_outbox_done,     \
        .fail = sql_store_outbox_fail, .stats = sql_store_outbox_stats,                            \
    }

#endif /* SANTA_SQL_STORE_OUTBOX_H */
