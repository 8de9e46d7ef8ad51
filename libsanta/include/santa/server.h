/*
 * server.h - running a stage: the HTTP server around santa_api_handle().
 *
 * A stage's main() loads its configuration, opens its store and calls
 * santa_server_run(), which serves until SIGTERM or SIGINT, then stops
 * accepting, lets in-flight requests finish (mg_stop waits for every worker
 * thread), and returns the process exit code. The store is borrowed: the
 * caller closes it after santa_server_run() returns.
 */
#ifndef SANTA_SERVER_H
#define SANTA_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/store.h"

/* One-time process set-up: libsodium, jansson's allocator, SIGPIPE ignored.
 * Call first in main(), before any thread exists. Returns 0 or -1. */
int santa_runtime_init(void);

/* Serves until SIGTERM/SIGINT; returns 0 after a clean stop, 1 when the
 * server could not start (the reason is logged). */
int santa_server_run(const struct santa_config *cfg, struct santa_store *store);

struct santa_http_options;

/* Starts the HTTP adapter with opts and serves until SIGTERM/SIGINT, then
 * stops gracefully. `what` describes the service in the start-up log line.
 * Returns 0 after a clean stop, 1 when it could not start. */
int santa_http_serve(const struct santa_http_options *opts, const char *program,
                     const char *what);

/* How a stage opens its store from the configuration; writes a reason to
 * err on failure. */
typedef enum santa_status (*santa_store_open_fn)(const struct santa_config *cfg,
                                                 struct santa_store **out, char *err,
                                                 size_t errlen);

/* The whole life of a stage binary: configuration (exit 2 on a bad flag,
 * 0 after --help), runtime set-up, the store, serving until a signal, and a
 * clean close. A stage's main() is one call to this. */
int santa_stage_main(int argc, char **argv, unsigned stage_mask, santa_store_open_fn open_store);

/* Stage 01's inline reminders (api.h, santa_app.remind_now): sends the
 * batch just queued for exchange_id with cfg's mail options. */
typedef enum santa_status (*santa_remind_now_fn)(const struct santa_config *cfg,
                                                 const char *exchange_id, uint32_t *sent);

/* santa_stage_main() for a stage that sends reminders inside the request. */
int santa_stage_main_remind(int argc, char **argv, unsigned stage_mask,
                            santa_store_open_fn open_store, santa_remind_now_fn remind_now);

#endif /* SANTA_SERVER_H */
