/*
 * report_prom.h - a reader for the Prometheus text exposition format.
 *
 * The results folder keeps raw GET /metrics scrapes (metrics/NAME.prom); the
 * report needs a handful of values from them (process CPU and memory, the
 * per-phase request histograms). This reader parses a whole scrape into
 * samples and answers "sum of the samples named N whose label K is V".
 * Comments (# HELP, # TYPE) are skipped; timestamps are accepted and
 * ignored. Malformed lines are errors naming file and line.
 */
#ifndef REPORT_PROM_H
#define REPORT_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "report_err.h"

struct report_prom;

/* Reads and parses path (at most 16 MiB). 0, or -1 with err set. */
int report_prom_load(struct report_prom **out, const char *path, struct report_error *err);
/* Parses text of length len; name is used in error messages only. */
int report_prom_parse(struct report_prom **out, const char *name, const char *text, size_t len,
                      struct report_error *err);
void report_prom_free(struct report_prom *p);

/* Number of samples (for tests and for "this scrape was empty"). */
size_t report_prom_count(const struct report_prom *p);

/* Sums the values of samples named name that carry label=value (label NULL:
 * every sample of that name). Returns how many samples matched; *sum is 0
 * when none did. p may be NULL (no scrape): 0 matches. */
size_t report_prom_sum(const struct report_prom *p, const char *name, const char *label,
                       const char *value, double *sum);

/* Like report_prom_sum, with npairs labels that must all match: pairs holds
 * label, value, label, value... */
size_t report_prom_sum_match(const struct report_prom *p, const char *name,
                             const char *const *pairs, size_t npairs, double *sum);

/* Sample i (i < report_prom_count): its name, the value of one of its labels
 * ("" when it has none by that name). Strings live as long as p. */
const char *report_prom_name(const struct report_prom *p, size_t i);
const char *report_prom_label(const struct report_prom *p, size_t i, const char *label);

#endif /* REPORT_PROM_H */
