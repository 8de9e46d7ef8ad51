/*
 * load_assert.h - --assert 'p99<50ms,errors<0.1%': thresholds checked after a
 * run, for CI. Each term is METRIC OP VALUE[UNIT]:
 *   METRIC  mean p50 p90 p99 p999 max (latency; units us, ms (default), s),
 *           errors (a count, or a share of requests with %), rps (achieved:
 *           successful answers per second, counted at completion), min_rps (the
 *           lowest second's achieved rate: a stall shows), offered_rps,
 *           requests, timeouts
 *   OP      < <= > >=
 * Parsed before the run (a typo fails at once), evaluated after it.
 */
#ifndef SANTA_LOAD_ASSERT_H
#define SANTA_LOAD_ASSERT_H

#include <stdbool.h>
#include <stddef.h>

#define LOAD_ASSERT_MAX 16

struct load_assert_term {
    int metric;
    int op;
    double value;     /* ms for latencies, a fraction for errors with %, else as given */
    bool percent;
    char text[48];    /* the term as written, for messages */
};

struct load_asserts {
    unsigned n;
    struct load_assert_term t[LOAD_ASSERT_MAX];
};

/* What a run measured, in the units the terms compare against. */
struct load_assert_input {
    double latency_ms[6]; /* mean p50 p90 p99 p999 max */
    double requests, errors, rps; /* rps: achieved (successful answers by completion) */
    double min_rps;               /* the lowest second's achieved rate */
    double offered_rps;           /* the schedule (open loop), or requests started */
    double timeouts;
};

/* Returns 0, or -1 with a message naming the bad term in err. */
int load_assert_parse(const char *expr, struct load_asserts *a, char *err, size_t errn);

/* Evaluates every term; prints each failure to stderr. Returns the number that failed. */
unsigned load_assert_check(const struct load_asserts *a, const struct load_assert_input *in);

#endif /* SANTA_LOAD_ASSERT_H */
