/*
 * api_internal.h - what the route table, the handlers and the problem
 * renderer share inside libsanta. Not installed, not for stages.
 *
 * A handler receives one struct santa_ctx per request. It either fills
 * ctx->out (the success document) and ctx->ok_status and returns SANTA_OK,
 * or returns an error status, optionally naming ctx->err.field and writing
 * ctx->err.detail; the dispatcher renders either answer.
 */
#ifndef SANTA_API_INTERNAL_H
#define SANTA_API_INTERNAL_H

#include "santa/json.h"
#include "observe.h"
#include "santa/api.h"

struct santa_ctx {
    const struct santa_app *app;
    const struct santa_request *req;
    struct santa_response *resp;
    struct santa_arena arena;
    char id[SANTA_ID_LEN + 1];  /* {id} of the route, "" when none */
    char pid[SANTA_ID_LEN + 1]; /* {pid} of the route, "" when none */
    struct santa_jb out;        /* the success document */
    bool has_out;               /* false for 204 */
    int ok_status;
    struct santa_json_error err;
    char *ready_body; /* santa_ctx_render_before_write(): the answer, rendered */
    size_t ready_len;
};

typedef enum santa_status (*santa_handler_fn)(struct santa_ctx *ctx);

/* Shorthand: the store of this request. */
#define SANTA_STORE(ctx) ((ctx)->app->store)

/* Fills ctx->resp with the problem+json of st (ctx->err's field and detail,
 * else the status's title); never fails (a fixed 503 body when out of
 * memory). request_ctx.c, like the helpers below. */
void santa_ctx_render_problem(struct santa_ctx *ctx, enum santa_status st);
/* Fills ctx->resp with the handler's answer (ctx->out or the body rendered
 * before the write); a problem when out of memory. */
void santa_ctx_render_success(struct santa_ctx *ctx);

/* Sets a validation error on `field` with a sentence; returns the status. */
enum santa_status santa_ctx_invalid(struct santa_ctx *ctx, const char *field, const char *detail);

/*
 * Renders ctx->out now, before the handler's write, and keeps it as the
 * answer. For writes whose answer holds a secret shown only once (the admin
 * token, a participant token): once such a write commits, answering it must
 * not fail for want of memory, or the client would get a 503 for something
 * that was stored, with a token nobody can ever see again. SANTA_UNAVAILABLE
 * (nothing written yet) when rendering fails. The handler adds nothing to
 * ctx->out afterwards.
 */
enum santa_status santa_ctx_render_before_write(struct santa_ctx *ctx);

/* Resolves the bearer token. SANTA_UNAUTHORIZED when absent, malformed or
 * unknown; SANTA_FORBIDDEN when it belongs to another exchange or, with
 * admin_only, is not the organizer's. */
enum santa_status santa_ctx_auth(struct santa_ctx *ctx, bool admin_only,
                                 struct santa_principal *who);

/* Writes the public view of an exchange into ctx->out at the current level. */
void santa_ctx_put_exchange(struct santa_ctx *ctx, const struct santa_exchange *ex);

/* Handlers, one per route (handlers_*.c). */
enum santa_status santa_h_exchange_create(struct santa_ctx *ctx);
enum santa_status santa_h_exchange_get(struct santa_ctx *ctx);
enum santa_status santa_h_participant_join(struct santa_ctx *ctx);
enum santa_status santa_h_participant_list(struct santa_ctx *ctx);
enum santa_status santa_h_participant_delete(struct santa_ctx *ctx);
enum santa_status santa_h_wishlist_put(struct santa_ctx *ctx);
enum santa_status santa_h_exclusion_add(struct santa_ctx *ctx);
enum santa_status santa_h_draw(struct santa_ctx *ctx);
enum santa_status santa_h_undraw(struct santa_ctx *ctx);
enum santa_status santa_h_assignment_get(struct santa_ctx *ctx);
enum santa_status santa_h_reminders(struct santa_ctx *ctx);
enum santa_status santa_h_healthz(struct santa_ctx *ctx);
enum santa_status santa_h_readyz(struct santa_ctx *ctx);
enum santa_status santa_h_metrics(struct santa_ctx *ctx);

/* The route table, for binding metric handles at start-up (observe.c). */
size_t santa_route_count(void);
void santa_route_get(size_t i, const char **method, const char **pattern);

#endif /* SANTA_API_INTERNAL_H */
