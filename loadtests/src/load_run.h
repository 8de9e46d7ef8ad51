/*
 * load_run.h - one whole run: set-up (seed), workers, progress line, /metrics
 * scrapes, results folder, thresholds, self-check.
 *
 * Exit codes (what load_run returns, and santa-load exits with):
 *   0  done, every --assert term held, the generator kept up
 *   1  the run could not be done (bad settings, server unreachable, set-up failed)
 *   2  an --assert term failed
 *   3  the generator itself was the bottleneck (CPU or send lag): the figures
 *      measure santa-load, not the server
 *   130 interrupted (Ctrl-C): what was measured is written, marked "partial"
 */
#ifndef SANTA_LOAD_RUN_H
#define SANTA_LOAD_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "load_client.h"
#include "load_pool.h"

struct load_config;

enum {
    LOAD_EXIT_OK = 0,
    LOAD_EXIT_ERROR = 1,
    LOAD_EXIT_ASSERT = 2,
    LOAD_EXIT_BOTTLENECK = 3,
    LOAD_EXIT_INTERRUPTED = 130
};

/* Thresholds for "the generator is the bottleneck". The send-lag limit is
   relative: a send lag that is a quarter of the answers' p99 distorts them,
   whatever its absolute size; below the floor it is noise of the scheduler. */
#define LOAD_BOTTLENECK_CPU_PERCENT 90.0 /* any one worker thread */
#define LOAD_BOTTLENECK_LAG_SHARE 0.25   /* send lag p99 over this share of latency p99 */
#define LOAD_BOTTLENECK_LAG_FLOOR_MS 1.0 /* never blame a send lag p99 below this */

int load_run(const struct load_config *cfg);

/* ---- for the saturation search (load_search.c) ---- */

/* What a run set up once and every measurement shares. */
struct load_env {
    struct load_pool pool;
    struct load_client mc;
    bool have_mc;
};

/* The figures of one measurement, for the search to judge. */
struct load_outcome {
    double offered_rps, achieved_rps, p50_ms, p99_ms, duration_s;
    uint64_t requests, errors;
    bool bottleneck, interrupted;
};

/* One measured run of cfg (its rate, its out_dir) on env; asserts NULL for none.
   Returns an exit code as load_run does; *out is filled when it is not ERROR. */
struct load_asserts;
int load_run_measure(const struct load_config *cfg, struct load_env *env,
                     const struct load_asserts *asserts, struct load_outcome *out);

/* True once the user pressed Ctrl-C during a measurement. */
bool load_run_interrupted(void);

#endif /* SANTA_LOAD_RUN_H */
