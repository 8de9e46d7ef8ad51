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

#include "santa/config.h"
#include "santa/store.h"

/* One-time process set-up: libsodium, jansson's allocator, SIGPIPE ignored.
 * Call first in main(), before any thread exists. Returns 0 or -1. */
int santa_runtime_init(void);

/* Serves until SIGTERM/SIGINT; returns 0 after a clean stop, 1 when the
 * server could not start (the reason is logged). */
int santa_server_run(const struct santa_config *cfg, struct santa_store *store);

#endif /* SANTA_SERVER_H */
