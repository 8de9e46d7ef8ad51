/*
 * status.h - the one status enum of santa-stack.
 *
 * Every function that can fail returns an enum santa_status. The list below is
 * the single source of truth: the enum, its stable machine word (the `code` of
 * a problem+json answer, see docs/API.md), its HTTP status and its title
 * all come from this one X-macro, so they can never drift apart.
 *
 * Back ends translate their native errors (errno, SQLITE_*, SQLSTATE ...) into
 * these values at their boundary and keep the native detail in their own error
 * buffer for logs; nothing above the store ever sees a native error code.
 */
#ifndef SANTA_STATUS_H
#define SANTA_STATUS_H

/* X(NAME, http, "code", "title") */
#define SANTA_STATUS_MAP(X)                                                                        \
    X(OK, 200, "ok", "OK")                                                                         \
    X(INVALID_JSON, 400, "invalid_json", "Request body is not valid JSON")                         \
    X(VALIDATION_FAILED, 400, "validation_failed", "Request failed validation")                    \
    X(UNKNOWN_FIELD, 400, "unknown_field", "Request has an unknown field")                         \
    X(BODY_TOO_LARGE, 413, "body_too_large", "Request body is too large")                          \
    X(LENGTH_REQUIRED, 411, "length_required", "Request body needs a Content-Length")             \
    X(REQUEST_TIMEOUT, 408, "request_timeout", "Request did not arrive in time")                   \
    X(RATE_LIMITED, 429, "rate_limited", "Too many requests from this address")                    \
    X(NOT_FOUND, 404, "not_found", "Not found")                                                    \
    X(UNAUTHORIZED, 401, "unauthorized", "Missing or invalid credentials")                         \
    X(FORBIDDEN, 403, "forbidden", "These credentials do not grant this")                          \
    X(BAD_INVITE, 403, "bad_invite", "Wrong invite code")                                          \
    X(ALREADY_DRAWN, 409, "already_drawn", "The exchange is already drawn")                        \
    X(NOT_DRAWN, 409, "not_drawn", "The exchange is not drawn yet")                                \
    X(EMAIL_TAKEN, 409, "email_taken", "That email has already joined this exchange")              \
    X(EXCHANGE_FULL, 422, "exchange_full", "The exchange is full")                                 \
    X(TOO_FEW_PARTICIPANTS, 422, "too_few_participants", "A draw needs at least 3 participants")   \
    X(DRAW_INFEASIBLE, 422, "draw_infeasible", "No draw satisfies the exclusions")                 \
    X(UNAVAILABLE, 503, "unavailable", "Service unavailable")

enum santa_status {
#define SANTA_STATUS_ENUM(name, http, code, title) SANTA_##name,
    SANTA_STATUS_MAP(SANTA_STATUS_ENUM)
#undef SANTA_STATUS_ENUM
        SANTA_STATUS_COUNT
};

/* The stable machine word, e.g. "already_drawn". Never NULL. */
const char *santa_status_code(enum santa_status st);
/* A short human title, e.g. "The exchange is already drawn". Never NULL. */
const char *santa_status_title(enum santa_status st);
/* The HTTP status the API answers with, e.g. 409. */
int santa_status_http(enum santa_status st);

#endif /* SANTA_STATUS_H */
