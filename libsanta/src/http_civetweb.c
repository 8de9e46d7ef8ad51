/*
 * http_civetweb.c - the only file that knows CivetWeb (see http.h).
 *
 * Each request: read the body within the limit, build a struct
 * santa_request, call santa_api_handle(), and send the answer with the
 * headers every API response carries (Server-Timing, X-Trace-Id when
 * tracing is on, Cache-Control: no-store and the OWASP REST security
 * headers). The request is observed (observe.h) from before the body is
 * read until the answer is ready; sending it is not counted, as the client's
 * reading speed is not the server's latency.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <civetweb.h>

#include "santa/http.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/model.h"
#include "observe.h"
#include "ui.h"

struct santa_http {
    struct mg_context *ctx;
    struct santa_http_options opts;
};

/* Reads the request body into a heap buffer of at most SANTA_BODY_MAX bytes.
 * Returns SANTA_OK, SANTA_BODY_TOO_LARGE, or SANTA_UNAVAILABLE. */
static enum santa_status read_body(struct mg_connection *conn, long long declared, char **out,
                                   size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (declared > (long long)SANTA_BODY_MAX)
        return SANTA_BODY_TOO_LARGE; /* refused before reading a byte */
    /* Declared length, or chunked: then room for the limit plus one byte,
     * which tells "exactly the limit" from "over it". */
    size_t cap = declared >= 0 ? (size_t)declared : SANTA_BODY_MAX + 1;
    if (cap == 0)
        return SANTA_OK;
    char *buf = santa_malloc(cap);
    if (buf == NULL)
        return SANTA_UNAVAILABLE;
    size_t len = 0;
    while (len < cap) {
        int n = mg_read(conn, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (len > SANTA_BODY_MAX) {
        santa_free(buf);
        return SANTA_BODY_TOO_LARGE;
    }
    *out = buf;
    *out_len = len;
    return SANTA_OK;
}

static void add_header(struct mg_connection *conn, const char *name, const char *value)
{
    mg_response_header_add(conn, name, value, -1);
}

/* The answer's headers, in the order both paths below send them. */
static void put_headers(char *out, size_t cap, size_t *len, const struct santa_response *resp,
                        const struct santa_observed *obs)
{
    size_t n = *len;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__);                            \
        n += w_ > 0 ? (size_t)w_ : 0;                                                              \
    } while (0)
    if (resp->body)
        PUT("Content-Type: %s\r\n", resp->content_type);
    PUT("Content-Length: %zu\r\n", resp->body ? resp->body_len : 0);
    PUT("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        "X-Frame-Options: DENY\r\nContent-Security-Policy: " SANTA_CSP "\r\n"
        "Referrer-Policy: no-referrer\r\n");
    /* Where the time went, in ms: our code, the store, the cache (observe.c). */
    PUT("Server-Timing: %s\r\n", obs->server_timing);
    if (obs->trace_id[0])
        PUT("X-Trace-Id: %s\r\n", obs->trace_id);
    if (resp->location[0])
        PUT("Location: %s\r\n", resp->location);
    if (resp->www_authenticate)
        PUT("WWW-Authenticate: Bearer error=\"invalid_token\"\r\n");
#undef PUT
    *len = n;
}

/* True when CivetWeb will keep this connection open after the answer: an
 * HTTP/1.1 request that did not ask to close (CivetWeb's own rule, so the
 * two never disagree). */
static int keeps_alive(struct mg_connection *conn, const struct mg_request_info *ri)
{
    const char *c = mg_get_header(conn, "Connection");
    if (c)
        return strcasecmp(c, "keep-alive") == 0;
    return ri->http_version && strcmp(ri->http_version, "1.1") == 0;
}

/*
 * The common case, an HTTP/1.1 answer on a kept connection, goes out as one
 * buffer and one send: CivetWeb's mg_response_header_send() writes every
 * header line with its own send(), fourteen segments per answer with
 * TCP_NODELAY, which cost more than the whole handler of a cached read. We
 * write the Date header ourselves (gmtime_r; CivetWeb's gmtime is not
 * thread-safe). Returns 0 when the answer must take CivetWeb's path instead
 * (a connection that closes after it: CivetWeb adds the Connection header).
 */
static int send_fast(struct mg_connection *conn, const struct mg_request_info *ri,
                     const struct santa_response *resp, const struct santa_observed *obs)
{
    if (!keeps_alive(conn, ri))
        return 0;
    char head[8192];
    size_t n = 0;
    int w = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n", resp->status,
                     mg_get_response_code_text(conn, resp->status));
    n = w > 0 ? (size_t)w : 0;
    put_headers(head, sizeof head, &n, resp, obs);
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) && n < sizeof head)
        n += strftime(head + n, sizeof head - n, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    if (n + 2 >= sizeof head)
        return 0; /* cannot happen with our headers; CivetWeb's path copes anyway */
    memcpy(head + n, "\r\n", 2);
    n += 2;
    size_t body = resp->body ? resp->body_len : 0;
    if (body && n + body <= sizeof head) {
        memcpy(head + n, resp->body, body); /* small answers: one segment */
        mg_write(conn, head, n + body);
    } else {
        mg_write(conn, head, n);
        if (body)
            mg_write(conn, resp->body, body);
    }
    return 1;
}

static void send_response(struct mg_connection *conn, const struct mg_request_info *ri,
                          const struct santa_response *resp, const struct santa_observed *obs,
                          int close_after)
{
    if (!close_after && send_fast(conn, ri, resp, obs))
        return;
    /* CivetWeb's path: it adds Date and the Connection header it will obey. */
    char lines[4096];
    size_t n = 0;
    put_headers(lines, sizeof lines, &n, resp, obs);
    mg_response_header_start(conn, resp->status);
    mg_response_header_add_lines(conn, lines);
    if (close_after)
        add_header(conn, "Connection", "close");
    mg_response_header_send(conn);
    if (resp->body && resp->body_len)
        mg_write(conn, resp->body, resp->body_len);
}

/* Request smuggling defence: a body framed two ways is refused. */
static int ambiguous_framing(struct mg_connection *conn)
{
    return mg_get_header(conn, "Transfer-Encoding") != NULL &&
           mg_get_header(conn, "Content-Length") != NULL;
}

static int on_request(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    santa_observe_begin(mg_get_header(conn, "traceparent"));
    struct santa_http *h = mg_get_user_data(mg_get_context(conn));
    struct santa_response resp;
    memset(&resp, 0, sizeof resp);
    int close_after = 0;
    char *body = NULL;
    size_t body_len = 0;

    enum santa_status st = SANTA_OK;
    if (ambiguous_framing(conn)) {
        santa_api_problem(&resp, SANTA_VALIDATION_FAILED,
                          "send either Content-Length or Transfer-Encoding, not both");
        close_after = 1;
    } else if ((st = read_body(conn, ri->content_length, &body, &body_len)) != SANTA_OK) {
        santa_api_problem(&resp, st,
                          st == SANTA_BODY_TOO_LARGE ? "the body may be at most 65536 bytes"
                                                     : "out of memory reading the body");
        close_after = 1; /* the rest of the body is unread: do not reuse */
    } else {
        struct santa_request req = {
            .method = ri->request_method,
            .path = ri->local_uri ? ri->local_uri : "/",
            .query = ri->query_string,
            .authorization = mg_get_header(conn, "Authorization"),
            .body = body,
            .body_len = body_len,
        };
        h->opts.handler(h->opts.ctx, &req, &resp);
    }
    struct santa_observed obs;
    santa_observe_end(ri->request_method, &resp, &obs);
    send_response(conn, ri, &resp, &obs, close_after);
    int status = resp.status;
    santa_response_release(&resp);
    santa_free(body);
    return status; /* non-zero: handled; CivetWeb logs this status */
}

/* CivetWeb calls this as each worker thread ends (thread_type 1 is a
 * worker): the stage releases that thread's store state, e.g. its SQLite
 * connection. */
static void on_thread_exit(const struct mg_context *ctx, int thread_type, void *thread_pointer)
{
    (void)thread_pointer;
    struct santa_http *h = mg_get_user_data(ctx);
    if (thread_type == 1 && h->opts.thread_exit)
        h->opts.thread_exit(h->opts.ctx);
}

static int on_log(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    santa_log(SANTA_LOG_WARN, "http: %s", message);
    return 1;
}

struct santa_http *santa_http_start(const struct santa_http_options *opts, char *err,
                                    size_t errlen)
{
    struct santa_http *h = santa_calloc(1, sizeof *h);
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->opts = *opts;
    char ports[300], threads[16], timeout[16];
    snprintf(ports, sizeof ports, "%s:%u", opts->host, (unsigned)opts->port);
    snprintf(threads, sizeof threads, "%u", opts->threads);
    snprintf(timeout, sizeof timeout, "%u", opts->request_timeout_ms);
    /* No document_root, ever: CivetWeb then serves no files at all. */
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "request_timeout_ms", timeout,
        "enable_keep_alive", "yes",
        /* Without it, keep-alive answers wait ~40 ms for delayed ACKs (Nagle). */
        "tcp_nodelay", "1",
        "keep_alive_timeout_ms", timeout,
        "max_request_size", "16384",
        "enable_directory_listing", "no",
        "additional_header", "X-Content-Type-Options: nosniff",
        NULL,
    };
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.begin_request = on_request;
    cb.exit_thread = on_thread_exit;
    cb.log_message = on_log;
    struct mg_init_data init = {.callbacks = &cb, .user_data = h, .configuration_options = options};
    struct mg_error_data error = {.text = err, .text_buffer_size = errlen};
    h->ctx = mg_start2(&init, &error);
    if (h->ctx == NULL) {
        santa_free(h);
        return NULL;
    }
    return h;
}

void santa_http_stop(struct santa_http *h)
{
    if (h == NULL)
        return;
    mg_stop(h->ctx); /* blocks until every worker has finished its request */
    santa_free(h);
}
