/*
 * http.h - the HTTP adapter: CivetWeb in, struct santa_request out.
 *
 * Every stage and the speed baseline (bench/baseline.c) serve through this
 * one adapter with the same CivetWeb settings, so the baseline measures
 * exactly the floor a stage stands on.
 *
 * civetweb.h is included only by http_civetweb.c (one file per library). The
 * adapter never serves files (no document_root: CivetWeb 1.15's file code has
 * known holes), never parses forms, and enforces the 64 KiB body limit itself
 * because CivetWeb's max_request_size bounds only the headers. It also owns
 * request framing (one Content-Length, no Transfer-Encoding, a body that
 * arrives whole and in time), closes the connection after every framing
 * error, and applies the per-address rate limit to writes.
 */
#ifndef SANTA_HTTP_H
#define SANTA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/api.h"

struct santa_http;

/* Answers one request (santa_api_handle for the API; the baseline answers a
 * fixed body). Called concurrently from every worker thread. */
typedef void (*santa_http_handler_fn)(void *ctx, const struct santa_request *req,
                                      struct santa_response *resp);
/* Called by each worker thread as it exits (release per-thread state). */
typedef void (*santa_http_thread_exit_fn)(void *ctx);

struct santa_http_options {
    const char *host;
    uint16_t port;
    uint32_t threads;
    uint32_t request_timeout_ms; /* CivetWeb's: all the headers, and each read */
    uint32_t body_timeout_ms;    /* the whole body, from the end of the headers; 0: 10 s */
    uint32_t rate_limit;         /* writes a minute per client address (burst too); 0: off */
    bool rate_limit_loopback;    /* limit loopback addresses too (tests); else exempt */
    santa_http_handler_fn handler;
    santa_http_thread_exit_fn thread_exit; /* may be NULL */
    void *ctx;                             /* borrowed; must outlive the server */
    /* Header lines ("Name: value\r\n" each) added to every answer, e.g. a
     * replica's X-Served-By; NULL for none. Borrowed. */
    const char *extra_headers;
};

/* Starts listening and serving. On failure returns NULL and writes the
 * reason to err. */
struct santa_http *santa_http_start(const struct santa_http_options *opts, char *err,
                                    size_t errlen);
/* Stops accepting, waits for in-flight requests, frees everything. */
void santa_http_stop(struct santa_http *h);

#endif /* SANTA_HTTP_H */
