/*
 * santa-05-distributed - stage 05: stage 04's service as one of N replicas
 * behind HAProxy.
 *
 * The store is stage 04's (PostgreSQL behind the Redis cache, linked from
 * stages 03 and 04, nothing copied); what this stage adds is a replica's
 * name, its drain state and its admin listener (replica.h), through the
 * stage hooks; the store and --migrate are stage 04's hooks
 * (cache_stage.h), reused as they are. Compare with ../04-cache/main.c: one
 * more option set and five hooks are the lesson.
 */
#include "cache_stage.h"
#include "replica.h"
#include "santa/stage.h"

struct stage05 {
    struct cache_stack stack; /* first: stage 04's hooks take this ctx as theirs */
    struct replica_config replica;
    struct replica *r;
};

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
        .options = {{postgres_options, &s.stack.pg},
                    {cache_options, &s.stack.cache},
                    {replica_options, &s.replica}},
        .ctx = &s,
        .open_store = cache_stack_open_store, /* stage 04's stack, replica by replica */
        .run_instead = cache_stack_run_instead,
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
