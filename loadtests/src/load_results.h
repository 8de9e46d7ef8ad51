/*
 * load_results.h - the results folder of one run (the contract with
 * santa-report, loadtests/README.md "The results folder"): summary.json,
 * samples.csv, timeseries.csv, metrics/NAME.prom.
 */
#ifndef SANTA_LOAD_RESULTS_H
#define SANTA_LOAD_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_stats.h"

struct load_config;

/* Everything summary.json says, besides the merged stats. */
struct load_summary {
    const struct load_config *cfg;
    const struct load_stats *st;
    double duration_s, warmup_s, rampup_s, rate;
    char started_at[32];
    unsigned seed_exchanges, seed_participants;
    double cpu_s, cpu_percent;  /* cpu_percent: the busiest worker thread */
    double cpu_percent_mean;    /* over all worker threads */
    double lag_limit_ms;        /* the send-lag limit the self-check used */
    bool bottleneck;
    bool partial;               /* interrupted (Ctrl-C): duration_s is what ran */
    char note[256];
    uint64_t samples_written, samples_every;
};

/* Creates dir and dir/metrics (like mkdir -p). Returns 0 or -1 with err. */
int load_results_mkdir(const char *dir, char *err, size_t errn);

/* Thins st's samples to at most LOAD_SAMPLES_MAX (every k-th; k into s) and
   writes samples.csv, timeseries.csv and summary.json into dir. */
int load_results_write(const char *dir, struct load_summary *s, struct load_stats *st, char *err,
                       size_t errn);

#endif /* SANTA_LOAD_RESULTS_H */
