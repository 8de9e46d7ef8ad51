/*
 * server.c - a stage's life: start, serve, stop on a signal (see server.h).
 *
 * Signals are handled synchronously: SIGTERM and SIGINT are blocked before
 * any thread exists, so CivetWeb's threads inherit the mask and only the
 * main thread ever sees them, in sigwait(). No async-signal-safety puzzles.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "santa/http.h"
#include "json.h"
#include "santa/log.h"
#include "santa/server.h"
#include "santa/token.h"
#include "observe.h"

int santa_runtime_init(void)
{
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill us */
    santa_json_init();
    return santa_token_init() == SANTA_OK ? 0 : -1;
}

static void api_handler(void *ctx, const struct santa_request *req, struct santa_response *resp)
{
    santa_api_handle(ctx, req, resp);
}

static void api_thread_exit(void *ctx)
{
    const struct santa_app *app = ctx;
    if (app->store->ops->thread_stop)
        app->store->ops->thread_stop(app->store);
}

int santa_http_serve(const struct santa_http_options *opts, const char *program,
                     const char *what)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    char err[256] = "";
    struct santa_http *http = santa_http_start(opts, err, sizeof err);
    if (http == NULL) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot serve on %s:%u: %s", program, opts->host,
                  (unsigned)opts->port, err);
        return 1;
    }
    santa_log(SANTA_LOG_INFO, "%s: serving http://%s:%u/ with %u threads, %s", program,
              opts->host, (unsigned)opts->port, opts->threads, what);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    santa_log(SANTA_LOG_INFO, "%s: %s received, finishing in-flight requests", program,
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
    santa_http_stop(http);
    santa_log(SANTA_LOG_INFO, "%s: stopped", program);
    return 0;
}

/* Adapts santa_app.remind_now (which knows no config) to the stage's hook. */
struct remind_binding {
    const struct santa_config *cfg;
    santa_remind_now_fn fn;
};

static enum santa_status remind_bound(const void *ctx, const char *exchange_id, uint32_t *sent)
{
    const struct remind_binding *b = ctx;
    return b->fn(b->cfg, exchange_id, sent);
}

static int server_run(const struct santa_config *cfg, struct santa_store *store,
                      santa_remind_now_fn remind_now)
{
    struct remind_binding rb = {cfg, remind_now};
    struct santa_app app = {.store = store, .rng = santa_rng_csprng()};
    if (remind_now) {
        app.remind_now = remind_bound;
        app.remind_ctx = &rb;
    }
    struct santa_http_options opts = {
        .host = cfg->listen_host,
        .port = cfg->listen_port,
        .threads = cfg->threads,
        .request_timeout_ms = cfg->request_timeout_ms,
        .handler = api_handler,
        .thread_exit = api_thread_exit,
        .ctx = &app,
    };
    char what[64];
    snprintf(what, sizeof what, "store %s", store->ops->name);
    return santa_http_serve(&opts, cfg->program, what);
}

int santa_server_run(const struct santa_config *cfg, struct santa_store *store)
{
    return server_run(cfg, store, NULL);
}

int santa_stage_main(int argc, char **argv, unsigned stage_mask, santa_store_open_fn open_store)
{
    return santa_stage_main_remind(argc, argv, stage_mask, open_store, NULL);
}

int santa_stage_main_remind(int argc, char **argv, unsigned stage_mask,
                            santa_store_open_fn open_store, santa_remind_now_fn remind_now)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, stage_mask, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
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
    if (open_store(&cfg, &store, err, sizeof err) != SANTA_OK) {
        santa_observe_stop();
        santa_log(SANTA_LOG_ERROR, "%s: cannot open the store: %s", cfg.program, err);
        return 1;
    }
    int rc = server_run(&cfg, store, remind_now);
    santa_store_close(store);
    santa_observe_stop(); /* after the workers: the last spans reach the trace file */
    return rc;
}
