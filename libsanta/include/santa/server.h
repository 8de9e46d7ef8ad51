/*
 * server.h - serving: the HTTP server around a handler, until a signal.
 *
 * santa_http_serve() serves until SIGTERM or SIGINT, then stops accepting,
 * lets in-flight requests finish (mg_stop waits for every worker thread),
 * and returns. A stage does not call it: santa_stage_main() (stage.h) does;
 * the speed baseline (bench/baseline.c) calls it directly.
 */
#ifndef SANTA_SERVER_H
#define SANTA_SERVER_H

#include <stddef.h>

struct santa_http_options;

/* One-time process set-up: libsodium, jansson's allocator, SIGPIPE ignored.
 * Call first in main(), before any thread exists. Returns 0 or -1. */
int santa_runtime_init(void);

/* Called once the stop signal arrived, while the listener still accepts. */
typedef void (*santa_drain_fn)(void *ctx);

/* Starts the HTTP adapter with opts and serves until SIGTERM/SIGINT, then
 * calls drain (may be NULL) and stops gracefully. `what` describes the
 * service in the start-up log line. Returns 0 after a clean stop, 1 when it
 * could not start. */
int santa_http_serve(const struct santa_http_options *opts, const char *program,
                     const char *what, santa_drain_fn drain, void *drain_ctx);

#endif /* SANTA_SERVER_H */
