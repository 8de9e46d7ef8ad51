/*
 * cache_stage.c - the cache's option rows, its wrapping steps and stage 04's
 * stack of stores (see cache_stage.h).
 */
#include <stddef.h>
#include <stdio.h>

#include "cache_local.h"
#include "cache_stage.h"
#include "cache_url.h"
#include "store_queue.h"
#include "store_cache.h"

const struct santa_option cache_options[] = {
    /* A string: it may carry a password, parsed by cache_url.c. */
    {"redis", "SANTA_REDIS", SANTA_OPT_STRING, "127.0.0.1:6379", 0, 0, 0,
     offsetof(struct cache_config, redis), "[:PASSWORD@]HOST:PORT",
     "the Redis cache (IPv4 or DNS name; a password through SANTA_REDIS, not the command "
     "line); while it is down, requests go to the database"},
    {"cache-ttl-ms", "SANTA_CACHE_TTL_MS", SANTA_OPT_UINT, "60000", 100, 86400000, 0,
     offsetof(struct cache_config, ttl_ms), "MS",
     "how long a cached value lives at most (a safety net: writes invalidate at once)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", SANTA_OPT_UINT, "100", 1, 10000, 0,
     offsetof(struct cache_config, timeout_ms), "MS",
     "Redis connect and command timeout; a slower Redis is bypassed (fail open)"},
    {"cache-key-file", "SANTA_CACHE_KEY_FILE", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct cache_config, key_file), "FILE",
     "64 hex digits: the key that seals cached values against forgery; processes sharing "
     "one Redis (stage 05's replicas) must share it (empty: a random key per process)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct santa_option cache_local_options[] = {
    {"cache-local-ms", "SANTA_CACHE_LOCAL_MS", SANTA_OPT_UINT, "100", 0, 60000, 0,
     offsetof(struct cache_config, local_ms), "MS",
     "local results: principals and assignments kept in this process for at most MS after "
     "they were read (writes through this process drop them at once; 0: off)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

int cache_stage_check(const struct cache_config *c, const char *program)
{
    struct cache_url redis;
    char err[256];
    if (cache_url_parse(c->redis, &redis, err, sizeof err))
        return -1;
    fprintf(stderr, "%s: %s (see --help)\n", program, err);
    return 2;
}

enum santa_status cache_stage_open(const struct cache_config *c, struct santa_store *inner,
                                   struct santa_store **out, char *err, size_t errlen)
{
    struct cache_url redis;
    if (!cache_url_parse(c->redis, &redis, err, errlen)) {
        santa_store_close(inner); /* owned from the call on */
        return SANTA_UNAVAILABLE;
    }
    struct cache_store_options opts = {
        .inner = inner, /* the cache owns it from here on */
        .redis_host = redis.host,
        .redis_port = redis.port,
        .redis_password = redis.password,
        .mac_key_file = c->key_file,
        .ttl_ms = c->ttl_ms,
        .connect_timeout_ms = c->timeout_ms,
        .command_timeout_ms = c->timeout_ms,
    };
    struct santa_store *cached = NULL;
    enum santa_status st = cache_store_open(&opts, &cached, err, errlen);
    if (st != SANTA_OK || c->local_ms == 0) {
        *out = cached;
        return st;
    }
    struct cache_local_options lo = {
        .inner = cached,
        .max_age_ms = c->local_ms,
        .forget_readahead = cache_store_forget_readahead,
    };
    return cache_local_open(&lo, out, err, errlen);
}

enum santa_status cache_stage_queue(const struct cache_config *c, struct santa_store *inner,
                                    struct santa_store **out, char *err, size_t errlen)
{
    struct cache_url redis;
    if (!cache_url_parse(c->redis, &redis, err, errlen)) {
        santa_store_close(inner); /* owned from the call on */
        return SANTA_UNAVAILABLE;
    }
    struct queue_store_options q = {
        .inner = inner,
        .redis_host = redis.host,
        .redis_port = redis.port,
        .redis_password = redis.password,
        .timeout_ms = 1000,
    };
    return queue_store_open(&q, out, err, errlen);
}

enum santa_status cache_stack_open_store(void *ctx, const struct santa_config *cfg,
                                         struct santa_store **out, char *err, size_t errlen)
{
    (void)cfg;
    struct cache_stack *s = ctx;
    struct santa_store *inner = NULL;
    enum santa_status st = postgres_stage_open(&s->pg, &inner, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct santa_store *cached = NULL;
    st = cache_stage_open(&s->cache, inner, &cached, err, errlen);
    if (st != SANTA_OK)
        return st;
    /* Reminders go into the Redis stream the workers read (store_queue.h):
     * every replica of stage 05 queues into the same one. */
    return cache_stage_queue(&s->cache, cached, out, err, errlen);
}

int cache_stack_run_instead(void *ctx, const struct santa_config *cfg)
{
    struct cache_stack *s = ctx;
    /* --migrate runs once per deployment (not per replica, in stage 05) */
    int rc = postgres_stage_migrate(&s->pg, cfg);
    return rc >= 0 ? rc : cache_stage_check(&s->cache, cfg->program);
}
