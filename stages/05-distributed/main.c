/*
 * santa-05-distributed - stage 05: stage 04's service as one of N replicas
 * behind HAProxy.
 *
 * The store is stage 04's (PostgreSQL behind the Redis cache, linked from
 * stages 03 and 04, nothing copied); what this stage adds is a replica's
 * name, its drain state and its admin listener (replica.h), through the
 * stage hooks. Compare with ../04-cache/main.c: one more option set and
 * five hooks are the lesson.
 */
#include "cache_stage.h"
#include "postgres_stage.h"
#include "replica.h"
#include "santa/stage.h"

struct stage05 {
    struct postgres_config pg;
    struct cache_config cache;
    struct replica_config replica;
    struct replica *r;
};

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    (void)cfg;
    struct stage05 *s = ctx;
    struct santa_store *inner = NULL;
    enum santa_status st = postgres_stage_open(&s->pg, &inner, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct santa_store *cached = NULL;
    st = cache_stage_open(&s->cache, inner, &cached, err, errlen);
    if (st != SANTA_OK)
        return st;
    /* Every replica queues reminders into the one stream stage 04's workers
     * read (store_queue.h). */
    return cache_stage_queue(&s->cache, cached, out, err, errlen);
}

/* Before serving: --migrate does its one job (run once per deployment, not
 * per replica); otherwise a malformed --redis is a bad option (exit 2). */
static int run_instead(void *ctx, const struct santa_config *cfg)
{
    struct stage05 *s = ctx;
    int rc = postgres_stage_migrate(&s->pg, cfg);
    return rc >= 0 ? rc : cache_stage_check(&s->cache, cfg->program);
}

static int start(void *ctx, const struct santa_config *cfg, struct santa_store *store, char *err,
                 size_t errlen)
{
    (void)store;
    struct stage05 *s = ctx;
    return replica_start(s->r, cfg, err, errlen);
}

static const char *headers(void *ctx)
{
    return replica_headers(((struct stage05 *)ctx)->r);
}

static bool answer(void *ctx, const struct santa_request *req, struct santa_response *resp)
{
    return replica_answer(((struct stage05 *)ctx)->r, req, resp);
}

static void drain(void *ctx)
{
    replica_drain(((struct stage05 *)ctx)->r);
}

static void stop(void *ctx)
{
    replica_stop(((struct stage05 *)ctx)->r);
}

int main(int argc, char **argv)
{
    struct stage05 s = {0};
    s.r = replica_new(&s.replica);
    if (s.r == NULL)
        return 1;
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE,
        .options = {{postgres_options, &s.pg},
                    {cache_options, &s.cache},
                    {replica_options, &s.replica}},
        .ctx = &s,
        .open_store = open_store,
        .run_instead = run_instead,
        .start = start,
        .headers = headers,
        .answer = answer,
        .drain = drain,
        .stop = stop,
    };
    int rc = santa_stage_main(&stage, argc, argv);
    replica_free(s.r);
    return rc;
}
