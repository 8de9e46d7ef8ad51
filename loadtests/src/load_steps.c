/*
 * load_steps.c - requests and answers of the built-in steps (see load_steps.h).
 */
#include "load_steps.h"

#include <stdio.h>
#include <string.h>

#include "load_config.h"
#include "load_json.h"

/* The parts of one request; NULL members are left out. */
struct req {
    const char *method;
    char path[384];
    const char *token;
    const char *body;
};

static int format(const struct load_step_ctx *ctx, const struct req *q, char *buf, size_t cap,
                  uint8_t trace_id[16])
{
    char tp[LOAD_TRACEPARENT_LEN];
    load_traceparent(ctx->rng, ctx->cfg->trace_sample, tp, trace_id);
    const struct load_config *cfg = ctx->cfg;
    int n = snprintf(buf, cap,
                     "%s %s HTTP/1.1\r\nHost: %s\r\ntraceparent: %.*s\r\n%s%s%s",
                     q->method, q->path, cfg->host_port, LOAD_TRACEPARENT_LEN, tp,
                     q->token ? "Authorization: Bearer " : "", q->token ? q->token : "",
                     q->token ? "\r\n" : "");
    if (n < 0 || (size_t)n >= cap) {
        return -1;
    }
    int m;
    if (q->body) {
        size_t bl = strlen(q->body);
        m = snprintf(buf + n, cap - (size_t)n,
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", bl,
                     q->body);
    } else {
        m = snprintf(buf + n, cap - (size_t)n, "\r\n");
    }
    if (m < 0 || (size_t)m >= cap - (size_t)n) {
        return -1;
    }
    return n + m;
}

/* Picks an exchange: the user's own, else a seeded one (open ones only when
   want_open). Fills id (and invite/admin when asked). false when none. */
static bool pick_ex(struct load_step_ctx *ctx, struct load_vu_state *st, bool want_open)
{
    if (st->has_ex) {
        return true;
    }
    const struct load_pool *p = ctx->pool;
    const struct load_pool_ex *e;
    if (want_open) {
        if (!p || p->nopen == 0) {
            return false;
        }
        e = &p->ex[p->open[load_rng_below(ctx->rng, p->nopen)]];
    } else {
        if (!p || p->nex == 0) {
            return false;
        }
        e = &p->ex[load_rng_below(ctx->rng, p->nex)];
    }
    /* Borrowed for this one request: has_ex stays false, so the next step picks again. */
    snprintf(st->ex, sizeof(st->ex), "%s", e->id);
    snprintf(st->admin, sizeof(st->admin), "%s", e->admin);
    snprintf(st->invite, sizeof(st->invite), "%s", e->invite);
    return true;
}

/* Picks a participant: the user's own, else a seeded one (of a drawn exchange
   when want_drawn). */
static bool pick_part(struct load_step_ctx *ctx, struct load_vu_state *st, bool want_drawn)
{
    if (st->has_part && (!want_drawn || (st->drawn && st->part_in_own_ex))) {
        return true;
    }
    const struct load_pool *p = ctx->pool;
    const struct load_pool_part *pp;
    if (want_drawn) {
        if (!p || p->ndrawn_parts == 0) {
            return false;
        }
        pp = &p->parts[p->drawn_parts[load_rng_below(ctx->rng, p->ndrawn_parts)]];
    } else {
        if (!p || p->nparts == 0) {
            return false;
        }
        pp = &p->parts[load_rng_below(ctx->rng, p->nparts)];
    }
    snprintf(st->pex, sizeof(st->pex), "%s", p->ex[pp->ex].id);
    snprintf(st->pid, sizeof(st->pid), "%s", pp->id);
    snprintf(st->ptoken, sizeof(st->ptoken), "%s", pp->token);
    return true;
}

int load_step_request(enum load_step_kind kind, struct load_step_ctx *ctx,
                      struct load_vu_state *st, char *buf, size_t cap, uint8_t trace_id[16])
{
    const char *base = ctx->cfg->base_path;
    struct req q = {.method = "GET"};
    char body[512];
    int n = 0;
    switch (kind) {
    case LOAD_STEP_GET:
        n = snprintf(q.path, sizeof(q.path), "%s", base[0] ? base : "/");
        break;
    case LOAD_STEP_HEALTHZ:
        n = snprintf(q.path, sizeof(q.path), "%s/healthz", base);
        break;
    case LOAD_STEP_CREATE_EXCHANGE:
        q.method = "POST";
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges", base);
        snprintf(body, sizeof(body),
                 "{\"name\":\"load w%u n%llu\",\"budget\":\"20 EUR\",\"no_mutual\":false}",
                 ctx->worker, (unsigned long long)ctx->seq++);
        q.body = body;
        break;
    case LOAD_STEP_JOIN:
        if (!pick_ex(ctx, st, true)) {
            return -1;
        }
        q.method = "POST";
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/participants", base, st->ex);
        snprintf(body, sizeof(body),
                 "{\"invite_code\":\"%s\",\"name\":\"Load User %llu\","
                 "\"email\":\"w%u.%llu.%08x@load.test\",\"wishlist\":\"socks, a book\"}",
                 st->invite, (unsigned long long)ctx->seq, ctx->worker,
                 (unsigned long long)ctx->seq, (unsigned)load_rng_next(ctx->rng));
        ctx->seq++;
        q.body = body;
        break;
    case LOAD_STEP_VIEW_EXCHANGE:
        if (!pick_ex(ctx, st, false)) {
            return -1;
        }
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s", base, st->ex);
        break;
    case LOAD_STEP_LIST_PARTICIPANTS:
        if (!pick_ex(ctx, st, false)) {
            return -1;
        }
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/participants?limit=100", base,
                     st->ex);
        q.token = st->admin;
        break;
    case LOAD_STEP_REVEAL:
        if (!pick_part(ctx, st, true)) {
            return -1;
        }
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/assignment", base, st->pex);
        q.token = st->ptoken;
        break;
    case LOAD_STEP_UPDATE_WISHLIST:
        if (!pick_part(ctx, st, false)) {
            return -1;
        }
        q.method = "PUT";
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/participants/%s/wishlist", base,
                     st->pex, st->pid);
        snprintf(body, sizeof(body), "{\"wishlist\":\"a scarf, size %u\"}",
                 load_rng_below(ctx->rng, 100));
        q.token = st->ptoken;
        q.body = body;
        break;
    case LOAD_STEP_DRAW:
        if (!st->has_ex) {
            return -1; /* only the user's own exchange: drawing a seeded one would close it */
        }
        q.method = "POST";
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/draw", base, st->ex);
        q.token = st->admin;
        break;
    case LOAD_STEP_REMIND:
        if (!pick_ex(ctx, st, false)) {
            return -1;
        }
        q.method = "POST";
        n = snprintf(q.path, sizeof(q.path), "%s/api/exchanges/%s/reminders", base, st->ex);
        q.token = st->admin;
        break;
    default:
        return -1;
    }
    if (n < 0 || (size_t)n >= sizeof(q.path)) {
        return -1;
    }
    return format(ctx, &q, buf, cap, trace_id);
}

static enum load_err by_status(int status, int want)
{
    if (status == want) {
        return LOAD_ERR_NONE;
    }
    if (status >= 500) {
        return LOAD_ERR_HTTP_5XX;
    }
    return status >= 400 ? LOAD_ERR_HTTP_4XX : LOAD_ERR_ASSERT;
}

enum load_err load_step_response(enum load_step_kind kind, struct load_vu_state *st, int status,
                                 const char *body, size_t len)
{
    switch (kind) {
    case LOAD_STEP_GET:
        return status >= 500 ? LOAD_ERR_HTTP_5XX : status >= 400 ? LOAD_ERR_HTTP_4XX
                                                                 : LOAD_ERR_NONE;
    case LOAD_STEP_CREATE_EXCHANGE: {
        enum load_err e = by_status(status, 201);
        if (e != LOAD_ERR_NONE) {
            return e;
        }
        static const char *const keys[] = {"id", "admin_token", "invite_code"};
        char *const outs[] = {st->ex, st->admin, st->invite};
        if (load_json_strings(body, len, keys, outs, LOAD_ID_MAX, 1) != 0 ||
            load_json_strings(body, len, keys + 1, outs + 1, LOAD_TOKEN_MAX, 2) != 0) {
            return LOAD_ERR_ASSERT;
        }
        st->has_ex = true;
        st->drawn = false;
        return LOAD_ERR_NONE;
    }
    case LOAD_STEP_JOIN: {
        enum load_err e = by_status(status, 201);
        if (e != LOAD_ERR_NONE) {
            return e;
        }
        static const char *const keys[] = {"id", "token"};
        char *const outs[] = {st->pid, st->ptoken};
        if (load_json_strings(body, len, keys, outs, LOAD_ID_MAX, 1) != 0 ||
            load_json_strings(body, len, keys + 1, outs + 1, LOAD_TOKEN_MAX, 1) != 0) {
            return LOAD_ERR_ASSERT;
        }
        /* The participant belongs to the exchange it joined: pin that one. */
        st->has_part = true;
        st->part_in_own_ex = st->has_ex;
        memcpy(st->pex, st->ex, sizeof(st->pex));
        return LOAD_ERR_NONE;
    }
    case LOAD_STEP_DRAW: {
        enum load_err e = by_status(status, 200);
        st->drawn = st->drawn || e == LOAD_ERR_NONE;
        return e;
    }
    case LOAD_STEP_REMIND:
        return by_status(status, 202); /* queued (stages 02-05) or sent (01) */
    default:
        return by_status(status, 200);
    }
}
