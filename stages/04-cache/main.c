/*
 * santa-04-cache - stage 04: stage 03's PostgreSQL store behind a Redis cache.
 *
 * The store is stage 03's, wrapped by the cache store (store_cache.h): the
 * cache owns it and falls back to it whenever Redis cannot answer. `diff`
 * this file with ../03-postgres/main.c: one wrapping call is the lesson.
 */
#include <stdio.h>

#include "santa/log.h"
#include "santa/server.h"
#include "store_cache.h"
#include "store_postgres.h"

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
    return cache_store_open(&opts, out, err, errlen);
}

/* --migrate: as stage 03 (the cache holds no schema). */
static int migrate_only(const struct santa_config *cfg)
{
    struct postgres_store_options opts = {.conninfo = cfg->pg_conninfo};
    char err[512] = "";
    int applied = 0;
    if (postgres_store_migrate(&opts, &applied, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: migration failed: %s", cfg->program, err);
        return 1;
    }
    santa_log(SANTA_LOG_INFO, "%s: schema is up to date (%d migration%s applied now)", cfg->program,
              applied, applied == 1 ? "" : "s");
    return 0;
}

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, SANTA_STAGE_CACHE, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (cfg.migrate)
        return migrate_only(&cfg);
    return santa_stage_main(argc, argv, SANTA_STAGE_CACHE, open_store);
}
