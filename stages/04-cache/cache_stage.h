/*
 * cache_stage.h - what a stage binary needs to put the Redis cache in front
 * of its store: the option rows (--redis, --cache-ttl-ms,
 * --redis-timeout-ms; --cache-local-ms in a set of its own, stage 04 only),
 * the struct they fill, the check of the --redis
 * value and the wrapping step its hooks call (santa/stage.h). Stages 04 and 05 share these
 * through the cache_stage library; the core knows none of them.
 *
 * Stage 04's whole stack (stage 03's PostgreSQL store, the cache over it,
 * the reminder queue over both) is struct cache_stack and its two hooks:
 * stage 04's main.c is that struct and one call, and stage 05 embeds the
 * struct first in its own ctx and reuses the hooks.
 */
#ifndef SANTA_CACHE_STAGE_H
#define SANTA_CACHE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "postgres_stage.h"
#include "santa/config.h"
#include "santa/status.h"
#include "santa/store.h"

struct cache_config {
    char redis[SANTA_CONFIG_STR];    /* [redis://][:PASSWORD@]HOST:PORT (cache_url.h) */
    uint32_t ttl_ms;                 /* lifetime of a cached value */
    uint32_t timeout_ms;             /* connect and command timeout */
    char key_file[SANTA_CONFIG_STR]; /* the cache's MAC key; "": random per process */
    uint32_t local_ms;               /* local results' max age (cache_local.h); 0: off */
};

/* The cache's rows, filling a struct cache_config (ends with {NULL}). */
extern const struct santa_option cache_options[];

/* The row of local results (--cache-local-ms into local_ms), for stage 04
 * only: a replica cannot see the writes of the others (cache_local.h), so
 * stage 05 leaves the row out and local_ms stays 0, the layer off. */
extern const struct santa_option cache_local_options[];

/* For a stage's run_instead hook: -1 (serve on) when c->redis parses; else
 * prints why (never the password) and returns 2, the exit code of a bad
 * option. */
int cache_stage_check(const struct cache_config *c, const char *program);

/* Wraps inner (owned from the call on, even when it fails) in the cache,
 * and that in local results when c->local_ms > 0. */
enum santa_status cache_stage_open(const struct cache_config *c, struct santa_store *inner,
                                   struct santa_store **out, char *err, size_t errlen);

/* Wraps inner (owned from the call on, even when it fails) in the store that
 * queues POST .../reminders in the Redis stream at c->redis (store_queue.h),
 * for santa-worker-04-cache to send: stages 04 and 05 share the stream. */
enum santa_status cache_stage_queue(const struct cache_config *c, struct santa_store *inner,
                                    struct santa_store **out, char *err, size_t errlen);

/* Stage 04's option sets, filled by santa_stage_main(): stage 03's rows
 * (postgres_options into pg) and the cache's (cache_options into cache). */
struct cache_stack {
    struct postgres_config pg;
    struct cache_config cache;
};

/* santa_stage hooks whose ctx is a struct cache_stack (or a struct that
 * begins with one: stage 05's).
 * open_store: stage 03's store, wrapped by the cache, wrapped by the store
 * that queues reminders in the Redis stream the workers read.
 * run_instead: --migrate does its one job (the cache holds no schema);
 * otherwise a malformed --redis is a bad option (exit 2); else -1, serve. */
enum santa_status cache_stack_open_store(void *ctx, const struct santa_config *cfg,
                                         struct santa_store **out, char *err, size_t errlen);
int cache_stack_run_instead(void *ctx, const struct santa_config *cfg);

#endif /* SANTA_CACHE_STAGE_H */
