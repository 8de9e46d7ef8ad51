/*
 * report_stats.c - batch means and Welch's t-test (see report_stats.h).
 */
#include <math.h>

#include "report_stats.h"

double report_t95(double df)
{
    /* Two-sided 95 % points of Student's t for df = 1..30; beyond, the normal's. */
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
                               2.228,  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
                               2.093,  2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
                               2.048,  2.045, 2.042};
    if (df < 1)
        return t[0];
    if (df > 30)
        return 1.96;
    return t[(int)floor(df) - 1];
}

struct report_ci report_batch_ci(const double *v, size_t n)
{
    struct report_ci ci = {0};
    size_t b = n < REPORT_BATCHES ? n : REPORT_BATCHES;
    if (b < REPORT_MIN_BATCHES)
        return ci;
    size_t len = n / b;
    double means[REPORT_BATCHES], sum = 0;
    for (size_t i = 0; i < b; i++) {
        double s = 0;
        for (size_t j = 0; j < len; j++)
            s += v[i * len + j];
        means[i] = s / (double)len;
        sum += means[i];
    }
    ci.mean = sum / (double)b;
    double ss = 0;
    for (size_t i = 0; i < b; i++)
        ss += (means[i] - ci.mean) * (means[i] - ci.mean);
    ci.var = ss / (double)(b - 1);
    ci.half = report_t95((double)(b - 1)) * sqrt(ci.var / (double)b);
    ci.batches = b;
    return ci;
}

bool report_significant(const struct report_ci *a, const struct report_ci *b, double *t)
{
    *t = 0;
    if (a->batches == 0 || b->batches == 0)
        return false;
    double va = a->var / (double)a->batches, vb = b->var / (double)b->batches;
    double se = sqrt(va + vb);
    if (se == 0) {
        *t = a->mean == b->mean ? 0 : INFINITY;
        return a->mean != b->mean;
    }
    *t = (a->mean - b->mean) / se;
    /* Welch-Satterthwaite degrees of freedom. */
    double df = (va + vb) * (va + vb) /
                (va * va / (double)(a->batches - 1) + vb * vb / (double)(b->batches - 1));
    return fabs(*t) > report_t95(df);
}
