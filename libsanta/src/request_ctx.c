/*
 * request_ctx.c - one request's answer: the problem+json of a refusal, the
 * body of a success, and the helpers handlers call on their context (see
 * api_internal.h). routes.c finds the handler; this file renders what it
 * decided.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "santa/alloc.h"

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

void santa_ctx_render_problem(struct santa_ctx *ctx, enum santa_status st)
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
    santa_ctx_render_problem(&ctx, st);
}

void santa_ctx_render_success(struct santa_ctx *ctx)
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
        santa_ctx_render_problem(ctx, SANTA_UNAVAILABLE);
    }
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
