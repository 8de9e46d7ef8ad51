/*
 * ui.c - serves the web UI (libsanta/ui/) from the table embed.cmake
 * compiled in. Which file a route gets is decided by its path alone:
 *
 *   /                   index.html  (create an exchange)
 *   /x/{id}/join        join.html   (the invite link; the code is in #i=)
 *   /x/{id}/admin       admin.html  (the organizer; the token is in #t=)
 *   /x/{id}/me          me.html     (a participant; the token is in #t=)
 *   /ui/NAME            NAME        (app.js, app.css, icon.svg)
 *
 * The pages never receive a secret: tokens and invite codes live in the
 * URL fragment, which browsers do not send, so they reach no log or proxy.
 * The pages are the same for every exchange; the JavaScript reads the id
 * from the path and talks to the API like any other client. The security
 * headers (the strict Content-Security-Policy, nosniff, no-referrer) are
 * sent with every answer by the HTTP adapter.
 */
#include <string.h>

#include "api_internal.h"
#include "ui.h"
#include "ui_assets.h"
#include "santa/alloc.h"

static const struct santa_ui_asset *find(const char *name, size_t len)
{
    for (size_t i = 0; i < santa_ui_asset_count; i++) {
        const struct santa_ui_asset *a = &santa_ui_assets[i];
        if (strlen(a->name) == len && memcmp(a->name, name, len) == 0)
            return a;
    }
    return NULL;
}

/* The file a UI path names: "/" is index.html, "/ui/NAME" is NAME, and
 * "/x/{id}/PAGE" is PAGE.html. The route table has already checked the
 * path's shape, so only the last segment matters. */
static const struct santa_ui_asset *asset_for(const char *path)
{
    if (strcmp(path, "/") == 0)
        return find("index.html", strlen("index.html"));
    const char *last = strrchr(path, '/') + 1;
    if (strncmp(path, "/ui/", 4) == 0)
        return find(last, strlen(last));
    char page[32];
    size_t n = strlen(last);
    if (n + sizeof ".html" > sizeof page)
        return NULL;
    memcpy(page, last, n);
    memcpy(page + n, ".html", sizeof ".html");
    return find(page, strlen(page));
}

enum santa_status santa_h_ui(struct santa_ctx *ctx)
{
    const struct santa_ui_asset *a = asset_for(ctx->req->path);
    if (a == NULL) /* a route without its file: a build mistake, still an answer */
        return SANTA_NOT_FOUND;
    /* The response owns its body (santa_response_release frees it), so the
     * page is copied: a few kilobytes, far below a store call. */
    char *body = santa_malloc(a->len ? a->len : 1);
    if (body == NULL)
        return SANTA_UNAVAILABLE;
    memcpy(body, a->data, a->len);
    santa_jb_discard(&ctx->out); /* the dispatcher's empty JSON document, unused */
    ctx->ready_body = body;
    ctx->ready_len = a->len;
    ctx->resp->content_type = a->content_type;
    return SANTA_OK;
}
