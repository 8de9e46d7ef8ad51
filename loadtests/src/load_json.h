/*
 * load_json.h - the load generator's JSON, in and out. This file's .c is the
 * only one of loadtests that includes jansson.h (one file per library).
 *
 * In: string members of an API answer (ids, tokens, invite codes).
 * Out: summary.json, the results contract read by santa-report
 * (loadtests/README.md, "The results folder").
 */
#ifndef SANTA_LOAD_JSON_H
#define SANTA_LOAD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct load_summary;

/* One step of the saturation search (load_search.c). */
struct load_ladder_step {
    double rate;          /* the schedule: requests/s (plain) or transactions/s (scenario) */
    double offered_rps, achieved_rps, p50_ms, p99_ms;
    uint64_t requests, errors;
    bool held, bottleneck;
    char dir[16];         /* its results folder, under the search's */
};

struct load_search_result {
    double max_rps;       /* achieved rate of the highest step that held; 0 when none did */
    double max_rate;      /* that step's schedule */
    double slo_p99_ms;
    const struct load_ladder_step *steps;
    unsigned nsteps, chosen; /* chosen: the step whose results the folder holds */
    bool partial;
};

/* Copies the top-level string members keys[i] of the JSON object in body into
   outs[i] (each cap bytes). Returns 0 when every one was there and fitted. */
int load_json_strings(const char *body, size_t len, const char *const *keys, char *const *outs,
                      size_t cap, unsigned n);

/* Writes path (summary.json) from s. Returns 0 or -1 with a message in err. */
int load_json_write_summary(const char *path, const struct load_summary *s, char *err,
                            size_t errn);

/* One of K repeated runs, and the result of --repeat. */
struct load_repeat_result {
    const struct load_ladder_step *runs; /* rate/held unused; dir is the run's folder */
    unsigned nruns, chosen;
    double mean[3], half[3];             /* achieved_rps, p50_ms, p99_ms */
};

/* Reads the chosen run's summary.json (src), adds "repeats", writes dst. */
int load_json_add_repeats(const char *src, const char *dst, const struct load_repeat_result *r,
                          char *err, size_t errn);

/* Reads the chosen step's summary.json (src), adds max_sustainable_rps,
   slo_p99_ms and the ladder, writes it to dst. 0 or -1 with err. */
int load_json_add_search(const char *src, const char *dst, const struct load_search_result *r,
                         char *err, size_t errn);

#endif /* SANTA_LOAD_JSON_H */
