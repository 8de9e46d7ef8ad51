/*
 * report_summary.h - summary.json of a load-test run, read into plain structs.
 *
 * The format is the one loadtests/README.md describes ("The results folder",
 * written by santa-load).
 * Required: meta.stage, requests, errors, rps, duration_s and latency_ms
 * {mean,p50,p90,p99,p999,max}. Everything else is optional, but a member
 * that is present must have the documented type: a wrong one is an error
 * naming the JSON path ("summary.json: $.transactions.join.latency_ms.p99:
 * expected a number"). All strings and arrays live in the arena given to
 * report_summary_read and die with it.
 */
#ifndef REPORT_SUMMARY_H
#define REPORT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "report_err.h"
#include "santa/arena.h"

struct report_latency {
    double mean, p50, p90, p99, p999, max; /* ms */
};

struct report_step {
    const char *name;
    double requests, errors, rps;
    struct report_latency latency;
};

struct report_txn {
    const char *name;
    double requests, errors, rps;
    struct report_latency latency;
    struct report_step *steps;
    size_t nsteps;
};

struct report_count {
    const char *name;
    double n;
};

struct report_phase {
    bool present;
    double mean, p50, p99; /* ms */
};

struct report_slow {
    const char *trace_id, *transaction, *step, *error; /* error: "" for an answer that was OK */
    double status, latency_ms, t_s;
};

/* One step of a saturation search (santa-load --find-max). */
struct report_ladder_step {
    double rate, offered_rps, achieved_rps, p50_ms, p99_ms, errors;
    bool held, bottleneck;
};

/* Percentiles cut from an exported histogram: 0, then ten per decade of
   1/(1-p) up to 99.999, then 100. */
enum { REPORT_HIST_POINTS = 52 };

/* Server-Timing phases, in the order the page shows them. */
enum report_phase_id { REPORT_PHASE_APP, REPORT_PHASE_STORE, REPORT_PHASE_CACHE, REPORT_PHASES };
extern const char *const report_phase_names[REPORT_PHASES];

struct report_summary {
    /* meta */
    const char *stage, *url, *scenario, *mode, *started_at; /* "" when absent */
    double threads, connections, rate, meta_duration_s, warmup_s, rampup_s;
    double cpus; /* the machine's cores (0: not said) */
    bool has_seed;
    double seed_exchanges, seed_participants;
    /* totals */
    double requests, errors, rps, duration_s;
    struct report_latency latency;
    double *dist_p, *dist_ms; /* latency_distribution: percentile in [0,100], latency ms */
    size_t ndist;
    struct report_count *errors_by_kind;
    size_t nerrors_by_kind;
    struct report_txn *txns;
    size_t ntxns;
    struct report_phase server_timing[REPORT_PHASES];
    /* generator */
    bool has_generator, bottleneck;
    double gen_cpu_s, gen_cpu_percent, lag_p50, lag_p99, lag_max;
    const char *gen_note;
    struct report_slow *slowest;
    size_t nslowest;
    /* Throughput by completion and the schedule (santa-load after issue 14;
       older results lack them, and rps then counted requests by start). */
    bool has_achieved, partial;
    double achieved_rps, offered_rps, min_second_rps, retries, trace_sample;
    /* Successful answers' service time (from the actual send), failures and
       timeouts kept apart from latency_ms (which is successful answers'). */
    bool has_service, has_failed, has_timeouts, has_queue_wait;
    struct report_latency service, failed, timeouts, queue_wait;
    double failed_count, timeout_count;
    double *sdist_p, *sdist_ms; /* service_time_distribution */
    size_t nsdist;
    /* The distributions above were cut from the exported histograms
       (histograms.response / .service), at REPORT_HIST_POINTS percentiles. */
    bool dist_from_histogram;
    /* Every Server-Timing name of server_timing_ms (app, store, cache and any
       other), with a count > 0, in file order. */
    struct report_named_phase {
        const char *name;
        double mean, p50, p99, count;
    } *phases;
    size_t nphases;
    /* santa-load --repeat K: the mean and 95 % half-width over the K runs of
       achieved rps, p50 and p99 (this folder holds the median run). */
    bool has_repeats;
    double repeat_runs, repeat_mean[3], repeat_ci[3];
    /* The saturation search: the highest rate that held, and every step. */
    bool has_search;
    double max_sustainable_rps, max_rate, slo_p99_ms;
    struct report_ladder_step *ladder;
    size_t nladder;
};

/* Reads path into *s; strings and arrays are allocated in arena.
 * 0, or -1 with err set (the file, and a line or a JSON path). */
int report_summary_read(struct report_summary *s, const char *path, struct santa_arena *arena,
                        struct report_error *err);

#endif /* REPORT_SUMMARY_H */
