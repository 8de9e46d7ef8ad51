/*
 * request.c - begin and end of a request on the current thread.
 *
 * begin() resets the thread's request state, continues or starts a trace
 * and opens the root span. end() closes it, takes the sampling decision and
 * hands the spans to the exporter ring - a handful of stores, no lock, no
 * system call. Only a request over --slow-ms costs a write(2): its one-line
 * JSON record, which is the point of measuring it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "text.h"
#include "instrument/request.h"

/* Requests served before inst_start() (or with it off) still time phases: a small state that
   needs no registry. */
static _Thread_local struct {
    bool active;
    uint64_t t0_ns;
    uint64_t phase_ns[2];
} plain;

void inst_phase_add(enum inst_phase phase, uint64_t ns)
{
    if (phase != INST_PHASE_STORE && phase != INST_PHASE_CACHE)
        return;
    if (plain.active)
        plain.phase_ns[phase] += ns;
}

static void new_trace(struct inst_tstate *t, struct inst_span *root, const char *traceparent)
{
    struct inst_trace_context c;
    if (inst_traceparent_parse(traceparent, &c)) {
        memcpy(root->trace_id, c.trace_id, 16);
        memcpy(root->parent, c.parent_id, 8);
        root->has_parent = true;
        /* The caller's sampled flag is a client's wish: honouring it by
         * default would let anyone make us export every request they send. */
        t->flags = inst_g.opts.trace_trust_parent ? (c.flags & 1) : 0;
    } else {
        uint64_t a = inst_rand64(t), b = inst_rand64(t) | 1;
        memcpy(root->trace_id, &a, 8);
        memcpy(root->trace_id + 8, &b, 8);
        root->has_parent = false;
        t->flags = 0;
    }
    /* Head sampling by ratio, from the trace id so every service of the trace agrees. */
    uint64_t low;
    memcpy(&low, root->trace_id + 8, 8);
    double ratio = inst_g.opts.trace_sample;
    if (ratio >= 1.0 || (double)(low >> 11) < ratio * 9007199254740992.0)
        t->flags |= 1;
}

void inst_request_begin(const char *name, const char *traceparent)
{
    plain.active = true;
    plain.t0_ns = inst_now_ns();
    plain.phase_ns[0] = plain.phase_ns[1] = 0;
    if (!inst_g.tracing)
        return;
    struct inst_tstate *t = inst_tstate_get();
    if (t == NULL)
        return;
    t->active = true;
    t->tracing = true;
    t->nspans = 1;
    t->current = 0;
    struct inst_span *root = &t->spans[0];
    new_trace(t, root, traceparent);
    size_t n = name ? strnlen(name, INST_SPAN_NAME_MAX - 1) : 0;
    memcpy(root->name, name ? name : "", n);
    root->name[n] = '\0';
    uint64_t id = inst_rand64(t) | 1;
    memcpy(root->id, &id, 8);
    root->error = root->ended = false;
    root->server = true;
    root->up = -1;
    root->attrs_len = 0;
    root->start_ns = plain.t0_ns;
    root->start_us = inst_unix_us();
    root->dur_ns = 0;
}

void inst_request_rename(const char *name)
{
    struct inst_tstate *t = inst_g.tracing ? inst_tstate_get() : NULL;
    if (t == NULL || !t->active || name == NULL)
        return;
    size_t n = strnlen(name, INST_SPAN_NAME_MAX - 1);
    memcpy(t->spans[0].name, name, n);
    t->spans[0].name[n] = '\0';
}

/* The status as decimal text, as "%d" writes it, without snprintf: this
 * runs at the end of every traced request. */
static void status_text(int status, char out[8])
{
    char tmp[8];
    size_t i = sizeof tmp;
    unsigned v = status < 0 ? 0u - (unsigned)status : (unsigned)status;
    if (status < -999999 || status > 9999999) {
        memcpy(out, "0", 2); /* no HTTP status; never cut to a wrong number */
        return;
    }
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (status < 0)
        tmp[--i] = '-';
    memcpy(out, tmp + i, sizeof tmp - i);
    out[sizeof tmp - i] = '\0';
}

/* Copies the request's spans into the ring, all or none; false when the ring is full. */
static bool ring_push(struct inst_tstate *t)
{
    if (!inst_g.exporting)
        return false;
    struct inst_span *ring = atomic_load_explicit(&t->ring, memory_order_relaxed);
    if (ring == NULL) {
        /* once per thread: this thread's first kept request since an exporter started */
        ring = calloc(INST_RING_SPANS, sizeof *ring);
        if (ring == NULL)
            return false;
        atomic_store_explicit(&t->ring, ring, memory_order_release);
    }
    uint64_t head = atomic_load_explicit(&t->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&t->tail, memory_order_acquire);
    if (head - tail + (uint64_t)t->nspans > INST_RING_SPANS) {
        atomic_store_explicit(&t->dropped, atomic_load_explicit(&t->dropped,
                                                                memory_order_relaxed) +
                                               (uint64_t)t->nspans,
                              memory_order_relaxed);
        return false;
    }
    /* Only the used part of each record: its attributes are at the end and
     * mostly empty, so this copies about half of sizeof(struct inst_span). */
    for (int i = 0; i < t->nspans; i++)
        memcpy(&ring[(head + (uint64_t)i) % INST_RING_SPANS], &t->spans[i],
               offsetof(struct inst_span, attrs) + t->spans[i].attrs_len);
    atomic_store_explicit(&t->head, head + (uint64_t)t->nspans, memory_order_release);
    return true;
}

/* One JSON line: route, status, duration, trace id and the span breakdown. */
static void slow_log(const struct inst_tstate *t, int status, uint64_t total_ns)
{
    char line[4096];
    size_t len = 0;
    const struct inst_span *root = &t->spans[0];
    char tid[33];
    inst_hex(root->trace_id, 16, tid);
    int n = snprintf(line, sizeof line,
                     "{\"slow_request\":true,\"ts_us\":%lld,\"status\":%d,\"duration_ms\":%.3f,"
                     "\"trace_id\":\"%s\",\"route\":",
                     (long long)root->start_us, status, (double)total_ns / 1e6, tid);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    len = (size_t)n;
    if (!inst_json_str(line, sizeof line, &len, root->name, strlen(root->name)))
        return;
    n = snprintf(line + len, sizeof line - len,
                 ",\"app_ms\":%.3f,\"store_ms\":%.3f,\"cache_ms\":%.3f,\"spans\":[",
                 (double)(total_ns - plain.phase_ns[0]) / 1e6,
                 (double)(plain.phase_ns[0] - plain.phase_ns[1]) / 1e6,
                 (double)plain.phase_ns[1] / 1e6);
    if (n < 0 || (size_t)n >= sizeof line - len)
        return;
    len += (size_t)n;
    for (int i = 1; i < t->nspans; i++) {
        const struct inst_span *s = &t->spans[i];
        if (len + 1 >= sizeof line)
            return;
        line[len++] = i > 1 ? ',' : '{';
        if (i > 1)
            line[len++] = '{';
        n = snprintf(line + len, sizeof line - len, "\"start_ms\":%.3f,\"duration_ms\":%.3f,"
                     "\"error\":%s,\"name\":", (double)(s->start_ns - root->start_ns) / 1e6,
                     (double)s->dur_ns / 1e6, s->error ? "true" : "false");
        if (n < 0 || (size_t)n >= sizeof line - len)
            return;
        len += (size_t)n;
        if (!inst_json_str(line, sizeof line, &len, s->name, strlen(s->name)) ||
            len + 1 >= sizeof line)
            return;
        line[len++] = '}';
    }
    if (len + 3 >= sizeof line)
        return;
    memcpy(line + len, "]}\n", 3);
    len += 3;
    int fd = inst_g.opts.slow_fd > 0 ? inst_g.opts.slow_fd : 2;
    ssize_t w = write(fd, line, len); /* one write: lines from many threads never interleave */
    (void)w;
}

void inst_request_end(int status, struct inst_request_result *out)
{
    memset(out, 0, sizeof *out);
    if (!plain.active)
        return;
    plain.active = false;
    uint64_t total = inst_now_ns() - plain.t0_ns;
    uint64_t store = plain.phase_ns[INST_PHASE_STORE], cache = plain.phase_ns[INST_PHASE_CACHE];
    if (store > total)
        store = total;
    if (cache > store)
        cache = store; /* cache time is measured inside store calls */
    out->total_ns = total;
    out->app_ns = total - store;
    out->store_ns = store - cache;
    out->cache_ns = cache;
    if (!inst_g.tracing)
        return;
    struct inst_tstate *t = inst_tstate_get();
    if (t == NULL || !t->active)
        return;
    struct inst_span *root = &t->spans[0];
    inst_span_end(root, status >= 500);
    root->dur_ns = total;
    char code[8];
    status_text(status, code);
    inst_span_attr(root, "http.status_code", code);
    inst_hex(root->trace_id, 16, out->trace_id);
    bool slow = inst_g.opts.slow_ms && total >= (uint64_t)inst_g.opts.slow_ms * 1000000u;
    bool keep = (t->flags & 1) || status >= 500 || slow;
    if (keep)
        out->sampled = ring_push(t);
    if (slow)
        slow_log(t, status, total);
    t->active = false;
    t->current = -1;
}
