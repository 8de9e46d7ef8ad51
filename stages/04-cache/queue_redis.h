/*
 * queue_redis.h - reminders as a Redis stream with a consumer group: stage
 * 04's job queue, built to be shared as it is by stage 05 (several web
 * replicas enqueue, several workers consume, nothing in it is per-process).
 *
 * Keys, in database REDIS_QUEUE_DB of the cache's Redis (no persistence in
 * deploy/local: see the stage README):
 *   santa:reminders        the stream; one entry per mail, field "job" = JSON,
 *                          or per POST .../reminders not yet expanded, fields
 *                          "batch" = the same JSON without a participant (its
 *                          key is the batch id) and "mails" = how many
 *   santa:reminders:batched hash: "entries" and "mails" of those batches, so
 *                          the depth counts a batch as its mails
 *   santa:reminders:retry  sorted set of failed jobs, scored by when they are due
 *   santa:reminders:dead   stream of dead-lettered jobs with their last error
 * Consumer group "senders" reads santa:reminders; each worker is a consumer
 * named by --name.
 *
 * Enqueue: one batch entry per request, whatever the exchange's size (XADD
 * and the two HINCRBY in one MULTI/EXEC). Claim: due retries are moved
 * back into the stream (a Lua script, so two workers never move the same
 * one); XAUTOCLAIM takes entries another consumer has held longer than the
 * lease (a killed worker's); then XREADGROUP reads new ones. A batch entry
 * read either way is expanded at once: the participants the worker's store
 * lists now become one mail entry each, added in the same MULTI/EXEC that
 * XACKs and XDELs the batch (queue_redis.c expand()), so a worker killed
 * before EXEC leaves the batch pending and adds nothing. Done: XACK +
 * XDEL. Failed: XACK + XDEL and a ZADD into the retry set, or an XADD into
 * the dead stream, in one MULTI/EXEC. At least once: a worker killed between its SMTP 250 and its
 * XACK sends that mail again after the lease.
 *
 * Threads: a queue handle is one connection, used by one thread at a time.
 */
#ifndef SANTA_QUEUE_REDIS_H
#define SANTA_QUEUE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/worker.h"

/* The logical database the queue's keys live in: not the cache's (0), whose
 * recovery empties its database with FLUSHDB. */
#define REDIS_QUEUE_DB 1

struct redis_queue_options {
    const char *host; /* IPv4 address or DNS name */
    uint16_t port;
    const char *password; /* AUTH after connecting; NULL or "": none */
    uint32_t timeout_ms; /* connect and command */
    const struct santa_worker_config *worker; /* NULL for an enqueue-only handle */
    /* A worker's: where a batch's participants are listed (participant_list);
     * owned by the queue from the call on, also on failure. NULL for an
     * enqueue-only handle. */
    struct santa_store *store;
};

/* Connects (and creates the stream and its group when missing).
 * SANTA_UNAVAILABLE with a sentence in err when Redis does not answer and
 * o->worker is set; an enqueue-only handle connects later instead. */
enum santa_status redis_queue_open(const struct redis_queue_options *o, struct santa_queue **out,
                                   char *err, size_t errlen);

/* Queues one POST .../reminders: ONE stream entry, the batch tmpl (the
 * exchange's fields, the batch id as its key, the request's traceparent
 * and queued_ms; no participant), standing for `mails` mails until a
 * worker expands it. SANTA_OK: queued; anything else: nothing was.
 * Reconnects after a lost connection. */
enum santa_status redis_queue_add_batch(struct santa_queue *q, const struct santa_job *tmpl,
                                        uint32_t mails);

#endif /* SANTA_QUEUE_REDIS_H */
