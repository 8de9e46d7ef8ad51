/*
 * santa-04-cache - stage 04: stage 03's PostgreSQL store behind a Redis cache.
 *
 * The store is stage 03's, wrapped by the cache store (store_cache.h): the
 * cache owns it and falls back to it whenever Redis cannot answer. `diff`
 * this file with ../03-postgres/main.c: one wrapping call is the lesson.
 */
#include "santa/server.h"
#include "store_cache.h"
#include "store_postgres.h"
#include "store_queue.h"

static enum santa_status open_store(const struct santa_config *cfg, struct santa_store **out,
                                    char *err, size_t errlen)
{
    struct postgres_store_options db = {.conninfo = cfg->pg_conninfo};
    struct santa_store *inner = NULL;
    enum santa_status st = postgres_store_open(&db, &inner, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct cache_store_options opts = {
        .inner = inner, /* the cache owns it from here on */
        .redis_host = cfg->redis.host,
        .redis_port = cfg->redis.port,
        .ttl_ms = cfg->cache_ttl_ms,
        .connect_timeout_ms = cfg->redis_timeout_ms,
        .command_timeout_ms = cfg->redis_timeout_ms,
    };
    struct santa_store *cached = NULL;
    st = cache_store_open(&opts, &cached, err, errlen);
    if (st != SANTA_OK)
        return st;
    /* Reminders go into the Redis stream the workers read (store_queue.h). */
    struct queue_store_options q = {cached, cfg->redis.host, cfg->redis.port, 1000};
    return queue_store_open(&q, out, err, errlen);
}

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, SANTA_STAGE_CACHE, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (cfg.migrate) /* as stage 03: the cache holds no schema */
        return postgres_store_migrate_only(cfg.program, cfg.pg_conninfo);
    return santa_stage_main(argc, argv, SANTA_STAGE_CACHE, open_store);
}
