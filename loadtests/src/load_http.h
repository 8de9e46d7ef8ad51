/*
 * load_http.h - an incremental HTTP/1.1 response parser for the load generator.
 *
 * Bytes are fed as they arrive from the socket, in pieces of any size (one byte
 * at a time works, and the tests do exactly that). The parser understands
 * Content-Length bodies, chunked bodies (with trailers), bodies delimited by
 * the end of the connection, 1xx interim answers, and the responses that never
 * have a body (HEAD, 204, 304). It records what a load test needs: the status,
 * whether the connection may be kept, the Server-Timing durations, and the
 * first body_cap bytes of the body (steps read ids and tokens from it).
 *
 * No allocation: the caller owns the struct and the body buffer. A response is
 * parsed in place; lines that span two reads are copied into a fixed line
 * buffer, and a line longer than that is a parse error (a real server sends
 * nothing close to it).
 */
#ifndef SANTA_LOAD_HTTP_H
#define SANTA_LOAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_HTTP_LINE_MAX 8192

#define LOAD_ST_MAX 8   /* Server-Timing metrics kept per answer */
#define LOAD_ST_NAME 24 /* bytes of a metric's name, NUL included */

enum load_http_result {
    LOAD_HTTP_MORE,  /* the response is not complete: feed more bytes */
    LOAD_HTTP_DONE,  /* one whole response parsed */
    LOAD_HTTP_ERROR  /* not a valid HTTP/1.x response; close the connection */
};

struct load_http_resp {
    /* Results, valid once load_http_feed returned LOAD_HTTP_DONE. */
    int status;
    bool keep_alive;
    /* Server-Timing durations in microseconds, -1 when the header lacks them. */
    int64_t st_app_us, st_store_us, st_cache_us;
    /* Every metric with a dur, whatever its name (the first dur of each, the
       first LOAD_ST_MAX metrics; names longer than LOAD_ST_NAME-1 are cut). */
    struct load_st_metric {
        char name[LOAD_ST_NAME];
        int64_t us;
    } st[LOAD_ST_MAX];
    unsigned nst;
    char *body;        /* the first body_cap bytes of the body, caller's buffer */
    size_t body_len;   /* bytes kept in body (<= body_cap) */
    size_t body_cap;
    uint64_t body_total; /* bytes of body received, kept or not */

    /* Parser state; private. */
    int state;
    bool head;         /* the request was HEAD: no body whatever the headers say */
    bool chunked;
    bool has_length;
    bool http10;
    uint64_t remaining; /* bytes left of the content or of the current chunk */
    size_t line_len;
    char line[LOAD_HTTP_LINE_MAX];
};

/* Prepares r for its first response; body_buf (body_cap bytes, may be NULL with
   body_cap 0) receives the start of each body. */
void load_http_resp_init(struct load_http_resp *r, char *body_buf, size_t body_cap);

/* Prepares r for the next response on the same connection. head: the request
   was a HEAD (the answer has headers only). */
void load_http_resp_reset(struct load_http_resp *r, bool head);

/* Feeds len bytes. *used receives how many were consumed: all of them unless
   the response ended inside the buffer (the rest belongs to the next one). */
enum load_http_result load_http_feed(struct load_http_resp *r, const char *p, size_t len,
                                     size_t *used);

/* The peer closed the connection: completes a response delimited by the close,
   anything else still open is an error. */
enum load_http_result load_http_eof(struct load_http_resp *r);

/* Parses one Server-Timing header value into r (exposed for the tests). */
void load_http_server_timing(struct load_http_resp *r, const char *v, size_t n);

#endif /* SANTA_LOAD_HTTP_H */
