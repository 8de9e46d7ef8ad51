/*
 * zipkin.c - one span as a Zipkin v2 JSON object
 * (https://zipkin.io/zipkin-api/#/default/post_spans): ids in lower-case
 * hex, timestamp and duration in microseconds, attributes as string tags,
 * the request's root span of kind SERVER.
 *
 * Hand-written rather than snprintf: at --trace-sample 1 the exporter
 * thread encodes every span of every request, on the same cores as the
 * requests, and parsing a format string per member was most of its time.
 * Here each member is a memcpy of a literal, a table-driven hex or decimal
 * conversion, or a JSON string copied in runs. test_inst_zipkin pins the
 * output byte for byte to what the snprintf encoder wrote.
 */
#include <string.h>

#include "internal.h"
#include "text.h"

/* A cursor into the caller's buffer; `ok` turns false, for good, at the
 * first piece that does not fit (later pieces are skipped). */
struct zout {
    char *buf;
    size_t cap, len;
    bool ok;
};

static void put(struct zout *o, const char *s, size_t n)
{
    if (!o->ok || o->cap - o->len < n) {
        o->ok = false;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_hex(struct zout *o, const uint8_t *bytes, size_t n)
{
    char hex[33];
    inst_hex(bytes, n, hex);
    put(o, hex, 2 * n);
}

static void put_u64(struct zout *o, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, tmp + i, sizeof tmp - i);
}

static void put_i64(struct zout *o, int64_t v)
{
    if (v < 0) {
        PUT_LIT(o, "-");
        put_u64(o, (uint64_t)0 - (uint64_t)v); /* INT64_MIN too */
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void put_str(struct zout *o, const char *s)
{
    if (o->ok && !inst_json_str(o->buf, o->cap, &o->len, s, strlen(s)))
        o->ok = false;
}

static void put_tags(struct zout *o, const struct inst_span *s)
{
    if (s->attrs_len == 0 && !s->error)
        return; /* no tags member at all rather than an empty one */
    PUT_LIT(o, ",\"tags\":{");
    bool first = true;
    for (size_t i = 0; i < s->attrs_len;) {
        const char *k = s->attrs + i, *v = k + strlen(k) + 1;
        i = (size_t)(v - s->attrs) + strlen(v) + 1;
        if (!first)
            PUT_LIT(o, ",");
        first = false;
        put_str(o, k);
        PUT_LIT(o, ":");
        put_str(o, v);
    }
    if (s->error) {
        if (first)
            PUT_LIT(o, "\"error\":\"true\"");
        else
            PUT_LIT(o, ",\"error\":\"true\"");
    }
    PUT_LIT(o, "}");
}

size_t inst_zipkin_span(const struct inst_span *s, const char *service, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    /* one byte kept for the NUL, as snprintf kept it */
    struct zout o = {.buf = buf, .cap = cap - 1, .len = 0, .ok = true};
    PUT_LIT(&o, "{\"traceId\":\"");
    put_hex(&o, s->trace_id, 16);
    PUT_LIT(&o, "\",\"id\":\"");
    put_hex(&o, s->id, 8);
    if (s->has_parent) {
        PUT_LIT(&o, "\",\"parentId\":\"");
        put_hex(&o, s->parent, 8);
    }
    PUT_LIT(&o, "\",\"name\":");
    put_str(&o, s->name);
    if (s->server)
        PUT_LIT(&o, ",\"kind\":\"SERVER\"");
    PUT_LIT(&o, ",\"timestamp\":");
    put_i64(&o, s->start_us);
    PUT_LIT(&o, ",\"duration\":");
    uint64_t dur = s->dur_ns / 1000;
    put_u64(&o, dur ? dur : 1); /* Zipkin wants duration >= 1 us */
    PUT_LIT(&o, ",\"localEndpoint\":{\"serviceName\":");
    put_str(&o, service);
    PUT_LIT(&o, "}");
    put_tags(&o, s);
    PUT_LIT(&o, "}");
    if (!o.ok)
        return 0;
    buf[o.len] = '\0';
    return o.len;
}
