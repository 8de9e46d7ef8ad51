/*
 * ui.h - the web UI's one handler (ui.c), for the route table, and the
 * Content-Security-Policy the HTTP adapter sends with every answer.
 *
 * Every UI route (GET /, /ui/app.js, /x/{id}/admin, ...) is answered by
 * santa_h_ui, which picks the embedded file from the request's path.
 */
#ifndef SANTA_UI_H
#define SANTA_UI_H

#include "santa/status.h"

/*
 * One policy for pages and API answers alike (a JSON answer loads nothing,
 * so it loses nothing): scripts, styles and images only from our own
 * files, never inline and never eval; fetch() only to our own API; no
 * <base>, no form posts (the pages submit through fetch), no framing; and
 * Trusted Types, so no string can reach innerHTML: user text is set with
 * textContent only.
 */
#define SANTA_CSP                                                                                  \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "            \
    "require-trusted-types-for 'script'"

struct santa_ctx;
enum santa_status santa_h_ui(struct santa_ctx *ctx);

#endif /* SANTA_UI_H */
