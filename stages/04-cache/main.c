/*
 * santa-04-cache - stage 04: stage 03's PostgreSQL store behind a Redis cache.
 *
 * The store is stage 03's, wrapped by the cache store (store_cache.h): the
 * cache owns it and falls back to it whenever Redis cannot answer; the
 * reminder queue (store_queue.h) wraps both. Compare with
 * ../03-postgres/main.c: the cache's option rows and the stack's two hooks
 * (cache_stage.c, shared with stage 05) are the lesson.
 */
#include "cache_stage.h"
#include "santa/stage.h"

int main(int argc, char **argv)
{
    struct cache_stack s = {0};
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE,
        .options = {{postgres_options, &s.pg},
                    {cache_options, &s.cache},
                    {cache_local_options, &s.cache}}, /* stage 04 only (cache_stage.h) */
        .ctx = &s,
        .open_store = cache_stack_open_store,
        .run_instead = cache_stack_run_instead,
    };
    return santa_stage_main(&stage, argc, argv);
}
