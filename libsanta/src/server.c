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

int santa_server_run(const struct santa_config *cfg, struct santa_store *store)
{
    /* Handlers call the stage's store through a wrapper that times and
     * traces every operation (store_observed.h). */
    struct santa_observed_store observed;
    struct santa_app app = {.store = santa_store_observed_init(&observed, store),
                            .rng = santa_rng_csprng()};
    struct santa_http_options opts = {
        .host = cfg->listen_host,
        .port = cfg->listen_port,
        .threads = cfg->threads,
        .request_timeout_ms = cfg->request_timeout_ms,
        .body_timeout_ms = cfg->body_timeout_ms,
        .rate_limit = cfg->rate_limit,
        .rate_limit_loopback = cfg->rate_limit_loopback != 0,
        .handler = api_handler,
        .thread_exit = api_thread_exit,
        .ctx = &app,
    };
    char what[64];
    snprintf(what, sizeof what, "store %s", store->ops->name);
    return santa_http_serve(&opts, cfg->program, what);
}

int santa_stage_main(int argc, char **argv, unsigned stage_mask, santa_store_open_fn open_store)
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
    int rc = santa_server_run(&cfg, store);
    santa_store_close(store);
    santa_observe_stop(); /* after the workers: the last spans reach the trace file */
    return rc;
}
