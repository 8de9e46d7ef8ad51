/*
 * report_fixture.h - writes a realistic santa-load results folder for tests.
 *
 * Follows the run folder loadtests/README.md describes: summary.json, timeseries.csv,
 * samples.csv and metrics/{before,after,tNNNNN}.prom, with deterministic
 * figures (a fixed-seed generator), so tests can know exactly how many
 * rows, scrapes and transactions there are without waiting for santa-load.
 */
#ifndef REPORT_FIXTURE_H
#define REPORT_FIXTURE_H

#include <stdbool.h>

struct report_fixture_opts {
    const char *stage;     /* meta.stage; "02-sqlite" when NULL */
    double participants;   /* meta.seed.participants; 1000 when 0 */
    int seconds;           /* rows of timeseries.csv; 30 when 0 */
    int scrapes;           /* metrics/tNNNNN.prom files; 0 = none */
    bool no_metrics;       /* no metrics/ folder at all */
    bool cache;            /* a stage with a cache: cache phase and counters */
    bool no_server_timing; /* samples without server_*_us */
    bool bottleneck;       /* generator.bottleneck = true */
    const char *odd_txn;   /* one more transaction with this name (may need escaping) */
    double scale;          /* latency multiplier; 1 when 0 */
    bool search;           /* a saturation search: ladder whose knee is at 4000/scale req/s */
};

/* Creates dir (and dir/metrics) and writes the files. 0, or -1 with errno. */
/* The fixture's throughput: 1000 req/s offered; the slow third of the run
   (seconds > n/3 and < n/2, when n >= 6) achieves 400. */
int report_fixture_write(const char *dir, const struct report_fixture_opts *o);

/* Writes text to dir/name, replacing it (for tests that break one file). */
int report_fixture_put(const char *dir, const char *name, const char *text);

#endif /* REPORT_FIXTURE_H */
