/*
 * routes.c - the route table and the dispatcher.
 *
 * Routes are data (STYLE.md rule 16): method, path template, handler. The
 * template doubles as the metric and span name, so ids never leak into
 * label values. Matching splits the path on '/' and compares segment by
 * segment; a {id} or {pid} segment accepts only a well-formed id, so a
 * malformed id is a plain 404 without touching the store.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

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

uint64_t santa_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        lo = s[0] == 0xe0 ? 0xa0 : 0x80;
        hi = s[0] == 0xed ? 0x9f : 0xbf;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        lo = s[0] == 0xf0 ? 0x90 : 0x80;
        hi = s[0] == 0xf4 ? 0x8f : 0xbf;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* A detail can quote the client's bytes (a decoded path, a parser message
 * about a broken escape, a member name cut at 100 bytes). JSON text must be
 * UTF-8, and jansson refuses anything else; so instead of failing the whole
 * answer (which read as "503 out of memory"), each invalid byte becomes '?'. */
static void utf8_scrub(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0) {
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

static void render_problem(struct santa_ctx *ctx, enum santa_status st)
{
    utf8_scrub(ctx->err.detail);
    const char *detail = ctx->err.detail[0] ? ctx->err.detail : santa_status_title(st);
    struct santa_response *resp = ctx->resp;
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "type", "about:blank");
    santa_jb_str(&jb, "title", santa_status_title(st));
    santa_jb_uint(&jb, "status", (uint64_t)santa_status_http(st));
    santa_jb_str(&jb, "detail", detail);
    santa_jb_str(&jb, "code", santa_status_code(st));
    if (ctx->err.field)
        santa_jb_str(&jb, "field", ctx->err.field);
    resp->status = santa_status_http(st);
    resp->code = santa_status_code(st);
    resp->content_type = "application/problem+json";
    resp->location[0] = '\0';
    resp->body = santa_jb_finish(&jb, &resp->body_len);
    if (resp->body == NULL) {
        /* Out of memory even for the problem: a fixed answer, still valid. */
        static const char fallback[] =
            "{\"type\":\"about:blank\",\"title\":\"Service unavailable\",\"status\":503,"
            "\"detail\":\"out of memory\",\"code\":\"unavailable\"}";
        resp->status = 503;
        resp->code = "unavailable";
        resp->body = santa_strdup(fallback);
        resp->body_len = resp->body ? sizeof fallback - 1 : 0;
    }
}

void santa_api_problem(struct santa_response *resp, enum santa_status st, const char *detail)
{
    struct santa_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.resp = resp;
    if (detail) {
        size_t n = strlen(detail);
        if (n >= sizeof ctx.err.detail)
            n = sizeof ctx.err.detail - 1;
        memcpy(ctx.err.detail, detail, n);
    }
    render_problem(&ctx, st);
}

static void render_success(struct santa_ctx *ctx)
{
    struct santa_response *resp = ctx->resp;
    resp->status = ctx->ok_status;
    if (!ctx->has_out) {
        santa_jb_discard(&ctx->out);
        return;
    }
    if (resp->content_type == NULL) /* the UI's handler names its own */
        resp->content_type = "application/json";
    if (ctx->ready_body) {
        resp->body = ctx->ready_body;
        resp->body_len = ctx->ready_len;
        ctx->ready_body = NULL;
        return;
    }
    resp->body = santa_jb_finish(&ctx->out, &resp->body_len);
    if (resp->body == NULL) {
        ctx->err.field = NULL;
        ctx->err.detail[0] = '\0';
        render_problem(ctx, SANTA_UNAVAILABLE);
    }
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
        render_problem(&ctx, SANTA_NOT_FOUND);
        santa_arena_release(&ctx.arena);
        return;
    }
    santa_jb_init(&ctx.out);
    enum santa_status st = hit->handler(&ctx);
    if (st == SANTA_OK) {
        render_success(&ctx);
    } else {
        santa_jb_discard(&ctx.out);
        santa_free(ctx.ready_body);
        render_problem(&ctx, st);
    }
    santa_arena_release(&ctx.arena);
}

void santa_response_release(struct santa_response *resp)
{
    santa_free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}

enum santa_status santa_ctx_render_before_write(struct santa_ctx *ctx)
{
    ctx->ready_body = santa_jb_finish(&ctx->out, &ctx->ready_len);
    return ctx->ready_body ? SANTA_OK : SANTA_UNAVAILABLE;
}

enum santa_status santa_ctx_invalid(struct santa_ctx *ctx, const char *field, const char *detail)
{
    ctx->err.field = field;
    snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s", detail);
    return SANTA_VALIDATION_FAILED;
}
