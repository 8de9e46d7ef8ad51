/*
 * load_worker.h - one load-generating thread: an epoll loop over its share of
 * the virtual users, each with one keep-alive connection.
 *
 * Closed loop: a user starts its next transaction as soon as the last one
 * ended (plus think time). Open loop: a schedule of intended start times at
 * the group's rate (split over the workers); an idle user takes the next due
 * start, and a request's latency is measured from that intended start, so the
 * time a request waited for a free connection counts (coordinated omission
 * corrected, as wrk2 does). Either way a step's latency is "completion minus
 * intended start"; the send lag (actual send minus the moment it could have
 * been sent) measures the generator itself.
 *
 * The worker allocates its users and buffers in load_worker_init and nothing
 * per request (the JSON-reading steps excepted: they parse the answer).
 */
#ifndef SANTA_LOAD_WORKER_H
#define SANTA_LOAD_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "load_heap.h"
#include "load_stats.h"
#include "load_steps.h"
#include "load_trace.h"

struct load_config;
struct load_pool;
struct load_vu;

/* The run's time line, CLOCK_MONOTONIC nanoseconds, fixed before workers start. */
struct load_clock {
    uint64_t t0;    /* users start (ramp-up, then warm-up) */
    uint64_t meas;  /* the measured period starts */
    uint64_t end;   /* no request intended at or after this is started */
    uint64_t stop;  /* in-flight requests still open now are timeouts */
    _Atomic int *halt; /* set by the main thread on Ctrl-C: stop now, count nothing more */
};

struct load_worker {
    unsigned id, nworkers;
    const struct load_config *cfg;
    const struct load_pool *pool;
    const struct load_clock *clk;
    struct load_stats stats;
    uint64_t cpu_ns;          /* this thread's CPU time in its loop */
    uint64_t loop_ns;         /* wall time of its loop */
    /* private */
    int epfd;
    struct load_vu *vus;
    unsigned nvus, busy, depth;
    struct load_rng rng;
    struct load_step_ctx ctx;
    struct load_sched {
        uint64_t next, interval;  /* open loop: next intended start, spacing */
        unsigned *idle;           /* users of this group waiting for a start */
        unsigned nidle;
    } sched[LOAD_MAX_GROUPS];
    struct load_heap heap;    /* closed loop wake-ups: a min-heap of (time, user) */
    unsigned *ready;          /* users whose send was deferred to the loop (no recursion) */
    unsigned nready;
    uint64_t next_scan;
    char *rbuf;
    pthread_t thread;
};

/* Sets up worker id of nworkers: its users (every nworkers-th of each group),
   their buffers and its stats. Returns 0 or -1 (out of memory, epoll). */
int load_worker_init(struct load_worker *w, unsigned id, unsigned nworkers,
                     const struct load_config *cfg, const struct load_pool *pool,
                     const struct load_clock *clk);

/* Runs the loop until clk->stop or until every user is done after clk->end. */
void load_worker_run(struct load_worker *w);

void load_worker_release(struct load_worker *w);

#endif /* SANTA_LOAD_WORKER_H */
