/*
 * load_http.c - the incremental HTTP/1.1 response parser (see load_http.h).
 *
 * The parser is a small state machine over lines (status line, headers, chunk
 * sizes, trailers) and counted byte runs (content, chunk data). A line that is
 * wholly inside the fed buffer is parsed where it lies; only a line split
 * across two reads is copied, so the common case copies nothing.
 */
#include "load_http.h"

#include <string.h>

enum {
    ST_STATUS, ST_HEADER, ST_BODY_LEN, ST_BODY_CLOSE, ST_CHUNK_SIZE, ST_CHUNK_DATA,
    ST_CHUNK_CRLF, ST_TRAILER, ST_DONE
};

void load_http_resp_init(struct load_http_resp *r, char *body_buf, size_t body_cap)
{
    memset(r, 0, sizeof(*r));
    r->body = body_buf;
    r->body_cap = body_buf ? body_cap : 0;
    load_http_resp_reset(r, false);
}

void load_http_resp_reset(struct load_http_resp *r, bool head)
{
    r->status = 0;
    r->keep_alive = true;
    r->st_app_us = r->st_store_us = r->st_cache_us = -1;
    r->nst = 0;
    r->body_len = 0;
    r->body_total = 0;
    r->state = ST_STATUS;
    r->head = head;
    r->chunked = false;
    r->has_length = false;
    r->http10 = false;
    r->remaining = 0;
    r->line_len = 0;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive: does [p, p+n) equal the lower-case word w? */
static bool word_eq(const char *p, size_t n, const char *w)
{
    size_t wn = strlen(w);
    if (n != wn) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)p[i]) != w[i]) {
            return false;
        }
    }
    return true;
}

/* Case-insensitive: does [p, p+n) contain the lower-case token w? */
static bool has_token(const char *p, size_t n, const char *w)
{
    size_t wn = strlen(w);
    for (size_t i = 0; i + wn <= n; i++) {
        if (word_eq(p + i, wn, w)) {
            return true;
        }
    }
    return false;
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* A decimal number of milliseconds ("12", "0.345") as microseconds; -1 if none. */
static int64_t ms_to_us(const char *p, size_t n)
{
    int64_t whole = 0, frac = 0, scale = 1000;
    size_t i = 0;
    bool any = false;
    for (; i < n && p[i] >= '0' && p[i] <= '9' && whole < 1000000000000LL; i++) {
        whole = whole * 10 + (p[i] - '0');
        any = true;
    }
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            if (scale > 1) {
                scale /= 10;
                frac += (p[i] - '0') * scale;
            }
            any = true;
        }
    }
    return any ? whole * 1000 + frac : -1;
}

/* Was a metric of this name (case-insensitive, as cut to fit) kept already? */
static bool st_seen(const struct load_http_resp *r, const char *name, size_t n)
{
    size_t k = n < LOAD_ST_NAME - 1 ? n : LOAD_ST_NAME - 1;
    for (unsigned i = 0; i < r->nst; i++) {
        if (strlen(r->st[i].name) == k && word_eq(name, k, r->st[i].name)) {
            return true;
        }
    }
    return false;
}

void load_http_server_timing(struct load_http_resp *r, const char *v, size_t n)
{
    /* metric ("," metric)* ; metric = name (";" param)* ; param dur=<ms> */
    while (n > 0) {
        const char *comma = memchr(v, ',', n);
        size_t len = comma ? (size_t)(comma - v) : n;
        const char *m = v;
        size_t mn = len;
        const char *semi = memchr(m, ';', mn);
        const char *name = m;
        size_t name_n = semi ? (size_t)(semi - m) : mn;
        trim(&name, &name_n);
        int64_t *slot = NULL, dur = -1;
        if (word_eq(name, name_n, "app")) {
            slot = &r->st_app_us;
        } else if (word_eq(name, name_n, "store")) {
            slot = &r->st_store_us;
        } else if (word_eq(name, name_n, "cache")) {
            slot = &r->st_cache_us;
        }
        while (semi && dur < 0) {
            const char *param = semi + 1;
            size_t left = mn - (size_t)(param - m);
            semi = memchr(param, ';', left);
            size_t pn = semi ? (size_t)(semi - param) : left;
            trim(&param, &pn);
            if (pn > 4 && word_eq(param, 4, "dur=")) {
                dur = ms_to_us(param + 4, pn - 4); /* the first dur counts, as browsers do */
            }
        }
        if (dur >= 0 && slot && *slot < 0) {
            *slot = dur; /* a name given twice: its first metric counts */
        }
        if (dur >= 0 && name_n > 0 && r->nst < LOAD_ST_MAX && !st_seen(r, name, name_n)) {
            struct load_st_metric *x = &r->st[r->nst++];
            size_t k = name_n < LOAD_ST_NAME - 1 ? name_n : LOAD_ST_NAME - 1;
            for (size_t i = 0; i < k; i++) {
                char c = name[i];
                x->name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
            }
            x->name[k] = '\0';
            x->us = dur;
        }
        if (!comma) {
            break;
        }
        n -= len + 1;
        v = comma + 1;
    }
}

static bool parse_status(struct load_http_resp *r, const char *p, size_t n)
{
    /* HTTP/1.x SP 3DIGIT [SP reason] */
    if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ') {
        return false;
    }
    int s = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        s = s * 10 + (p[i] - '0');
    }
    if (s < 100 || (n > 12 && p[12] != ' ')) {
        return false;
    }
    r->status = s;
    r->http10 = p[7] == '0';
    r->keep_alive = !r->http10;
    return true;
}

static bool parse_u64(const char *p, size_t n, int base, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 15) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int c = lower((unsigned char)p[i]), d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else {
            return false;
        }
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool parse_header(struct load_http_resp *r, const char *p, size_t n)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p) {
        return false;
    }
    size_t name_n = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vn = n - name_n - 1;
    trim(&v, &vn);
    if (word_eq(p, name_n, "content-length")) {
        uint64_t len;
        if (!parse_u64(v, vn, 10, &len) || (r->has_length && len != r->remaining)) {
            return false;
        }
        r->has_length = true;
        r->remaining = len;
    } else if (word_eq(p, name_n, "transfer-encoding")) {
        r->chunked = has_token(v, vn, "chunked");
    } else if (word_eq(p, name_n, "connection")) {
        if (has_token(v, vn, "close")) {
            r->keep_alive = false;
        } else if (has_token(v, vn, "keep-alive")) {
            r->keep_alive = true;
        }
    } else if (word_eq(p, name_n, "server-timing")) {
        load_http_server_timing(r, v, vn);
    }
    return true;
}

/* The blank line after the headers: decide how the body is delimited. */
static int body_state(struct load_http_resp *r)
{
    if (r->status < 200) {
        /* 1xx interim answer: the real one follows. */
        int status = r->status;
        bool head = r->head;
        load_http_resp_reset(r, head);
        return status == 101 ? -1 : ST_STATUS;
    }
    if (r->head || r->status == 204 || r->status == 304) {
        return ST_DONE;
    }
    if (r->chunked) {
        return ST_CHUNK_SIZE;
    }
    if (r->has_length) {
        return r->remaining ? ST_BODY_LEN : ST_DONE;
    }
    r->keep_alive = false;
    return ST_BODY_CLOSE;
}

static void keep_body(struct load_http_resp *r, const char *p, size_t n)
{
    r->body_total += n;
    if (r->body_len < r->body_cap) {
        size_t room = r->body_cap - r->body_len;
        size_t k = n < room ? n : room;
        memcpy(r->body + r->body_len, p, k);
        r->body_len += k;
    }
}

/* One complete line (without CR LF) in the current line state. */
static bool on_line(struct load_http_resp *r, const char *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }
    switch (r->state) {
    case ST_STATUS:
        if (!parse_status(r, p, n)) {
            return false;
        }
        r->state = ST_HEADER;
        return true;
    case ST_HEADER:
        if (n == 0) {
            int next = body_state(r);
            if (next < 0) {
                return false;
            }
            r->state = next;
            return true;
        }
        return parse_header(r, p, n);
    case ST_CHUNK_SIZE: {
        const char *semi = memchr(p, ';', n); /* chunk extensions are ignored */
        size_t sn = semi ? (size_t)(semi - p) : n;
        trim(&p, &sn);
        if (!parse_u64(p, sn, 16, &r->remaining)) {
            return false;
        }
        r->state = r->remaining ? ST_CHUNK_DATA : ST_TRAILER;
        return true;
    }
    case ST_CHUNK_CRLF:
        if (n != 0) {
            return false;
        }
        r->state = ST_CHUNK_SIZE;
        return true;
    case ST_TRAILER:
        if (n == 0) {
            r->state = ST_DONE;
        }
        return true;
    default:
        return false;
    }
}

static bool is_line_state(int s)
{
    return s == ST_STATUS || s == ST_HEADER || s == ST_CHUNK_SIZE || s == ST_CHUNK_CRLF ||
           s == ST_TRAILER;
}

enum load_http_result load_http_feed(struct load_http_resp *r, const char *p, size_t len,
                                     size_t *used)
{
    size_t i = 0;
    while (i < len && r->state != ST_DONE) {
        if (is_line_state(r->state)) {
            const char *nl = memchr(p + i, '\n', len - i);
            size_t take = nl ? (size_t)(nl - (p + i)) : len - i;
            if (r->line_len + take > sizeof(r->line)) {
                *used = i;
                return LOAD_HTTP_ERROR;
            }
            if (!nl) {
                memcpy(r->line + r->line_len, p + i, take);
                r->line_len += take;
                i = len;
                break;
            }
            bool ok;
            if (r->line_len == 0) {
                ok = on_line(r, p + i, take);
            } else {
                memcpy(r->line + r->line_len, p + i, take);
                ok = on_line(r, r->line, r->line_len + take);
                r->line_len = 0;
            }
            i += take + 1;
            if (!ok) {
                *used = i;
                return LOAD_HTTP_ERROR;
            }
            continue;
        }
        size_t avail = len - i;
        if (r->state == ST_BODY_CLOSE) {
            keep_body(r, p + i, avail);
            i = len;
            break;
        }
        size_t k = avail < r->remaining ? avail : (size_t)r->remaining;
        keep_body(r, p + i, k);
        i += k;
        r->remaining -= k;
        if (r->remaining == 0) {
            r->state = r->state == ST_BODY_LEN ? ST_DONE : ST_CHUNK_CRLF;
        }
    }
    *used = i;
    if (r->state == ST_DONE) {
        return LOAD_HTTP_DONE;
    }
    return LOAD_HTTP_MORE;
}

enum load_http_result load_http_eof(struct load_http_resp *r)
{
    if (r->state == ST_BODY_CLOSE || r->state == ST_DONE) {
        r->state = ST_DONE;
        r->keep_alive = false;
        return LOAD_HTTP_DONE;
    }
    return LOAD_HTTP_ERROR;
}
