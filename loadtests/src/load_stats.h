/*
 * load_stats.h - what one worker thread measured, and the merge of all of them.
 *
 * Each worker owns one struct load_stats and is its only writer while the run
 * lasts, so recording takes no lock; the run merges them when every worker has
 * stopped. Latencies go into libinstrument's log-linear histograms (one per
 * step timer, one per transaction, one per second of the run, ...), so the
 * percentiles in the results are histogram percentiles, within 0.4 % of exact.
 *
 * Everything is allocated by load_stats_init before the run starts; a
 * histogram per second is allocated the first time that second is recorded
 * into (once a second, never per request).
 */
#ifndef SANTA_LOAD_STATS_H
#define SANTA_LOAD_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instrument/hist.h"
#include "load_http.h"

enum load_err {
    LOAD_ERR_NONE,
    LOAD_ERR_CONNECT,   /* could not connect, or the connection broke */
    LOAD_ERR_TIMEOUT,   /* no complete answer within the request timeout */
    LOAD_ERR_HTTP_4XX,
    LOAD_ERR_HTTP_5XX,
    LOAD_ERR_PARSE,     /* not valid HTTP */
    LOAD_ERR_ASSERT,    /* valid HTTP, but not what the step expects (status, body) */
    LOAD_ERR_COUNT
};

const char *load_err_name(enum load_err e);

#define LOAD_SLOWEST 20
#define LOAD_SAMPLES_MAX 200000

/* One finished request as the worker reports it. */
struct load_record {
    uint64_t t_ns;        /* intended start, since the start of the measured period */
    uint64_t latency_ns;  /* completion minus intended start (response time) */
    uint64_t service_ns;  /* completion minus the moment it was sent (service time) */
    uint64_t wait_ns;     /* open loop: intended start until a connection was free */
    int64_t st_us[3];     /* Server-Timing app, store, cache; -1 when absent */
    int status;           /* 0 when no answer came */
    unsigned txn, timer;
    enum load_err err;
    const uint8_t *trace; /* 16 bytes */
    const struct load_st_metric *phases; /* every Server-Timing metric of the answer */
    unsigned nphases;
};

#define LOAD_PHASES_MAX 16 /* distinct Server-Timing names kept per run; more are dropped */

/* One Server-Timing name's durations. */
struct load_phase {
    char name[LOAD_ST_NAME];
    struct inst_hist h;
};

struct load_sample {
    uint64_t t_us;
    uint32_t latency_us;
    int32_t st_us[3];
    uint16_t status;
    uint8_t txn, timer, err;
    uint8_t trace[16];
};

struct load_slow {
    uint64_t latency_ns, t_ns;
    uint16_t status;
    uint8_t txn, timer, err;
    uint8_t trace[16];
};

struct load_stats {
    unsigned ntimers, ntxns, nsec;
    unsigned step_s;            /* seconds per time-series row (1 unless the run is long) */
    /* Answers and failures are kept apart (as Gatling does): a failure's latency is
       not an answer's, and a timeout is no latency at all, only a wait. */
    struct inst_hist *all;      /* successful answers: response time (from intended start) */
    struct inst_hist *service;  /* successful answers: service time (from the actual send) */
    struct inst_hist *wait;     /* successful answers: open loop, waiting for a connection */
    struct inst_hist *fail;     /* failed requests that ended before the timeout */
    struct inst_hist *tmo;      /* timeouts: how long they had waited when given up */
    struct inst_hist *lag;      /* send lag: actual minus possible start */
    struct inst_hist *st;       /* [3]: Server-Timing app, store, cache */
    struct inst_hist *timer;    /* [ntimers] */
    struct inst_hist *txn;      /* [ntxns]: whole-transaction durations */
    uint64_t *timer_req, *timer_err, *txn_count, *txn_err;
    uint64_t requests, errors, err_kind[LOAD_ERR_COUNT];
    uint64_t in_time;           /* successful answers completed within the measured period,
                                   whatever their intended start (load_stats_completed) */
    uint64_t retries;           /* idempotent requests resent after a kept connection closed */
    struct load_phase *phase;   /* [LOAD_PHASES_MAX]: any Server-Timing name, in order seen */
    unsigned nphase;
    struct inst_hist **sec;     /* [nsec], allocated on first use */
    struct inst_hist **sec_lag; /* [nsec] */
    uint64_t *sec_req, *sec_err; /* by intended start: offered */
    uint64_t *sec_done;         /* successful answers by the second they completed: achieved */
    struct load_sample *samples;
    size_t nsamples, cap;
    uint64_t stride, seen;      /* keep every stride-th request once cap was reached */
    struct load_slow slow[LOAD_SLOWEST];
    unsigned nslow;
    uint64_t live_sec;          /* the second whose predecessor's p99 is published */
    /* Read by the progress line while the worker writes them. */
    _Atomic uint64_t live_requests, live_errors, live_p99_ns;
};

#define LOAD_SERIES_MAX 300 /* time-series rows at most: two histograms each, per worker */

/* Seconds per time-series row for a run of duration_s: 1, or more for runs
   longer than LOAD_SERIES_MAX seconds so memory stays bounded. */
unsigned load_stats_step(double duration_s);

/* Allocates everything for nsec time-series rows of step_s seconds each.
   Returns 0 or -1 (out of memory). */
int load_stats_init(struct load_stats *s, unsigned ntimers, unsigned ntxns, unsigned nsec,
                    unsigned step_s);
void load_stats_release(struct load_stats *s);

/* One request of the measured period. */
void load_stats_record(struct load_stats *s, const struct load_record *r);
/* A successful answer (of any request, warm-up included) completed done_ns after the
   start of the measured period (within it): throughput counted at completion, so a
   stalled server shows as a dip, not as the schedule. */
void load_stats_completed(struct load_stats *s, uint64_t done_ns);

/* One whole transaction of the measured period. */
void load_stats_txn(struct load_stats *s, unsigned txn, uint64_t duration_ns, bool error);
/* The send lag of one request (t_ns as in load_record). */
void load_stats_lag(struct load_stats *s, uint64_t t_ns, uint64_t lag_ns);

/* Adds src into dst (same shape); samples are appended, thinned to fit
   LOAD_SAMPLES_MAX. Returns 0 or -1 (out of memory). */
int load_stats_merge(struct load_stats *dst, const struct load_stats *src);

/* Sorts the samples by time (after the merge). */
void load_stats_sort_samples(struct load_stats *s);

/* The lowest achieved rate (successful answers by completion) of the full
   time-series rows of a run of duration_s; the whole run's rate when it has
   no full row. */
double load_stats_min_rps(const struct load_stats *s, double duration_s);

/* A histogram percentile in milliseconds. */
double load_ms(const struct inst_hist *h, double p);

#endif /* SANTA_LOAD_STATS_H */
