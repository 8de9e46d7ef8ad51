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
 *
 * Framing is ours to police, because CivetWeb 1.15 is lenient: it takes the
 * first of two Content-Length headers (and "12abc" as 12), keeps a
 * connection open after an answer that says "Connection: close" (it obeys
 * only the client's header), and reads a body until it is complete however
 * slowly it trickles. So: exactly one well-formed Content-Length, no
 * Transfer-Encoding, the whole body within its deadline, and after any
 * framing error the connection really closes (force_close()).
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
#include "ratelimit.h"
#include "read_deadline.h"
#include "ui.h"

struct santa_http {
    struct mg_context *ctx;
    struct santa_http_options opts;
    struct santa_ratelimit *limit; /* NULL: no rate limit */
};

/* Why a request could not be read: a status and a sentence. */
struct read_error {
    enum santa_status st;
    char detail[128];
};

/*
 * Reads the declared body into a heap buffer, all of it or nothing, by its
 * deadline. mg_read() would wait for every byte asked for however slowly
 * they trickle, so this thread's deadline timer (read_deadline.h) interrupts
 * it once the deadline has passed. Without a timer (timer_create failed) the
 * body is read a byte per call, so the deadline is checked between bytes.
 */
static enum santa_status read_body(struct mg_connection *conn, long long declared,
                                   uint64_t deadline_ns, char **out, size_t *out_len,
                                   struct read_error *e)
{
    *out = NULL;
    *out_len = 0;
    if (declared > (long long)SANTA_BODY_MAX) {
        snprintf(e->detail, sizeof e->detail, "the body may be at most %u bytes",
                 (unsigned)SANTA_BODY_MAX);
        return SANTA_BODY_TOO_LARGE; /* refused before reading a byte */
    }
    if (declared <= 0)
        return SANTA_OK;
    size_t want = (size_t)declared, len = 0;
    char *buf = santa_malloc(want);
    if (buf == NULL) {
        snprintf(e->detail, sizeof e->detail, "out of memory reading the body");
        return SANTA_UNAVAILABLE;
    }
    bool armed = santa_read_deadline_arm(deadline_ns);
    enum santa_status st = SANTA_OK;
    while (len < want) {
        int n = santa_now_ns() < deadline_ns ? mg_read(conn, buf + len, armed ? want - len : 1)
                                             : 0;
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (santa_now_ns() >= deadline_ns) {
            snprintf(e->detail, sizeof e->detail,
                     "the body did not arrive in time: %zu of %zu bytes", len, want);
            st = SANTA_REQUEST_TIMEOUT;
        } else {
            /* End of stream or a silent line: never a complete body. */
            snprintf(e->detail, sizeof e->detail,
                     "the body ended after %zu of the %zu bytes Content-Length declares", len,
                     want);
            st = SANTA_VALIDATION_FAILED;
        }
        break;
    }
    if (armed)
        santa_read_deadline_disarm();
    if (st != SANTA_OK) {
        santa_free(buf);
        return st;
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
                        const struct santa_observed *obs, const char *extra)
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
    if (resp->retry_after)
        PUT("Retry-After: %u\r\n", (unsigned)resp->retry_after);
    if (extra)
        PUT("%s", extra);
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
                     const struct santa_response *resp, const struct santa_observed *obs,
                     const char *extra)
{
    if (!keeps_alive(conn, ri))
        return 0;
    char head[8192];
    size_t n = 0;
    int w = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n", resp->status,
                     mg_get_response_code_text(conn, resp->status));
    n = w > 0 ? (size_t)w : 0;
    put_headers(head, sizeof head, &n, resp, obs, extra);
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
                          int close_after, const char *extra)
{
    if (!close_after && send_fast(conn, ri, resp, obs, extra))
        return;
    /* CivetWeb's path: it adds Date and the Connection header it will obey. */
    char lines[4096];
    size_t n = 0;
    put_headers(lines, sizeof lines, &n, resp, obs, extra);
    mg_response_header_start(conn, resp->status);
    mg_response_header_add_lines(conn, lines);
    if (close_after)
        add_header(conn, "Connection", "close");
    mg_response_header_send(conn);
    if (resp->body && resp->body_len)
        mg_write(conn, resp->body, resp->body_len);
}

/*
 * Request smuggling defence: the body's length must be beyond doubt. Every
 * Content-Length header must be the same run of digits (CivetWeb would take
 * the first and read "12, 13" or "12abc" as 12), and Transfer-Encoding is
 * refused: together with Content-Length it is the classic desync, and alone
 * (chunked) its size lines are read by CivetWeb in one blocking call that no
 * deadline can interrupt.
 */
static enum santa_status check_framing(const struct mg_request_info *ri, struct read_error *e)
{
    const char *length = NULL;
    bool chunked = false;
    for (int i = 0; i < ri->num_headers; i++) {
        const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
        if (strcasecmp(name, "Transfer-Encoding") == 0) {
            chunked = true;
        } else if (strcasecmp(name, "Content-Length") == 0) {
            if (value[0] == '\0' || strspn(value, "0123456789") != strlen(value)) {
                snprintf(e->detail, sizeof e->detail, "Content-Length must be digits only");
                return SANTA_VALIDATION_FAILED;
            }
            if (length && strcmp(length, value) != 0) {
                snprintf(e->detail, sizeof e->detail, "two different Content-Length headers");
                return SANTA_VALIDATION_FAILED;
            }
            length = value;
        }
    }
    if (chunked && length) {
        snprintf(e->detail, sizeof e->detail,
                 "send either Content-Length or Transfer-Encoding, not both");
        return SANTA_VALIDATION_FAILED;
    }
    if (chunked) {
        snprintf(e->detail, sizeof e->detail,
                 "send the body with a Content-Length (Transfer-Encoding is not accepted)");
        return SANTA_LENGTH_REQUIRED;
    }
    return SANTA_OK;
}

/*
 * Makes CivetWeb close the connection after this answer. CivetWeb 1.15 keeps
 * a connection open unless the client asked to close or its own flag is set,
 * and the only public call that sets the flag is mg_send_http_error(). Once
 * our answer is out that call can no longer send anything: its header calls
 * fail (the response has started) and status 304 has no body. What remains
 * is the flag, so CivetWeb neither reads the rest of the body nor serves
 * whatever follows it. tests/e2e/e2e_hostile.c checks the connection closes.
 */
static void force_close(struct mg_connection *conn)
{
    mg_send_http_error(conn, 304, "%s", "");
}

/*
 * After a 413 the declared body is still on its way. Closing with it unread
 * makes the kernel answer with a reset, and a reset that reaches the client
 * before it has read our answer destroys the answer with it: the client
 * sees "connection reset" instead of 413 body_too_large (it did on a fast
 * CI machine, the whole time for the 100 KB JSONTestSuite file). So, as
 * nginx's lingering close does, read and discard what follows for a bounded
 * while (SANTA_LINGER_BYTES, SANTA_LINGER_MS) and only then close; a client
 * that sends more than that, or more slowly, may still see the reset.
 */
#define SANTA_LINGER_BYTES (1024 * 1024)
#define SANTA_LINGER_MS 2000

static void linger_discard(struct mg_connection *conn, long long declared)
{
    uint64_t deadline = santa_now_ns() + (uint64_t)SANTA_LINGER_MS * 1000000u;
    long long left = declared < SANTA_LINGER_BYTES ? declared : SANTA_LINGER_BYTES;
    bool armed = santa_read_deadline_arm(deadline);
    char sink[16384];
    while (left > 0 && santa_now_ns() < deadline) {
        size_t want = left < (long long)sizeof sink ? (size_t)left : sizeof sink;
        int n = mg_read(conn, sink, armed ? want : 1); /* no timer: deadline between bytes */
        if (n <= 0)
            break;
        left -= n;
    }
    if (armed)
        santa_read_deadline_disarm();
}

static bool is_write(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static int on_request(struct mg_connection *conn)
{
    uint64_t t0 = santa_now_ns();
    const struct mg_request_info *ri = mg_get_request_info(conn);
    santa_observe_begin(mg_get_header(conn, "traceparent"));
    struct santa_http *h = mg_get_user_data(mg_get_context(conn));
    struct santa_response resp;
    memset(&resp, 0, sizeof resp);
    int close_after = 0;
    char *body = NULL;
    size_t body_len = 0;
    uint64_t body_ms = h->opts.body_timeout_ms ? h->opts.body_timeout_ms : 10000;

    struct read_error e = {.st = SANTA_OK, .detail = ""};
    uint32_t wait_s = 0;
    if ((e.st = check_framing(ri, &e)) != SANTA_OK ||
        (e.st = read_body(conn, ri->content_length, t0 + body_ms * 1000000u, &body, &body_len,
                          &e)) != SANTA_OK) {
        santa_api_problem(&resp, e.st, e.detail);
        close_after = 1; /* the rest of the request is unread or unframed: do not reuse */
    } else if (is_write(ri->request_method) &&
               (wait_s = santa_ratelimit_take(h->limit, ri->remote_addr, santa_now_ns())) != 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "too many writes from %.46s; retry in %u s",
                 ri->remote_addr, (unsigned)wait_s);
        santa_api_problem(&resp, SANTA_RATE_LIMITED, detail);
        resp.retry_after = wait_s;
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
    send_response(conn, ri, &resp, &obs, close_after, h->opts.extra_headers);
    if (e.st == SANTA_BODY_TOO_LARGE)
        linger_discard(conn, ri->content_length);
    if (close_after)
        force_close(conn);
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
    if (thread_type == 1)
        santa_read_deadline_thread_exit();
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
    if (santa_read_deadline_init() != 0) {
        snprintf(err, errlen, "cannot install the body deadline signal");
        santa_free(h);
        return NULL;
    }
    if (opts->rate_limit) {
        h->limit = santa_ratelimit_new(opts->rate_limit, opts->rate_limit_loopback);
        if (h->limit == NULL) {
            snprintf(err, errlen, "out of memory");
            santa_free(h);
            return NULL;
        }
    }
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
        santa_ratelimit_free(h->limit);
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
    santa_ratelimit_free(h->limit);
    santa_free(h);
}
