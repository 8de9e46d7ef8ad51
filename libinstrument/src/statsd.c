/*
 * statsd.c - the statsd flusher thread (see statsd.h).
 *
 * The flusher keeps, per metric, what it sent last: the counter total, and
 * for histograms the merged histogram, so each flush sends the difference.
 * Only this thread touches that state (flush_now() takes the same lock).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "instrument/process.h"
#include "instrument/statsd.h"
#include "internal.h"
#include "metrics_internal.h"

static struct {
    pthread_t thread;
    bool running;
    bool stop;
    pthread_mutex_t lock; /* the flush state below, and stop */
    pthread_cond_t wake;
    int fd;
    uint32_t interval_ms;
    uint64_t last_count[INST_METRICS_MAX];
    struct inst_hist *last_hist[INST_METRICS_MAX];
    struct inst_hist *now;
    struct inst_metric *datagrams, *errors;
} sd = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .fd = -1};

size_t inst_statsd_line(char *buf, size_t cap, const char *name, const char *value,
                        const char *type, double rate)
{
    int n;
    if (rate > 0.0 && rate < 1.0)
        n = snprintf(buf, cap, "%s:%s|%s|@%.6g", name, value, type, rate);
    else
        n = snprintf(buf, cap, "%s:%s|%s", name, value, type);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

void inst_statsd_pack(struct inst_statsd_packer *p, const char *line, size_t len)
{
    if (len == 0 || len > INST_STATSD_PAYLOAD_MAX)
        return;
    size_t need = len + (p->len ? 1 : 0);
    if (p->len + need > INST_STATSD_PAYLOAD_MAX) {
        inst_statsd_pack_flush(p);
        need = len;
    }
    if (p->len)
        p->buf[p->len++] = '\n';
    memcpy(p->buf + p->len, line, len);
    p->len += len;
}

void inst_statsd_pack_flush(struct inst_statsd_packer *p)
{
    if (p->len == 0)
        return;
    p->send(p->ctx, p->buf, p->len);
    p->len = 0;
}

static void udp_send(void *ctx, const char *d, size_t len)
{
    (void)ctx;
    ssize_t n = send(sd.fd, d, len, MSG_DONTWAIT);
    inst_counter_add(n == (ssize_t)len ? sd.datagrams : sd.errors, 1);
}

static void emit(struct inst_statsd_packer *p, const char *name, const char *value,
                 const char *type, double rate)
{
    char line[INST_STATSD_PAYLOAD_MAX + 1];
    size_t n = inst_statsd_line(line, sizeof line, name, value, type, rate);
    inst_statsd_pack(p, line, n);
}

static void emit_hist(struct inst_statsd_packer *p, const struct inst_metric *m)
{
    struct inst_hist *last = sd.last_hist[m->id];
    if (last == NULL) {
        last = sd.last_hist[m->id] = malloc(sizeof *last);
        if (last == NULL)
            return;
        inst_hist_init(last);
    }
    inst_hist_read(m, sd.now);
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++) {
        uint64_t now = atomic_load_explicit(&sd.now->buckets[i], memory_order_relaxed);
        uint64_t was = atomic_load_explicit(&last->buckets[i], memory_order_relaxed);
        if (now <= was)
            continue;
        uint64_t k = now - was;
        /* the bucket's middle: rebuild it from the percentile of a one-bucket histogram
           would be slow; the arithmetic mirrors hist.c's layout */
        uint64_t low, width;
        if (i < INST_HIST_SUB_COUNT) {
            low = i;
            width = 1;
        } else {
            unsigned shift = i / INST_HIST_SUB_COUNT - 1;
            low = (uint64_t)(INST_HIST_SUB_COUNT + i % INST_HIST_SUB_COUNT) << shift;
            width = UINT64_C(1) << shift;
        }
        char v[32];
        snprintf(v, sizeof v, "%.3f", (double)(low + width / 2) / 1e6);
        emit(p, m->statsd, v, "ms", 1.0 / (double)k);
    }
    struct inst_hist *swap = sd.now;
    sd.now = last;
    sd.last_hist[m->id] = swap;
}

/* The process metrics of prometheus.h, as gauges (statsd has no "counter total" type). */
static void process_gauges(struct inst_statsd_packer *p)
{
    struct inst_process_stats ps;
    if (!inst_process_read(&ps))
        return;
    char v[32];
    snprintf(v, sizeof v, "%.2f", ps.cpu_seconds);
    emit(p, "process_cpu_seconds_total", v, "g", 1.0);
    snprintf(v, sizeof v, "%llu", (unsigned long long)ps.resident_bytes);
    emit(p, "process_resident_memory_bytes", v, "g", 1.0);
    snprintf(v, sizeof v, "%llu", (unsigned long long)ps.open_fds);
    emit(p, "process_open_fds", v, "g", 1.0);
    snprintf(v, sizeof v, "%llu", (unsigned long long)ps.threads);
    emit(p, "process_threads", v, "g", 1.0);
    snprintf(v, sizeof v, "%.0f", ps.start_time_seconds);
    emit(p, "process_start_time_seconds", v, "g", 1.0);
}

static void flush_locked(void)
{
    struct inst_statsd_packer p = {.send = udp_send};
    size_t count = inst_metrics_count();
    char v[32];
    for (size_t id = 0; id < count; id++) {
        const struct inst_metric *m = inst_metric_at(id);
        if (m->type == INST_COUNTER) {
            uint64_t total = inst_counter_read(m);
            if (total > sd.last_count[id]) {
                snprintf(v, sizeof v, "%llu", (unsigned long long)(total - sd.last_count[id]));
                emit(&p, m->statsd, v, "c", 1.0);
            }
            sd.last_count[id] = total;
        } else if (m->type == INST_GAUGE) {
            long long g = (long long)inst_gauge_read(m);
            if (g < 0)
                emit(&p, m->statsd, "0", "g", 1.0);
            snprintf(v, sizeof v, "%lld", g);
            emit(&p, m->statsd, v, "g", 1.0);
        } else if (sd.now) {
            emit_hist(&p, m);
        }
    }
    process_gauges(&p);
    inst_statsd_pack_flush(&p);
}

void inst_statsd_flush_now(void)
{
    pthread_mutex_lock(&sd.lock);
    if (sd.running)
        flush_locked();
    pthread_mutex_unlock(&sd.lock);
}

static void *flusher(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "inst-statsd");
    pthread_mutex_lock(&sd.lock);
    while (!sd.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(sd.interval_ms % 1000) * 1000000L;
        until.tv_sec += sd.interval_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        int rc = pthread_cond_timedwait(&sd.wake, &sd.lock, &until);
        if (rc == ETIMEDOUT && !sd.stop)
            flush_locked();
    }
    flush_locked(); /* the last one, even when stop came before this thread first ran */
    pthread_mutex_unlock(&sd.lock);
    return NULL;
}

static int parse_hostport(const char *hp, struct sockaddr_in *sa)
{
    const char *colon = strrchr(hp, ':');
    char host[64];
    if (colon == NULL || (size_t)(colon - hp) >= sizeof host)
        return -1;
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (colon[1] == '\0' || *end || port < 1 || port > 65535 ||
        inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

int inst_statsd_start(const char *hostport, uint32_t interval_ms, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_hostport(hostport, &sa) != 0) {
        snprintf(err, errlen, "statsd address '%s' must be IPv4:PORT, e.g. 127.0.0.1:8125",
                 hostport);
        return -1;
    }
    sd.datagrams = inst_metric_register(INST_COUNTER, "inst_statsd_datagrams_total",
                                        "Datagrams sent to the statsd collector.", NULL, 0);
    sd.errors = inst_metric_register(INST_COUNTER, "inst_statsd_errors_total",
                                     "Datagrams the kernel refused (no collector, full buffer).",
                                     NULL, 0);
    sd.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sd.fd < 0 || connect(sd.fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, errlen, "statsd socket to %s: %s", hostport, strerror(errno));
        if (sd.fd >= 0)
            close(sd.fd);
        sd.fd = -1;
        return -1;
    }
    sd.now = malloc(sizeof *sd.now);
    sd.interval_ms = interval_ms ? interval_ms : 1000;
    sd.stop = false;
    if (sd.now == NULL || pthread_create(&sd.thread, NULL, flusher, NULL) != 0) {
        snprintf(err, errlen, "cannot start the statsd thread");
        free(sd.now);
        sd.now = NULL;
        close(sd.fd);
        sd.fd = -1;
        return -1;
    }
    sd.running = true;
    return 0;
}

void inst_statsd_stop(void)
{
    if (!sd.running)
        return;
    pthread_mutex_lock(&sd.lock);
    sd.stop = true;
    pthread_cond_signal(&sd.wake);
    pthread_mutex_unlock(&sd.lock);
    pthread_join(sd.thread, NULL);
    pthread_mutex_lock(&sd.lock);
    sd.running = false;
    pthread_mutex_unlock(&sd.lock);
    close(sd.fd);
    sd.fd = -1;
    free(sd.now);
    sd.now = NULL;
    for (size_t i = 0; i < INST_METRICS_MAX; i++) {
        free(sd.last_hist[i]);
        sd.last_hist[i] = NULL;
    }
    memset(sd.last_count, 0, sizeof sd.last_count);
}
