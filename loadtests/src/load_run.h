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
 */
#ifndef SANTA_LOAD_RUN_H
#define SANTA_LOAD_RUN_H

struct load_config;

enum {
    LOAD_EXIT_OK = 0,
    LOAD_EXIT_ERROR = 1,
    LOAD_EXIT_ASSERT = 2,
    LOAD_EXIT_BOTTLENECK = 3
};

/* Thresholds for "the generator is the bottleneck". */
#define LOAD_BOTTLENECK_CPU_PERCENT 90.0 /* per worker thread */
#define LOAD_BOTTLENECK_LAG_MS 10.0      /* send lag p99 */

int load_run(const struct load_config *cfg);

#endif /* SANTA_LOAD_RUN_H */
