/*
 * store_queue.h - the store that queues reminders in a Redis stream
 * (queue_redis.h) and forwards every other operation to the store it wraps.
 *
 * Stage 04 wraps its cache store with it; stage 05's replicas wrap theirs
 * the same way, so every replica enqueues into the one stream the workers
 * read. The PostgreSQL outbox is not used in these stages: the stream is the
 * queue, and a 503 (nothing queued) is the answer while Redis is down.
 */
#ifndef SANTA_STORE_QUEUE_H
#define SANTA_STORE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "santa/store.h"

struct queue_store_options {
    struct santa_store *inner; /* owned by the queue store from the call on, even on failure */
    const char *redis_host;    /* IPv4 address or DNS name */
    uint16_t redis_port;
    const char *redis_password; /* NULL or "": none */
    uint32_t timeout_ms;
};

/* Redis need not answer at start (it is connected to on first use);
 * SANTA_UNAVAILABLE only when out of memory (the inner store is closed). */
enum santa_status queue_store_open(const struct queue_store_options *o, struct santa_store **out,
                                   char *err, size_t errlen);

#endif /* SANTA_STORE_QUEUE_H */
