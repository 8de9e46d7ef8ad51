/*
 * auth.c - from an Authorization header to a principal, and the checks
 * every protected route makes (API1/API5 of the OWASP API Top 10).
 *
 * Order matters and is the same everywhere: no or malformed or unknown
 * credentials -> 401; a real token of another exchange -> 403; a real token
 * of this exchange without the needed role -> 403. A token never unlocks
 * anything outside its own exchange, and nothing about another exchange is
 * revealed (the 403 comes before any read of the path's exchange).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "santa/token.h"

/* Extracts the token of "Bearer <token>"; the scheme is case-insensitive
 * (RFC 7235) and a token is exactly SANTA_TOKEN_LEN base64url characters. */
static bool bearer_token(const char *header, const char **tok, size_t *len)
{
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (!santa_token_shape_valid(t, n))
        return false;
    *tok = t;
    *len = n;
    return true;
}

enum santa_status santa_ctx_auth(struct santa_ctx *ctx, bool admin_only,
                                 struct santa_principal *who)
{
    const char *tok;
    size_t len;
    if (!bearer_token(ctx->req->authorization, &tok, &len)) {
        ctx->resp->www_authenticate = true;
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "send the token you were given as Authorization: Bearer <token>");
        return SANTA_UNAUTHORIZED;
    }
    struct santa_hash h;
    santa_secret_hash(tok, len, &h);
    enum santa_status st;
    st = SANTA_STORE(ctx)->ops->principal_find(SANTA_STORE(ctx), &h, who);
    if (st == SANTA_NOT_FOUND) {
        ctx->resp->www_authenticate = true;
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s", "this token is not valid");
        return SANTA_UNAUTHORIZED;
    }
    if (st != SANTA_OK)
        return st;
    if (strcmp(who->exchange_id, ctx->id) != 0) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "this token belongs to another exchange");
        return SANTA_FORBIDDEN;
    }
    if (admin_only && who->role != SANTA_ROLE_ADMIN) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "only the organizer may do this");
        return SANTA_FORBIDDEN;
    }
    return SANTA_OK;
}
