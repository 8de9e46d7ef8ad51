/*
 * instrument.c - the registry's life: start, stop, per-thread state.
 *
 * Per-thread state is attached lazily, on a thread's first request, through
 * a thread-local pointer; a pthread key's destructor marks it free when the
 * thread exits, and the next new thread takes it over, so a server that
 * replaces its workers does not grow without bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/random.h>

#include "internal.h"

struct inst_global inst_g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct inst_tstate *tl_state;

uint64_t inst_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t inst_unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool inst_enabled(void)
{
    return inst_g.started;
}

/* xoroshiro128+: ids need to be unique, not secret. */
uint64_t inst_rand64(struct inst_tstate *t)
{
    uint64_t s0 = t->rng[0], s1 = t->rng[1], r = s0 + s1;
    s1 ^= s0;
    t->rng[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
    t->rng[1] = (s1 << 37) | (s1 >> 27);
    return r;
}

static void seed(struct inst_tstate *t)
{
    if (getrandom(t->rng, sizeof t->rng, 0) != (ssize_t)sizeof t->rng) {
        t->rng[0] = inst_now_ns() ^ (uint64_t)(uintptr_t)t;
        t->rng[1] = (uint64_t)inst_unix_us() * 0x9e3779b97f4a7c15u;
    }
    t->rng[1] |= 1;
}

static void thread_gone(void *p)
{
    struct inst_tstate *t = p;
    t->active = false;
    atomic_store_explicit(&t->in_use, false, memory_order_release);
}

struct inst_tstate *inst_tstate_get(void)
{
    if (tl_state)
        return tl_state;
    if (!inst_g.started)
        return NULL;
    pthread_mutex_lock(&inst_g.lock);
    struct inst_tstate *t = atomic_load_explicit(&inst_g.threads, memory_order_relaxed);
    for (; t; t = t->next)
        if (!atomic_load_explicit(&t->in_use, memory_order_acquire))
            break;
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t) {
            t->next = atomic_load_explicit(&inst_g.threads, memory_order_relaxed);
            atomic_store_explicit(&inst_g.threads, t, memory_order_release);
        }
    }
    if (t) {
        atomic_store_explicit(&t->in_use, true, memory_order_relaxed);
        t->current = -1;
        seed(t);
        pthread_setspecific(inst_g.thread_key, t);
        tl_state = t;
    }
    pthread_mutex_unlock(&inst_g.lock);
    return t;
}

int inst_start(const struct inst_options *opts, char *err, size_t errlen)
{
    if (inst_g.started) {
        snprintf(err, errlen, "libinstrument is already started");
        return -1;
    }
    inst_g.opts = *opts;
    snprintf(inst_g.service, sizeof inst_g.service, "%s", opts->service ? opts->service : "app");
    inst_g.opts.service = inst_g.service;
    /* Spans are kept even with no exporter: traceparent propagation to downstream calls,
       X-Trace-Id and the slow-request breakdown need them, and they cost a few stores. */
    inst_g.tracing = true;
    if (!inst_g.key_made) {
        if (pthread_key_create(&inst_g.thread_key, thread_gone) != 0) {
            snprintf(err, errlen, "cannot create a thread key");
            return -1;
        }
        inst_g.key_made = true;
    }
    inst_g.started = true;
    inst_g.exporting = opts->trace_file || opts->zipkin_url;
    if (inst_g.exporting && inst_export_start(err, errlen) != 0)
        goto fail;
    if (opts->statsd && inst_statsd_start(opts->statsd, opts->statsd_interval_ms, err,
                                          errlen) != 0)
        goto fail_export;
    return 0;
fail_export:
    inst_export_stop();
fail:
    inst_g.started = false;
    inst_g.tracing = false;
    inst_g.exporting = false;
    return -1;
}

void inst_stop(void)
{
    if (!inst_g.started)
        return;
    inst_statsd_stop();
    inst_export_stop();
    inst_g.started = false;
    inst_g.tracing = false;
    inst_g.exporting = false;
    /* Thread states stay allocated: a thread that is still alive may hold a pointer. They
       are few (one per worker thread) and reused by the next inst_start(). */
}

/* Copies runs of bytes that need no escape with one memcpy each: span names
 * and tags rarely hold any, and the exporter escapes every one of them. */
bool inst_json_str(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t l = *len;
    if (l + 2 > cap)
        return false;
    buf[l++] = '"';
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && s[j] != '"' && s[j] != '\\')
            j++;
        if (l + (j - i) + 1 > cap)
            return false;
        memcpy(buf + l, s + i, j - i);
        l += j - i;
        if (j == n)
            break;
        unsigned char c = (unsigned char)s[j];
        char u[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t k = 2;
        if (c == '\n')
            u[1] = 'n';
        else if (c == '\r')
            u[1] = 'r';
        else if (c == '\t')
            u[1] = 't';
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            k = 6;
        }
        if (l + k + 1 > cap)
            return false;
        memcpy(buf + l, u, k);
        l += k;
        i = j + 1;
    }
    if (l + 1 > cap)
        return false;
    buf[l++] = '"';
    *len = l;
    return true;
}
