/*
 * api.h - the HTTP API of docs/API.md, independent of any web server.
 *
 * The CivetWeb adapter (http_civetweb.c) turns a connection into a
 * struct santa_request, calls santa_api_handle(), and writes the
 * struct santa_response back. Nothing here knows about sockets, so every
 * route, status and error code is unit-testable with an in-memory store.
 *
 * Lifetimes: a request borrows its strings from the adapter for the duration
 * of santa_api_handle(). The response's body is heap memory owned by the
 * response until santa_response_release().
 */
#ifndef SANTA_API_H
#define SANTA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/clock.h"
#include "santa/store.h"

/* What the service needs to answer requests. The store is borrowed. */
struct santa_app {
    struct santa_store *store;
    struct santa_rng rng; /* the draw's randomness (santa_rng_csprng() in production) */
    /* Stage 01 only: sends the batch POST .../reminders just queued, inside
     * the request (the lesson: the request lasts as long as the mails), and
     * reports how many went out. NULL in stages whose workers send. */
    enum santa_status (*remind_now)(const void *ctx, const char *exchange_id, uint32_t *sent);
    const void *remind_ctx;
};

struct santa_request {
    const char *method;        /* "GET", "POST", ... */
    const char *path;          /* decoded path without the query, e.g. "/api/exchanges/abc" */
    const char *query;         /* raw query string without '?', or NULL */
    const char *authorization; /* the Authorization header, or NULL */
    const char *body;          /* may be NULL when body_len == 0 */
    size_t body_len;
};

struct santa_response {
    int status;                /* HTTP status */
    const char *content_type;  /* static string */
    char location[96];         /* "" when there is no Location header */
    char *body;                /* santa_malloc'ed, may be NULL */
    size_t body_len;
    const char *route;         /* the route template, e.g. "GET /api/exchanges/{id}" */
    uint16_t route_id;         /* 1 + the route's index in the table, 0 when none matched */
    const char *code;          /* the problem code on errors, else NULL */
    bool www_authenticate;     /* a 401 that needs WWW-Authenticate: Bearer */
    uint32_t retry_after;      /* seconds for a Retry-After header (429); 0: none */
};

/* Answers one request. Never fails: every error, including out of memory,
 * becomes a problem+json response. Thread-safe as far as the store is. */
void santa_api_handle(const struct santa_app *app, const struct santa_request *req,
                      struct santa_response *resp);

/* Frees the body; the struct can be reused. */
void santa_response_release(struct santa_response *resp);

/* A problem+json response for errors found before routing (framing, size). */
void santa_api_problem(struct santa_response *resp, enum santa_status st, const char *detail);

/* santa_now_ns(), the monotonic clock, lives in santa/clock.h. */

#endif /* SANTA_API_H */
