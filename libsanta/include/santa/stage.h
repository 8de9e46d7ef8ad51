/*
 * stage.h - a stage binary is one struct santa_stage and one call.
 *
 * The core serves the API; a stage brings its back end: the option rows of
 * its stores (config.h: each set fills a struct the stage owns), the
 * function that opens its store, and optional hooks for what a deployment
 * of it needs. The core calls every hook with the stage's ctx and knows
 * nothing of what is behind it, so a new stage adds files under stages/ and
 * touches no file of libsanta.
 *
 * santa_stage_main()'s order, which the hooks can rely on:
 *   1. configuration: core rows + the stage's sets, parsed once (--help
 *      prints both; exit 2 on a bad value, 0 after --help)
 *   2. run_instead (e.g. a schema change: do one job, exit with its code)
 *   3. runtime set-up and instrumentation, then open_store
 *   4. start (e.g. an admin listener), then headers (read once)
 *   5. serving: each request goes to answer first, then to the API
 *   6. SIGTERM, SIGINT or santa_stage_request_stop(): drain runs while the
 *      listener still accepts (the stage can tell its balancer to stop
 *      sending, and wait until it has), then the listener closes and the
 *      in-flight requests finish
 *   7. stop (after the last request), the store closes, exit 0
 */
#ifndef SANTA_STAGE_H
#define SANTA_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/api.h"
#include "santa/config.h"
#include "santa/status.h"
#include "santa/store.h"

struct santa_stage {
    unsigned core; /* which core rows it takes: enum santa_core_options */
    /* Its back end's option rows; the first set with NULL rows ends them. */
    struct santa_option_set options[SANTA_OPTION_SETS];
    void *ctx; /* the stage's own state (usually holding those sets' dests) */

    /* Required: opens the store the API serves from; a reason in err. */
    enum santa_status (*open_store)(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen);

    /* Optional hooks; NULL means "nothing to do". */
    /* Returns an exit code to end without serving (a one-shot job such as
     * changing a schema), or -1 to serve. */
    int (*run_instead)(void *ctx, const struct santa_config *cfg);
    /* After the store opened, before serving: 0, or -1 with err (exit 1). */
    int (*start)(void *ctx, const struct santa_config *cfg, struct santa_store *store, char *err,
                 size_t errlen);
    /* Header lines ("Name: value\r\n" each) added to every answer; read
     * once after start, must live until the end. */
    const char *(*headers)(void *ctx);
    /* A request the stage answers itself before the API's routes (true:
     * resp is filled, its body santa_malloc'ed). Called from every worker. */
    bool (*answer)(void *ctx, const struct santa_request *req, struct santa_response *resp);
    /* The stop was asked for; the listener still accepts while it runs. */
    void (*drain)(void *ctx);
    /* After the last request, before the store closes. */
    void (*stop)(void *ctx);
    /* Reminders sent inside the request (stage 01, the lesson's "before"):
     * once the store queued the batch of POST .../reminders, sends it and
     * reports how many went out (the answer's "sent"). Called from every
     * worker thread. */
    enum santa_status (*remind_now)(void *ctx, const char *exchange_id, uint32_t *sent);
};

/* The whole life of a stage binary (see the order above). Returns the
 * process exit code: 0 after a clean stop or --help, 1 when it could not
 * start, 2 for a bad option. */
int santa_stage_main(const struct santa_stage *stage, int argc, char **argv);

/* Asks the running stage for the same orderly stop as SIGTERM (drain,
 * finish in-flight requests, close, exit 0). Safe from any thread, e.g. an
 * admin route's handler. */
void santa_stage_request_stop(void);

#endif /* SANTA_STAGE_H */
