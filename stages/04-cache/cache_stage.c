/*
 * cache_stage.c - the cache's option rows and wrapping step (see
 * cache_stage.h).
 */
#include <stddef.h>

#include "cache_stage.h"
#include "store_cache.h"

const struct santa_option cache_options[] = {
    {"redis", "SANTA_REDIS", SANTA_OPT_ADDR, "127.0.0.1:6379", 0, 0, 0,
     offsetof(struct cache_config, redis), "HOST:PORT",
     "the Redis cache (an IPv4 address); while it is down, requests go to the database"},
    {"cache-ttl-ms", "SANTA_CACHE_TTL_MS", SANTA_OPT_UINT, "60000", 100, 86400000, 0,
     offsetof(struct cache_config, ttl_ms), "MS",
     "how long a cached value lives at most (a safety net: writes invalidate at once)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", SANTA_OPT_UINT, "100", 1, 10000, 0,
     offsetof(struct cache_config, timeout_ms), "MS",
     "Redis connect and command timeout; a slower Redis is bypassed (fail open)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

enum santa_status cache_stage_open(const struct cache_config *c, struct santa_store *inner,
                                   struct santa_store **out, char *err, size_t errlen)
{
    struct cache_store_options opts = {
        .inner = inner, /* the cache owns it from here on */
        .redis_host = c->redis.host,
        .redis_port = c->redis.port,
        .ttl_ms = c->ttl_ms,
        .connect_timeout_ms = c->timeout_ms,
        .command_timeout_ms = c->timeout_ms,
    };
    return cache_store_open(&opts, out, err, errlen);
}
