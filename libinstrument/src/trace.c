/*
 * trace.c - spans on the current thread and W3C traceparent parsing.
 *
 * A request's spans sit in the thread state's fixed array; "current" is an
 * index into it, and each span remembers which span was current before it,
 * so ending a span pops back to its parent. See trace.h for the contract.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "text.h"

static struct inst_tstate *tracing_state(void)
{
    if (!inst_g.tracing)
        return NULL;
    struct inst_tstate *t = inst_tstate_get();
    return t && t->active && t->tracing ? t : NULL;
}

static void copy_name(char *dst, const char *src)
{
    size_t n = src ? strnlen(src, INST_SPAN_NAME_MAX - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

struct inst_span *inst_span_start(const char *name)
{
    struct inst_tstate *t = tracing_state();
    if (t == NULL)
        return NULL;
    if (t->nspans >= INST_SPANS_MAX) {
        t->spans_dropped++;
        return NULL;
    }
    int i = t->nspans++;
    struct inst_span *s = &t->spans[i];
    const struct inst_span *parent = &t->spans[t->current];
    copy_name(s->name, name);
    memcpy(s->trace_id, parent->trace_id, 16);
    memcpy(s->parent, parent->id, 8);
    s->has_parent = true;
    uint64_t r = inst_rand64(t) | 1; /* never all zero */
    memcpy(s->id, &r, 8);
    s->error = s->ended = s->server = false;
    s->attrs_len = 0;
    s->up = (int16_t)t->current;
    s->start_ns = inst_now_ns();
    /* wall time derived from the root's, so children line up with their parent exactly */
    const struct inst_span *root = &t->spans[0];
    s->start_us = root->start_us + (int64_t)((s->start_ns - root->start_ns) / 1000);
    s->dur_ns = 0;
    t->current = i;
    return s;
}

void inst_span_attr(struct inst_span *s, const char *key, const char *value)
{
    if (s == NULL || key == NULL || value == NULL)
        return;
    size_t k = strlen(key) + 1, v = strlen(value) + 1;
    if (s->attrs_len + k + v > INST_SPAN_ATTRS_MAX) {
        /* cut the value rather than lose the attribute, when the key still fits */
        size_t room = INST_SPAN_ATTRS_MAX - s->attrs_len;
        if (room < k + 2)
            return;
        v = room - k;
    }
    memcpy(s->attrs + s->attrs_len, key, k);
    memcpy(s->attrs + s->attrs_len + k, value, v - 1);
    s->attrs[s->attrs_len + k + v - 1] = '\0';
    s->attrs_len = (uint16_t)(s->attrs_len + k + v);
}

void inst_span_end(struct inst_span *s, bool error)
{
    if (s == NULL || s->ended)
        return;
    struct inst_tstate *t = inst_tstate_get();
    if (t == NULL)
        return;
    uint64_t now = inst_now_ns();
    /* compared as addresses: a span of another thread is not in this array at all */
    uintptr_t p = (uintptr_t)s, base = (uintptr_t)t->spans;
    if (p < base || p >= base + sizeof t->spans)
        return;
    int idx = (int)((p - base) / sizeof *s);
    if (idx >= t->nspans || !t->active)
        return; /* not a span of this thread's current request */
    /* close whatever was left open inside s */
    while (t->current > idx && t->current >= 0) {
        struct inst_span *inner = &t->spans[t->current];
        inner->dur_ns = now - inner->start_ns;
        inner->ended = true;
        t->current = inner->up;
    }
    s->dur_ns = now - s->start_ns;
    s->error = s->error || error;
    s->ended = true;
    if (t->current == idx)
        t->current = s->up;
}

void inst_traceparent_format(const uint8_t trace_id[16], const uint8_t span_id[8], uint8_t flags,
                             char out[56])
{
    memcpy(out, "00-", 3);
    inst_hex(trace_id, 16, out + 3);
    out[35] = '-';
    inst_hex(span_id, 8, out + 36);
    out[52] = '-';
    inst_hex(&flags, 1, out + 53);
}

bool inst_trace_current_traceparent(char out[56])
{
    out[0] = '\0';
    struct inst_tstate *t = tracing_state();
    if (t == NULL || t->current < 0)
        return false;
    const struct inst_span *s = &t->spans[t->current];
    inst_traceparent_format(s->trace_id, s->id, t->flags, out);
    return true;
}

bool inst_trace_sql_comment(char *out, size_t cap)
{
    char tp[56];
    if (cap > 0)
        out[0] = '\0';
    if (cap <= INST_SQL_COMMENT_LEN || !inst_trace_current_traceparent(tp))
        return false;
    /* sqlcommenter: key='url-encoded value'; a traceparent needs no encoding */
    snprintf(out, cap, "/*traceparent='%s'*/", tp);
    return true;
}

bool inst_trace_current_id(char out[33])
{
    out[0] = '\0';
    struct inst_tstate *t = tracing_state();
    if (t == NULL || t->current < 0)
        return false;
    inst_hex(t->spans[t->current].trace_id, 16, out);
    return true;
}

/* Lower-case hex only, as the spec requires; -1 for anything else. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool parse_hex(const char *s, size_t n, uint8_t *out)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
        nonzero = nonzero || out[i];
    }
    return nonzero;
}

bool inst_traceparent_parse(const char *h, struct inst_trace_context *out)
{
    if (h == NULL)
        return false;
    size_t len = strnlen(h, 1024);
    if (len < INST_TRACEPARENT_LEN)
        return false;
    int vhi = hexval(h[0]), vlo = hexval(h[1]);
    if (vhi < 0 || vlo < 0)
        return false;
    int version = vhi << 4 | vlo;
    if (version == 0xff)
        return false;
    if (version == 0 && len != INST_TRACEPARENT_LEN)
        return false;
    if (version > 0 && len > INST_TRACEPARENT_LEN && h[INST_TRACEPARENT_LEN] != '-')
        return false;
    if (h[2] != '-' || h[35] != '-' || h[52] != '-')
        return false;
    struct inst_trace_context c;
    if (!parse_hex(h + 3, 16, c.trace_id) || !parse_hex(h + 36, 8, c.parent_id))
        return false;
    int hi = hexval(h[53]), lo = hexval(h[54]);
    if (hi < 0 || lo < 0)
        return false;
    c.flags = (uint8_t)(hi << 4 | lo);
    *out = c;
    return true;
}
