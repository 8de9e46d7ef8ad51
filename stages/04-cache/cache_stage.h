/*
 * cache_stage.h - what a stage binary needs to put the Redis cache in front
 * of its store: the option rows (--redis, --cache-ttl-ms,
 * --redis-timeout-ms), the struct they fill, and the wrapping step its
 * open_store hook calls (santa/stage.h). Stages 04 and 05 share these
 * through the store_cache library; the core knows none of them.
 */
#ifndef SANTA_CACHE_STAGE_H
#define SANTA_CACHE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/status.h"
#include "santa/store.h"

struct cache_config {
    struct santa_addr redis; /* the Redis cache */
    uint32_t ttl_ms;         /* lifetime of a cached value */
    uint32_t timeout_ms;     /* connect and command timeout */
};

/* The cache's rows, filling a struct cache_config (ends with {NULL}). */
extern const struct santa_option cache_options[];

/* Wraps inner (owned from the call on, even when it fails) in the cache. */
enum santa_status cache_stage_open(const struct cache_config *c, struct santa_store *inner,
                                   struct santa_store **out, char *err, size_t errlen);

#endif /* SANTA_CACHE_STAGE_H */
