/*
 * load_search.h - the saturation search (santa-load --find-max --slo-p99 MS).
 *
 * Steps an open-loop rate ladder: from the start rate (--rate, default 100/s)
 * up by a factor of 2 until a step fails, then bisects between the last step
 * that held and the first that failed. A step fails when the achieved rate
 * (successful answers by completion) is below 98 % of the offered one, or the
 * p99 of the successful answers is over the SLO. Each step is a full
 * measurement written to OUT/steps/NN; OUT itself gets the results of the
 * highest step that held, and summary.json adds "max_sustainable_rps",
 * "slo_p99_ms" and "ladder" (every step, in the order run).
 */
#ifndef SANTA_LOAD_SEARCH_H
#define SANTA_LOAD_SEARCH_H

struct load_config;
struct load_env;

#define LOAD_SEARCH_MAX_STEPS 14     /* a bound on the search's time, whatever happens */
#define LOAD_SEARCH_ACHIEVED 0.98    /* a step holds when achieved >= this x offered */
#define LOAD_SEARCH_PRECISION 1.10   /* bisect until the bracket is this narrow */

/* Runs the search (cfg->out_dir set); returns an exit code as load_run does:
   0 found (or no step held: max_sustainable_rps 0, said on stderr), 1 an error,
   130 interrupted (the steps run so far are written). */
int load_search(const struct load_config *cfg, struct load_env *env);

/* Copies a measurement's samples.csv, timeseries.csv and the metrics scrapes from
   from_dir into out (summary.json is written by the caller). 0 or -1. */
int load_search_adopt(const char *from_dir, const char *out);

/* --repeat K: the same measurement K times (load_repeat.c), each in
   OUT/repeat-NN; OUT gets the run with the median achieved rate, and its
   summary.json adds "repeats": every run's figures and, for achieved_rps,
   p50_ms and p99_ms, the mean with a 95 % confidence interval (Student's t
   over the K runs). Returns an exit code as load_run does. */
int load_repeat(const struct load_config *cfg, struct load_env *env);

#endif /* SANTA_LOAD_SEARCH_H */
