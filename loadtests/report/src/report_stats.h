/*
 * report_stats.h - is a difference real? Batch means and Welch's t-test.
 *
 * A run's per-second figures are not independent (a slow second is followed
 * by another), so their spread understates the uncertainty. Batch means
 * group consecutive seconds into a few batches whose means are close to
 * independent; the confidence interval of the run's figure comes from the
 * spread of those batch means (Student's t, 95 %). Two runs differ
 * significantly when Welch's t-test on their batch means says so at 5 %.
 */
#ifndef REPORT_STATS_H
#define REPORT_STATS_H

#include <stdbool.h>
#include <stddef.h>

enum { REPORT_BATCHES = 10, REPORT_MIN_BATCHES = 4 };

struct report_ci {
    double mean;     /* of the batch means */
    double half;     /* half-width of the 95 % confidence interval */
    double var;      /* variance of the batch means */
    size_t batches;  /* 0: too few values for an interval */
};

/* Batch means of v[0..n) in up to REPORT_BATCHES batches of equal length
   (the remainder is dropped); batches < REPORT_MIN_BATCHES gives none. */
struct report_ci report_batch_ci(const double *v, size_t n);

/* Welch's t-test of two intervals' batch means at 5 %; false when either
   has no interval. *t gets the statistic. */
bool report_significant(const struct report_ci *a, const struct report_ci *b, double *t);

/* The two-sided 95 % quantile of Student's t with df degrees of freedom. */
double report_t95(double df);

#endif /* REPORT_STATS_H */
