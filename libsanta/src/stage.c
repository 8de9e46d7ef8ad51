/*
 * stage.c - a stage binary's life around its struct santa_stage (stage.h).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "observe.h"
#include "santa/http.h"
#include "santa/log.h"
#include "santa/server.h"
#include "santa/stage.h"
#include "santa/token.h"

/* What the worker threads share while serving. */
struct run {
    const struct santa_stage *stage;
    struct santa_app app;
};

static void handle(void *ctx, const struct santa_request *req, struct santa_response *resp)
{
    const struct run *r = ctx;
    if (r->stage->answer && r->stage->answer(r->stage->ctx, req, resp))
        return;
    santa_api_handle(&r->app, req, resp);
}

static void thread_exit(void *ctx)
{
    const struct run *r = ctx;
    if (r->app.store->ops->thread_stop)
        r->app.store->ops->thread_stop(r->app.store);
}

/* santa_app.remind_now knows no stage: this binds the stage's hook to it. */
static enum santa_status remind_now(const void *ctx, const char *exchange_id, uint32_t *sent)
{
    const struct santa_stage *stage = ctx;
    return stage->remind_now(stage->ctx, exchange_id, sent);
}

static void drain(void *ctx)
{
    const struct santa_stage *stage = ctx;
    stage->drain(stage->ctx);
}

void santa_stage_request_stop(void)
{
    /* Every thread blocks SIGTERM (santa_runtime_init), so it stays pending
     * for the main thread's sigwait(): the same path as `kill -TERM`. */
    kill(getpid(), SIGTERM);
}

/* Steps 4 to 7 of stage.h, with the store open. */
static int serve(const struct santa_stage *stage, const struct santa_config *cfg,
                 struct santa_store *store)
{
    char err[256] = "";
    if (stage->start && stage->start(stage->ctx, cfg, store, err, sizeof err) != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot start: %s", cfg->program, err);
        return 1;
    }
    /* Handlers call the stage's store through a wrapper that times and
     * traces every operation (store_observed.h). */
    struct santa_store_wrap observed;
    struct run r = {.stage = stage,
                    .app = {.store = santa_store_observed_init(&observed, store),
                            .rng = santa_rng_csprng()}};
    if (store->ops->reminders_pending)
        santa_observe_queue_register();
    if (stage->remind_now) {
        r.app.remind_now = remind_now;
        r.app.remind_ctx = stage;
    }
    struct santa_http_options opts = {
        .host = cfg->listen_host,
        .port = cfg->listen_port,
        .threads = cfg->threads,
        .request_timeout_ms = cfg->request_timeout_ms,
        .body_timeout_ms = cfg->body_timeout_ms,
        .rate_limit = cfg->rate_limit,
        .rate_limit_loopback = cfg->rate_limit_loopback != 0,
        .handler = handle,
        .thread_exit = thread_exit,
        .ctx = &r,
        .extra_headers = stage->headers ? stage->headers(stage->ctx) : NULL,
    };
    char what[64];
    snprintf(what, sizeof what, "store %s", store->ops->name);
    int rc = santa_http_serve(&opts, cfg->program, what, stage->drain ? drain : NULL,
                              (void *)stage);
    if (stage->stop)
        stage->stop(stage->ctx);
    return rc;
}

int santa_stage_main(const struct santa_stage *stage, int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r =
        santa_config_load(&cfg, stage->core, stage->options, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (stage->run_instead) {
        int rc = stage->run_instead(stage->ctx, &cfg);
        if (rc >= 0)
            return rc;
    }
    if (santa_runtime_init() != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot initialise libsodium", cfg.program);
        return 1;
    }
    struct santa_store *store = NULL;
    char err[256] = "";
    if (santa_observe_start(&cfg, cfg.program, err, sizeof err) != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot start instrumentation: %s", cfg.program, err);
        return 1;
    }
    if (stage->open_store(stage->ctx, &cfg, &store, err, sizeof err) != SANTA_OK) {
        santa_observe_stop();
        santa_log(SANTA_LOG_ERROR, "%s: cannot open the store: %s", cfg.program, err);
        return 1;
    }
    int rc = serve(stage, &cfg, store);
    santa_store_close(store);
    santa_observe_stop(); /* after the workers: the last spans reach the trace file */
    return rc;
}
