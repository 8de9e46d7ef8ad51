/*
 * queue_redis.h - reminders as a Redis stream with a consumer group: stage
 * 04's job queue, built to be shared as it is by stage 05 (several web
 * replicas enqueue, several workers consume, nothing in it is per-process).
 *
 * Keys, in database REDIS_QUEUE_DB of the cache's Redis (no persistence in
 * deploy/local: see the stage README):
 *   santa:reminders        the stream; one entry per mail, field "job" = JSON
 *   santa:reminders:retry  sorted set of failed jobs, scored by when they are due
 *   santa:reminders:dead   stream of dead-lettered jobs with their last error
 * Consumer group "senders" reads santa:reminders; each worker is a consumer
 * named by --name.
 *
 * Enqueue: every job of one request in one MULTI/EXEC: all or none.
 * Claim: due retries are moved back into the stream (a Lua script, so two
 * workers never move the same one); XAUTOCLAIM takes entries another
 * consumer has held longer than the lease (a killed worker's batch); then
 * XREADGROUP reads new ones. Done: XACK + XDEL. Failed: XACK + XDEL and a
 * ZADD into the retry set, or an XADD into the dead stream, in one
 * MULTI/EXEC. At least once: a worker killed between its SMTP 250 and its
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
};

/* Connects (and creates the stream and its group when missing).
 * SANTA_UNAVAILABLE with a sentence in err when Redis does not answer and
 * o->worker is set; an enqueue-only handle connects later instead. */
enum santa_status redis_queue_open(const struct redis_queue_options *o, struct santa_queue **out,
                                   char *err, size_t errlen);

/* Adds one request's jobs in one MULTI/EXEC, fed one job at a time, so the
 * caller never holds them all (10,000 struct santa_job are 27 MB: the
 * allocation and its page faults were most of POST .../reminders' time).
 * batch_begin connects and starts the transaction; batch_add appends one
 * XADD (j is copied: it may be reused at once); batch_end sends the
 * pipeline and EXEC (commit true, every add succeeded) or DISCARD, and
 * reads every answer. SANTA_OK from batch_end means every job was added;
 * anything else means none was. After batch_begin succeeds the caller must
 * call batch_end, and nothing else may use the handle in between (hold the
 * handle's lock across the three). Reconnects on the next batch after a
 * lost connection. */
enum santa_status redis_queue_batch_begin(struct santa_queue *q);
enum santa_status redis_queue_batch_add(struct santa_queue *q, const struct santa_job *j);
enum santa_status redis_queue_batch_end(struct santa_queue *q, bool commit);

#endif /* SANTA_QUEUE_REDIS_H */
