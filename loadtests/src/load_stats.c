/*
 * load_stats.c - per-thread tallies and their merge (see load_stats.h).
 */
#include "load_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const err_names[LOAD_ERR_COUNT] = {
    [LOAD_ERR_NONE] = "", [LOAD_ERR_CONNECT] = "connect", [LOAD_ERR_TIMEOUT] = "timeout",
    [LOAD_ERR_HTTP_4XX] = "http_4xx", [LOAD_ERR_HTTP_5XX] = "http_5xx",
    [LOAD_ERR_PARSE] = "parse", [LOAD_ERR_ASSERT] = "assert",
};

const char *load_err_name(enum load_err e)
{
    return (unsigned)e < LOAD_ERR_COUNT ? err_names[e] : "?";
}

static struct inst_hist *hists(size_t n)
{
    struct inst_hist *h = malloc(n * sizeof(*h));
    for (size_t i = 0; h && i < n; i++) {
        inst_hist_init(&h[i]);
    }
    return h;
}

unsigned load_stats_step(double duration_s)
{
    unsigned step = 1;
    while (duration_s / step > LOAD_SERIES_MAX) {
        step++;
    }
    return step;
}

int load_stats_init(struct load_stats *s, unsigned ntimers, unsigned ntxns, unsigned nsec,
                    unsigned step_s)
{
    memset(s, 0, sizeof(*s));
    s->step_s = step_s ? step_s : 1;
    s->ntimers = ntimers;
    s->ntxns = ntxns;
    s->nsec = nsec;
    s->all = hists(1);
    s->service = hists(1);
    s->wait = hists(1);
    s->fail = hists(1);
    s->tmo = hists(1);
    s->lag = hists(1);
    s->st = hists(3);
    s->timer = hists(ntimers);
    s->txn = hists(ntxns);
    s->timer_req = calloc(ntimers, sizeof(uint64_t));
    s->timer_err = calloc(ntimers, sizeof(uint64_t));
    s->txn_count = calloc(ntxns, sizeof(uint64_t));
    s->txn_err = calloc(ntxns, sizeof(uint64_t));
    s->sec = calloc(nsec, sizeof(*s->sec));
    s->sec_lag = calloc(nsec, sizeof(*s->sec_lag));
    s->sec_req = calloc(nsec, sizeof(uint64_t));
    s->sec_err = calloc(nsec, sizeof(uint64_t));
    s->sec_done = calloc(nsec, sizeof(uint64_t));
    s->phase = malloc(LOAD_PHASES_MAX * sizeof(*s->phase));
    s->cap = LOAD_SAMPLES_MAX;
    s->samples = malloc(s->cap * sizeof(*s->samples));
    s->stride = 1;
    if (!s->phase || !s->all || !s->service || !s->wait || !s->fail || !s->tmo || !s->sec_done ||
        !s->lag || !s->st || !s->timer || !s->txn || !s->timer_req || !s->timer_err ||
        !s->txn_count || !s->txn_err || !s->sec || !s->sec_lag || !s->sec_req || !s->sec_err ||
        !s->samples) {
        load_stats_release(s);
        return -1;
    }
    return 0;
}

void load_stats_release(struct load_stats *s)
{
    for (unsigned i = 0; i < s->nsec; i++) {
        free(s->sec ? s->sec[i] : NULL);
        free(s->sec_lag ? s->sec_lag[i] : NULL);
    }
    free(s->all);
    free(s->service);
    free(s->wait);
    free(s->fail);
    free(s->tmo);
    free(s->sec_done);
    free(s->phase);
    free(s->lag);
    free(s->st);
    free(s->timer);
    free(s->txn);
    free(s->timer_req);
    free(s->timer_err);
    free(s->txn_count);
    free(s->txn_err);
    free(s->sec);
    free(s->sec_lag);
    free(s->sec_req);
    free(s->sec_err);
    free(s->samples);
    memset(s, 0, sizeof(*s));
}

/* The histogram of second sec from *slot, allocated on first use (NULL if out of memory). */
static struct inst_hist *second(struct inst_hist **slot)
{
    if (!*slot) {
        *slot = hists(1);
    }
    return *slot;
}

static void keep_sample(struct load_stats *s, const struct load_record *r)
{
    if (s->seen++ % s->stride != 0) {
        return;
    }
    if (s->nsamples == s->cap) {
        /* Full: keep every other one and from now on every (2 * stride)-th. */
        size_t j = 0;
        for (size_t i = 0; i < s->nsamples; i += 2) {
            s->samples[j++] = s->samples[i];
        }
        s->nsamples = j;
        s->stride *= 2;
        if ((s->seen - 1) % s->stride != 0) {
            return;
        }
    }
    struct load_sample *o = &s->samples[s->nsamples++];
    o->t_us = r->t_ns / 1000;
    uint64_t lat = r->latency_ns / 1000;
    o->latency_us = lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
    for (int i = 0; i < 3; i++) {
        o->st_us[i] = r->st_us[i] > INT32_MAX ? INT32_MAX : (int32_t)r->st_us[i];
    }
    o->status = (uint16_t)r->status;
    o->txn = (uint8_t)r->txn;
    o->timer = (uint8_t)r->timer;
    o->err = (uint8_t)r->err;
    memcpy(o->trace, r->trace, 16);
}

static void keep_slowest(struct load_stats *s, const struct load_record *r)
{
    unsigned i = s->nslow;
    if (i == LOAD_SLOWEST) {
        if (r->latency_ns <= s->slow[LOAD_SLOWEST - 1].latency_ns) {
            return;
        }
        i--;
    } else {
        s->nslow++;
    }
    while (i > 0 && s->slow[i - 1].latency_ns < r->latency_ns) {
        s->slow[i] = s->slow[i - 1];
        i--;
    }
    struct load_slow *o = &s->slow[i];
    o->latency_ns = r->latency_ns;
    o->t_ns = r->t_ns;
    o->status = (uint16_t)r->status;
    o->txn = (uint8_t)r->txn;
    o->timer = (uint8_t)r->timer;
    o->err = (uint8_t)r->err;
    memcpy(o->trace, r->trace, 16);
}

/* The histogram of Server-Timing name, added on first sight (NULL when full). */
static struct inst_hist *phase_of(struct load_stats *s, const char *name)
{
    for (unsigned i = 0; i < s->nphase; i++) {
        if (strcmp(s->phase[i].name, name) == 0) {
            return &s->phase[i].h;
        }
    }
    if (s->nphase == LOAD_PHASES_MAX) {
        return NULL;
    }
    struct load_phase *p = &s->phase[s->nphase++];
    snprintf(p->name, sizeof(p->name), "%s", name);
    inst_hist_init(&p->h);
    return &p->h;
}

void load_stats_record(struct load_stats *s, const struct load_record *r)
{
    bool err = r->err != LOAD_ERR_NONE;
    if (!err) {
        inst_hist_record(s->all, r->latency_ns);
        inst_hist_record(s->service, r->service_ns);
        inst_hist_record(s->wait, r->wait_ns);
        inst_hist_record(&s->timer[r->timer], r->latency_ns);
    } else if (r->err == LOAD_ERR_TIMEOUT) {
        inst_hist_record(s->tmo, r->latency_ns);
    } else {
        inst_hist_record(s->fail, r->latency_ns);
    }
    s->timer_req[r->timer]++;
    s->requests++;
    if (err) {
        s->timer_err[r->timer]++;
        s->errors++;
        s->err_kind[r->err]++;
    }
    for (int i = 0; i < 3; i++) {
        if (r->st_us[i] >= 0) {
            inst_hist_record(&s->st[i], (uint64_t)r->st_us[i] * 1000);
        }
    }
    for (unsigned i = 0; i < r->nphases; i++) {
        struct inst_hist *h = phase_of(s, r->phases[i].name);
        if (h) {
            inst_hist_record(h, (uint64_t)r->phases[i].us * 1000);
        }
    }
    uint64_t sec = r->t_ns / (1000000000u * (uint64_t)s->step_s);
    if (sec < s->nsec) {
        struct inst_hist *h = err ? NULL : second(&s->sec[sec]);
        if (h) {
            inst_hist_record(h, r->latency_ns);
        }
        s->sec_req[sec]++;
        s->sec_err[sec] += err;
        if (sec > 0 && sec > s->live_sec && s->sec[sec - 1]) {
            /* Once per second, not per request: a percentile walks every bucket. */
            s->live_sec = sec;
            atomic_store_explicit(&s->live_p99_ns, inst_hist_percentile(s->sec[sec - 1], 99),
                                  memory_order_relaxed);
        }
    }
    keep_sample(s, r);
    if (r->err != LOAD_ERR_TIMEOUT) {
        keep_slowest(s, r); /* answers (good or bad) only: a timeout has no trace to read */
    }
    atomic_store_explicit(&s->live_requests, s->requests, memory_order_relaxed);
    atomic_store_explicit(&s->live_errors, s->errors, memory_order_relaxed);
}

void load_stats_completed(struct load_stats *s, uint64_t done_ns)
{
    s->in_time++;
    uint64_t sec = done_ns / (1000000000u * (uint64_t)s->step_s);
    if (sec < s->nsec) {
        s->sec_done[sec]++;
    }
}

void load_stats_txn(struct load_stats *s, unsigned txn, uint64_t duration_ns, bool error)
{
    inst_hist_record(&s->txn[txn], duration_ns);
    s->txn_count[txn]++;
    s->txn_err[txn] += error;
}

void load_stats_lag(struct load_stats *s, uint64_t t_ns, uint64_t lag_ns)
{
    inst_hist_record(s->lag, lag_ns);
    uint64_t sec = t_ns / (1000000000u * (uint64_t)s->step_s);
    if (sec < s->nsec) {
        struct inst_hist *h = second(&s->sec_lag[sec]);
        if (h) {
            inst_hist_record(h, lag_ns);
        }
    }
}

static int merge_seconds(struct inst_hist **dst, struct inst_hist *const *src, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (src[i]) {
            if (!second(&dst[i])) {
                return -1;
            }
            inst_hist_merge(dst[i], src[i]);
        }
    }
    return 0;
}

int load_stats_merge(struct load_stats *dst, const struct load_stats *src)
{
    inst_hist_merge(dst->all, src->all);
    inst_hist_merge(dst->service, src->service);
    inst_hist_merge(dst->wait, src->wait);
    inst_hist_merge(dst->fail, src->fail);
    inst_hist_merge(dst->tmo, src->tmo);
    inst_hist_merge(dst->lag, src->lag);
    for (int i = 0; i < 3; i++) {
        inst_hist_merge(&dst->st[i], &src->st[i]);
    }
    for (unsigned i = 0; i < dst->ntimers; i++) {
        inst_hist_merge(&dst->timer[i], &src->timer[i]);
        dst->timer_req[i] += src->timer_req[i];
        dst->timer_err[i] += src->timer_err[i];
    }
    for (unsigned i = 0; i < dst->ntxns; i++) {
        inst_hist_merge(&dst->txn[i], &src->txn[i]);
        dst->txn_count[i] += src->txn_count[i];
        dst->txn_err[i] += src->txn_err[i];
    }
    dst->requests += src->requests;
    dst->errors += src->errors;
    dst->in_time += src->in_time;
    dst->retries += src->retries;
    for (unsigned i = 0; i < src->nphase; i++) {
        struct inst_hist *h = phase_of(dst, src->phase[i].name);
        if (h) {
            inst_hist_merge(h, &src->phase[i].h);
        }
    }
    for (int i = 0; i < LOAD_ERR_COUNT; i++) {
        dst->err_kind[i] += src->err_kind[i];
    }
    for (unsigned i = 0; i < dst->nsec; i++) {
        dst->sec_req[i] += src->sec_req[i];
        dst->sec_err[i] += src->sec_err[i];
        dst->sec_done[i] += src->sec_done[i];
    }
    if (merge_seconds(dst->sec, src->sec, dst->nsec) != 0 ||
        merge_seconds(dst->sec_lag, src->sec_lag, dst->nsec) != 0) {
        return -1;
    }
    if (dst->nsamples + src->nsamples > dst->cap) {
        size_t cap = dst->nsamples + src->nsamples;
        struct load_sample *p = realloc(dst->samples, cap * sizeof(*p));
        if (!p) {
            return -1;
        }
        dst->samples = p;
        dst->cap = cap;
    }
    memcpy(dst->samples + dst->nsamples, src->samples, src->nsamples * sizeof(*src->samples));
    dst->nsamples += src->nsamples;
    dst->seen += src->seen;
    if (src->stride > dst->stride) {
        dst->stride = src->stride;
    }
    for (unsigned i = 0; i < src->nslow; i++) {
        struct load_record r = {.t_ns = src->slow[i].t_ns, .latency_ns = src->slow[i].latency_ns,
                                .status = src->slow[i].status, .txn = src->slow[i].txn,
                                .timer = src->slow[i].timer,
                                .err = (enum load_err)src->slow[i].err,
                                .trace = src->slow[i].trace};
        keep_slowest(dst, &r);
    }
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct load_sample *x = a, *y = b;
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

void load_stats_sort_samples(struct load_stats *s)
{
    qsort(s->samples, s->nsamples, sizeof(*s->samples), by_time);
}

double load_stats_min_rps(const struct load_stats *s, double duration_s)
{
    unsigned full = (unsigned)(duration_s / s->step_s + 1e-9);
    if (full == 0) {
        return duration_s > 0 ? (double)s->in_time / duration_s : 0;
    }
    double min = -1;
    for (unsigned i = 0; i < full && i < s->nsec; i++) {
        double r = (double)s->sec_done[i] / s->step_s;
        if (min < 0 || r < min) {
            min = r;
        }
    }
    return min < 0 ? 0 : min;
}

double load_ms(const struct inst_hist *h, double p)
{
    return (double)inst_hist_percentile(h, p) / 1e6;
}
