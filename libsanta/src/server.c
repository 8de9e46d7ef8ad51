/*
 * server.c - serving until a signal, then stopping cleanly (see server.h).
 *
 * Signals are handled synchronously: SIGTERM and SIGINT are blocked before
 * any thread exists, so CivetWeb's threads inherit the mask and only the
 * main thread ever sees them, in sigwait(). No async-signal-safety puzzles.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "santa/json.h"
#include "santa/http.h"
#include "santa/log.h"
#include "santa/server.h"
#include "santa/token.h"

/* SIGTERM and SIGINT, blocked in every thread and taken by sigwait(). */
static void block_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGTERM);
    sigaddset(stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
}

int santa_runtime_init(void)
{
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill us */
    /* Before any thread exists (instrumentation, store pools, a stage's
     * extra listener): every thread inherits the mask, so a stop signal
     * waits for sigwait() in santa_http_serve() instead of killing us. */
    sigset_t stop;
    block_stop_signals(&stop);
    santa_json_init();
    return santa_token_init() == SANTA_OK ? 0 : -1;
}

int santa_http_serve(const struct santa_http_options *opts, const char *program,
                     const char *what, santa_drain_fn drain, void *drain_ctx)
{
    sigset_t stop;
    block_stop_signals(&stop);

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
    if (drain)
        drain(drain_ctx); /* still accepting: a balancer may be taking us out */
    santa_http_stop(http);
    santa_log(SANTA_LOG_INFO, "%s: stopped", program);
    return 0;
}
