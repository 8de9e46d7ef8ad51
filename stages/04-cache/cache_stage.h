/*
 * cache_stage.h - what a stage binary needs to put the Redis cache in front
 * of its store: the option rows (--redis, --cache-ttl-ms,
 * --redis-timeout-ms), the struct they fill, the check of the --redis
 * value and the wrapping step its hooks call (santa/stage.h). Stages 04 and 05 share these
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
    char redis[SANTA_CONFIG_STR]; /* [redis://][:PASSWORD@]HOST:PORT (cache_url.h) */
    uint32_t ttl_ms;         /* lifetime of a cached value */
    uint32_t timeout_ms;     /* connect and command timeout */
    char key_file[SANTA_CONFIG_STR]; /* the cache's MAC key; "": random per process */
};

/* The cache's rows, filling a struct cache_config (ends with {NULL}). */
extern const struct santa_option cache_options[];

/* For a stage's run_instead hook: -1 (serve on) when c->redis parses; else
 * prints why (never the password) and returns 2, the exit code of a bad
 * option. */
int cache_stage_check(const struct cache_config *c, const char *program);

/* Wraps inner (owned from the call on, even when it fails) in the cache. */
enum santa_status cache_stage_open(const struct cache_config *c, struct santa_store *inner,
                                   struct santa_store **out, char *err, size_t errlen);

/* Wraps inner (owned from the call on, even when it fails) in the store that
 * queues POST .../reminders in the Redis stream at c->redis (store_queue.h),
 * for santa-worker-04-cache to send: stages 04 and 05 share the stream. */
enum santa_status cache_stage_queue(const struct cache_config *c, struct santa_store *inner,
                                    struct santa_store **out, char *err, size_t errlen);

#endif /* SANTA_CACHE_STAGE_H */
