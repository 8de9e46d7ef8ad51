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

#include "http.h"
#include "json.h"
#include "santa/log.h"
#include "santa/server.h"
#include "santa/token.h"

int santa_runtime_init(void)
{
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill us */
    santa_json_init();
    return santa_token_init() == SANTA_OK ? 0 : -1;
}

int santa_server_run(const struct santa_config *cfg, struct santa_store *store)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct santa_app app = {.store = store, .rng = santa_rng_csprng()};
    struct santa_http_options opts = {
        .host = cfg->listen_host,
        .port = cfg->listen_port,
        .threads = cfg->threads,
        .request_timeout_ms = cfg->request_timeout_ms,
        .app = &app,
    };
    char err[256] = "";
    struct santa_http *http = santa_http_start(&opts, err, sizeof err);
    if (http == NULL) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot serve on %s:%u: %s", cfg->program,
                  cfg->listen_host, (unsigned)cfg->listen_port, err);
        return 1;
    }
    santa_log(SANTA_LOG_INFO, "%s: serving http://%s:%u/ with %u threads, store %s", cfg->program,
              cfg->listen_host, (unsigned)cfg->listen_port, cfg->threads, store->ops->name);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    santa_log(SANTA_LOG_INFO, "%s: %s received, finishing in-flight requests", cfg->program,
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
    santa_http_stop(http);
    santa_log(SANTA_LOG_INFO, "%s: stopped", cfg->program);
    return 0;
}
