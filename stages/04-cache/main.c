/*
 * santa-04-cache - stage 04: stage 03's PostgreSQL store behind a Redis cache.
 *
 * The store is stage 03's, wrapped by the cache store (store_cache.h): the
 * cache owns it and falls back to it whenever Redis cannot answer. Compare
 * with ../03-postgres/main.c: the cache's option rows and one wrapping call
 * are the lesson.
 */
#include "cache_stage.h"
#include "postgres_stage.h"
#include "santa/stage.h"

struct stage04 {
    struct postgres_config pg;
    struct cache_config cache;
};

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    (void)cfg;
    struct stage04 *s = ctx;
    struct santa_store *inner = NULL;
    enum santa_status st = postgres_stage_open(&s->pg, &inner, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct santa_store *cached = NULL;
    st = cache_stage_open(&s->cache, inner, &cached, err, errlen);
    if (st != SANTA_OK)
        return st;
    /* Reminders go into the Redis stream the workers read (store_queue.h). */
    return cache_stage_queue(&s->cache, cached, out, err, errlen);
}

/* Before serving: --migrate does its one job (as stage 03: the cache holds
 * no schema); otherwise a malformed --redis is a bad option (exit 2). */
static int run_instead(void *ctx, const struct santa_config *cfg)
{
    struct stage04 *s = ctx;
    int rc = postgres_stage_migrate(&s->pg, cfg);
    return rc >= 0 ? rc : cache_stage_check(&s->cache, cfg->program);
}

int main(int argc, char **argv)
{
    struct stage04 s = {0};
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE,
        .options = {{postgres_options, &s.pg}, {cache_options, &s.cache}},
        .ctx = &s,
        .open_store = open_store,
        .run_instead = run_instead,
    };
    return santa_stage_main(&stage, argc, argv);
}
