/*
 * store_cache.h - stage 04's store: cache-aside in Redis around another store.
 *
 * The cache store owns an inner store (stage 04: PostgreSQL) and answers
 * the three reads that dominate traffic from Redis when it can:
 * exchange_get (the public view), principal_find (token hash -> who) and
 * assignment_get. Every other operation goes straight to the inner store;
 * every write that changes a cached value invalidates it after the inner
 * store committed (see README.md for the staleness argument).
 *
 * Redis is an optimisation, never a dependency: when it is down or slow the
 * store answers from the inner store (fail open) and counts a cache error.
 * ping() checks the inner store only, for the same reason.
 *
 * Thread safety: as store.h; one Redis connection per worker thread.
 */
#ifndef SANTA_STORE_CACHE_H
#define SANTA_STORE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cache_redis.h"
#include "santa/store.h"

struct cache_store_options {
    struct santa_store *inner; /* owned from the call on, even when it fails */
    const char *redis_host;    /* IPv4 address or DNS name */
    uint16_t redis_port;
    const char *redis_password;  /* AUTH after connecting; NULL or "": none */
    uint32_t ttl_ms;             /* lifetime of a cached value; 0: 60 s */
    uint32_t connect_timeout_ms; /* 0: 100 ms */
    uint32_t command_timeout_ms; /* 0: 100 ms */
    uint32_t retry_ms;           /* pause before trying a failed Redis again; 0: 1 s */
    const char *mac_key_file;    /* the key sealing cached values; NULL or "": random
                                    per process (cache_seal.h) */
};

/* Wraps o->inner. Redis need not be running yet (it is connected lazily).
 * On failure inner is closed too and err says why. */
enum santa_status cache_store_open(const struct cache_store_options *o, struct santa_store **out,
                                   char *err, size_t errlen);

/* The cache's counters (hits, misses, errors ...) of a store that
 * cache_store_open() made. */
void cache_store_stats(struct santa_store *s, struct cache_stats *out);

/* Drops what the calling thread's last principal_find read ahead, so its
 * next assignment_get asks Redis: for a layer above (cache_local.h) that
 * answered a principal without calling principal_find here. */
void cache_store_forget_readahead(struct santa_store *s);

#endif /* SANTA_STORE_CACHE_H */
