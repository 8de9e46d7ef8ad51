/*
 * santa-04-cache - stage 04: stage 03's database behind a Redis cache.
 *
 * The store is stage 03's, wrapped by the cache store (store_cache.h): the
 * cache owns it and falls back to it whenever Redis cannot answer. `diff`
 * this file with ../03-postgres/main.c: one wrapping call is the lesson.
 */
#include <stdio.h>

#include "santa/server.h"
#include "store_cache.h"
#include "store_sqlite.h"

static enum santa_status open_store(const struct santa_config *cfg, struct santa_store **out,
                                    char *err, size_t errlen)
{
    struct sqlite_store_options db = {.data_dir = cfg->data_dir};
    struct santa_store *inner = NULL;
    enum santa_status st = sqlite_store_open(&db, &inner, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct cache_store_options opts = {
        .inner = inner,
        .redis_host = cfg->redis.host,
        .redis_port = cfg->redis.port,
        .ttl_ms = cfg->cache_ttl_ms,
        .connect_timeout_ms = cfg->redis_timeout_ms,
        .command_timeout_ms = cfg->redis_timeout_ms,
    };
    return cache_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    return santa_stage_main(argc, argv, SANTA_STAGE_CACHE, open_store);
}
