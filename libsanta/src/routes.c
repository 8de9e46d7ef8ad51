/*
 * routes.c - the route table and the dispatcher.
 *
 * Routes are data: method, path template, handler. The
 * template doubles as the metric and span name, so ids never leak into
 * label values. Matching splits the path on '/' and compares segment by
 * segment; a {id} or {pid} segment accepts only a well-formed id, so a
 * malformed id is a plain 404 without touching the store. What a request
 * answers is rendered by request_ctx.c.
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "santa/alloc.h"
#include "santa/token.h"
#include "ui.h"

struct route {
    const char *method;
    const char *pattern;
    const char *name; /* method + template: the metric and span name */
    santa_handler_fn handler;
};

#define ROUTE(method, pattern, handler)                                                            \
    {                                                                                              \
        method, pattern, method " " pattern, handler                                               \
    }

static const struct route routes[] = {
    ROUTE("POST", "/api/exchanges", santa_h_exchange_create),
    ROUTE("GET", "/api/exchanges/{id}", santa_h_exchange_get),
    ROUTE("POST", "/api/exchanges/{id}/participants", santa_h_participant_join),
    ROUTE("GET", "/api/exchanges/{id}/participants", santa_h_participant_list),
    ROUTE("DELETE", "/api/exchanges/{id}/participants/{pid}", santa_h_participant_delete),
    ROUTE("PUT", "/api/exchanges/{id}/participants/{pid}/wishlist", santa_h_wishlist_put),
    ROUTE("POST", "/api/exchanges/{id}/exclusions", santa_h_exclusion_add),
    ROUTE("POST", "/api/exchanges/{id}/draw", santa_h_draw),
    ROUTE("DELETE", "/api/exchanges/{id}/draw", santa_h_undraw),
    ROUTE("GET", "/api/exchanges/{id}/assignment", santa_h_assignment_get),
    ROUTE("POST", "/api/exchanges/{id}/reminders", santa_h_reminders),
    ROUTE("GET", "/healthz", santa_h_healthz),
    ROUTE("GET", "/readyz", santa_h_readyz),
    ROUTE("GET", "/metrics", santa_h_metrics),
    /* The web UI (ui.c): pages and assets compiled into the binary. */
    ROUTE("GET", "/", santa_h_ui),
    ROUTE("GET", "/ui/app.js", santa_h_ui),
    ROUTE("GET", "/ui/app.css", santa_h_ui),
    ROUTE("GET", "/ui/icon.svg", santa_h_ui),
    ROUTE("GET", "/x/{id}/join", santa_h_ui),
    ROUTE("GET", "/x/{id}/admin", santa_h_ui),
    ROUTE("GET", "/x/{id}/me", santa_h_ui),
};

size_t santa_route_count(void)
{
    return sizeof routes / sizeof routes[0];
}

void santa_route_get(size_t i, const char **method, const char **pattern)
{
    *method = routes[i].method;
    *pattern = routes[i].pattern;
}

/* Compares one template against the path; fills {id}/{pid}. */
static bool match(const char *pattern, const char *path, struct santa_ctx *ctx)
{
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t n = strcspn(u, "/");
            if (!santa_id_valid(u, n))
                return false;
            char *dst = (p[1] == 'i') ? ctx->id : ctx->pid;
            memcpy(dst, u, n);
            dst[n] = '\0';
            p = close + 1;
            u += n;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    return *p == '\0' && *u == '\0';
}

/* Arena ceiling: a 1000-participant page of maximal text fits well inside. */
#define REQUEST_ARENA_LIMIT (32u << 20)

void santa_api_handle(const struct santa_app *app, const struct santa_request *req,
                      struct santa_response *resp)
{
    memset(resp, 0, sizeof *resp);
    struct santa_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.app = app;
    ctx.req = req;
    ctx.resp = resp;
    ctx.ok_status = 200;
    ctx.has_out = true;
    santa_arena_init(&ctx.arena, REQUEST_ARENA_LIMIT);

    const struct route *hit = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].method, req->method) == 0 &&
            match(routes[i].pattern, req->path, &ctx)) {
            hit = &routes[i];
            resp->route = routes[i].name;
            resp->route_id = (uint16_t)(i + 1);
            break;
        }
    }
    if (hit == NULL) {
        /* Unknown paths and methods alike: the API has no other routes
         * (no debug endpoints, no file serving). */
        resp->route = "unmatched";
        snprintf(ctx.err.detail, sizeof ctx.err.detail, "no route for %.16s %.64s", req->method,
                 req->path);
        santa_ctx_render_problem(&ctx, SANTA_NOT_FOUND);
        santa_arena_release(&ctx.arena);
        return;
    }
    santa_jb_init(&ctx.out);
    enum santa_status st = hit->handler(&ctx);
    if (st == SANTA_OK) {
        santa_ctx_render_success(&ctx);
    } else {
        santa_jb_discard(&ctx.out);
        santa_free(ctx.ready_body);
        santa_ctx_render_problem(&ctx, st);
    }
    santa_arena_release(&ctx.arena);
}
