/*
 * store_sqlite_outbox.h - the outbox as santa-worker-02-sqlite's job queue
 * (santa/worker.h): claim, done, fail and stats as operations of the store.
 *
 * The worker opens the store as the server does (sqlite_store_open, with
 * `existing` set) and runs these through the store's own transaction
 * runner, connection pool and statement table (store_sqlite_sql.h,
 * OUTBOX_*), so its SQL passes the same index checks as the server's.
 * Stage 03 has the same four operations under the same names
 * (store_postgres_outbox.h); only the claim differs, as the back ends do:
 * here BEGIN IMMEDIATE, select the due rows, lease them; there one
 * statement with FOR UPDATE SKIP LOCKED.
 *
 * Durable before answered: a claim, done or fail is a write transaction,
 * so it returns SANTA_OK only once the group commit's fdatasync of the
 * WAL covers it (store_sqlite_commit.h). That is as durable as the
 * synchronous=FULL connection the worker used before: a mail counts as
 * claimed (or sent) only once that is on disk.
 *
 * Thread safety: as the store's (one connection per calling thread).
 */
#ifndef SANTA_STORE_SQLITE_OUTBOX_H
#define SANTA_STORE_SQLITE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"
#include "santa/worker.h"

/* Expands the oldest reminder batch into outbox rows (store_sqlite_batch.h),
 * then leases up to max due mails to worker for lease_ms and copies them
 * into jobs[0..*n) (attempts counting this claim; key the Message-ID's,
 * from the row id, so a retry sends the same one). *n is 0 when nothing is
 * due. Errors: SANTA_UNAVAILABLE (logged), *n 0 and nothing leased. */
enum santa_status sqlite_store_outbox_claim(struct santa_store *s, const char *worker,
                                            uint32_t lease_ms, struct santa_job *jobs, uint32_t max,
                                            uint32_t *n);
/* j was delivered: it is never handed out again. */
enum santa_status sqlite_store_outbox_done(struct santa_store *s, const struct santa_job *j);
/* j's attempt failed: due again in delay_ms, or dead-lettered when dead;
 * error is kept for the operator either way. */
enum santa_status sqlite_store_outbox_fail(struct santa_store *s, const struct santa_job *j,
                                           bool dead, uint32_t delay_ms, const char *error);
/* Mails not yet sent nor dead (unexpanded batches count with their
 * mails) and the age of the oldest, in ms (0 when none). */
enum santa_status sqlite_store_outbox_stats(struct santa_store *s, uint64_t *depth,
                                            uint64_t *oldest_age_ms);

#endif /* SANTA_STORE_SQLITE_OUTBOX_H */
