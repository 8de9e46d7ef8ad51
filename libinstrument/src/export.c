/*
 * export.c - the exporter thread: drains every thread's span ring, appends
 * Zipkin v2 spans to the trace file (one JSON object per line) and POSTs
 * them in batches (a JSON array) to the Zipkin URL.
 *
 * It wakes every export_interval_ms, and once more at inst_stop() for a
 * last drain, so every span finished before inst_stop() is written.
 * Request threads never wait for it: a full ring drops the request's spans
 * and counts them (inst_spans_dropped_total).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "metrics_internal.h"
#include "zipkin_post.h"

#define BATCH_CAP (1u << 20) /* POST body ceiling; a batch is sent when it would overflow */

static struct {
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    FILE *file;
    struct inst_zipkin_post *post;
    char *batch;
    size_t batch_len;
    size_t batch_spans;
    struct inst_metric *exported, *dropped, *post_errors, *file_errors;
} ex = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void post_flush(void)
{
    if (ex.post == NULL || ex.batch_spans == 0)
        return;
    ex.batch[ex.batch_len++] = ']';
    if (!inst_zipkin_post_send(ex.post, ex.batch, ex.batch_len))
        inst_counter_add(ex.post_errors, 1);
    ex.batch_len = 0;
    ex.batch_spans = 0;
}

static void post_add(const char *json, size_t n)
{
    if (ex.post == NULL)
        return;
    if (ex.batch_len + n + 2 > BATCH_CAP)
        post_flush();
    ex.batch[ex.batch_len++] = ex.batch_spans ? ',' : '[';
    memcpy(ex.batch + ex.batch_len, json, n);
    ex.batch_len += n;
    ex.batch_spans++;
}

static void drain_one(struct inst_tstate *t, struct inst_span *ring, char *buf, size_t cap,
                      uint64_t *last_dropped)
{
    uint64_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);
    for (; tail != head; tail++) {
        const struct inst_span *s = &ring[tail % INST_RING_SPANS];
        size_t n = inst_zipkin_span(s, inst_g.service, buf, cap - 1);
        if (n == 0)
            continue;
        post_add(buf, n);
        if (ex.file) {
            buf[n] = '\n';
            if (fwrite(buf, 1, n + 1, ex.file) != n + 1)
                inst_counter_add(ex.file_errors, 1); /* disk full: counted, not retried */
        }
        inst_counter_add(ex.exported, 1);
    }
    atomic_store_explicit(&t->tail, tail, memory_order_release);
    uint64_t d = atomic_load_explicit(&t->dropped, memory_order_relaxed);
    if (last_dropped && d > *last_dropped) {
        inst_counter_add(ex.dropped, d - *last_dropped);
        *last_dropped = d;
    }
}

static void drain_all(char *buf, size_t cap)
{
    /* Drops are summed per thread state; keep the last seen totals by list position. */
    static uint64_t seen[4096];
    size_t i = 0;
    for (struct inst_tstate *t = atomic_load_explicit(&inst_g.threads, memory_order_acquire); t;
         t = t->next, i++) {
        struct inst_span *ring = atomic_load_explicit(&t->ring, memory_order_acquire);
        if (ring)
            drain_one(t, ring, buf, cap, i < 4096 ? &seen[i] : NULL);
    }
    post_flush();
    if (ex.file)
        fflush(ex.file);
}

static void *exporter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "inst-export"); /* visible in top -H and perf */
    /* Nice 10 for this thread only (Linux applies it per thread): its work
     * can wait a few ms, a request cannot. At nice 0 each drain's burst of
     * encoding and writing competed with the workers on equal terms and
     * showed up in their p99; at nice 10 it still gets ~10 % of a busy core,
     * many times what it needs, so the rings keep draining. Failure (a
     * sandbox that forbids it) changes nothing else. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        errno = 0;
    char *buf = malloc(8192);
    uint32_t ms = inst_g.opts.export_interval_ms ? inst_g.opts.export_interval_ms : 100;
    /* Drain after every wait, including the one that saw stop: a stop that comes before
       this thread first runs must still write what was queued. */
    for (bool last = false; !last;) {
        pthread_mutex_lock(&ex.lock);
        if (!ex.stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)(ms % 1000) * 1000000L;
            until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&ex.wake, &ex.lock, &until);
        }
        last = ex.stop;
        pthread_mutex_unlock(&ex.lock);
        if (buf)
            drain_all(buf, 8192);
    }
    free(buf);
    return NULL;
}

/* What start opened: the Zipkin client, its batch, the trace file. */
static void release(void)
{
    inst_zipkin_post_close(ex.post);
    ex.post = NULL;
    free(ex.batch);
    ex.batch = NULL;
    if (ex.file)
        fclose(ex.file);
    ex.file = NULL;
}

int inst_export_start(char *err, size_t errlen)
{
    const struct inst_options *o = &inst_g.opts;
    ex.exported = inst_metric_register(INST_COUNTER, "inst_spans_exported_total",
                                       "Spans written to the trace file or sent to Zipkin.",
                                       NULL, 0);
    ex.dropped = inst_metric_register(INST_COUNTER, "inst_spans_dropped_total",
                                      "Spans dropped because a thread's export ring was full.",
                                      NULL, 0);
    ex.post_errors = inst_metric_register(INST_COUNTER, "inst_zipkin_post_errors_total",
                                          "Span batches the Zipkin collector did not accept.",
                                          NULL, 0);
    ex.file_errors = inst_metric_register(INST_COUNTER, "inst_trace_file_errors_total",
                                          "Spans that could not be written to the trace file.",
                                          NULL, 0);
    if (o->trace_file && (ex.file = fopen(o->trace_file, "a")) == NULL) {
        snprintf(err, errlen, "cannot open the trace file %s: %s", o->trace_file,
                 strerror(errno));
        return -1;
    }
    /* One write(2) per 256 KB of spans (about a thousand), not per 4 KB:
     * every drain ends with fflush, so nothing waits longer than one
     * export interval either way. */
    if (ex.file)
        setvbuf(ex.file, NULL, _IOFBF, 256u << 10);
    if (o->zipkin_url) {
        ex.batch = malloc(BATCH_CAP);
        ex.post = ex.batch ? inst_zipkin_post_open(o->zipkin_url) : NULL;
        if (ex.post == NULL) {
            snprintf(err, errlen, "cannot set up the Zipkin client for %s", o->zipkin_url);
            goto fail;
        }
    }
    ex.stop = false;
    if (pthread_create(&ex.thread, NULL, exporter, NULL) != 0) {
        snprintf(err, errlen, "cannot start the span exporter thread");
        goto fail;
    }
    ex.running = true;
    return 0;
fail:
    release();
    return -1;
}

void inst_export_stop(void)
{
    if (!ex.running)
        return;
    pthread_mutex_lock(&ex.lock);
    ex.stop = true;
    pthread_cond_signal(&ex.wake);
    pthread_mutex_unlock(&ex.lock);
    pthread_join(ex.thread, NULL);
    ex.running = false;
    release();
}
