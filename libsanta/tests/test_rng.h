/*
 * test_rng.h - a seeded generator for reproducible randomized tests.
 *
 * The draw takes its randomness through struct santa_rng, so tests can swap
 * the CSPRNG for SplitMix64: a failing property then replays exactly from
 * the seed the test printed. Bounded draws use rejection on the low zone so
 * they are exactly uniform, which the fairness tests rely on.
 */
#ifndef SANTA_TEST_RNG_H
#define SANTA_TEST_RNG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "santa/draw.h"

struct test_rng_state {
    uint64_t s;
};

static inline uint64_t test_rng_next(struct test_rng_state *st)
{
    uint64_t z = (st->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint32_t test_rng_uniform(void *ctx, uint32_t bound)
{
    uint32_t limit = (uint32_t)(-bound) % bound; /* 2^32 mod bound */
    for (;;) {
        uint32_t x = (uint32_t)(test_rng_next(ctx) >> 32);
        if (x >= limit)
            return x % bound;
    }
}

/* Seed from SANTA_TEST_SEED when set, else `fallback`; prints it. */
static inline struct santa_rng test_rng_make(struct test_rng_state *st, uint64_t fallback)
{
    const char *env = getenv("SANTA_TEST_SEED");
    st->s = env ? strtoull(env, NULL, 0) : fallback;
    fprintf(stderr, "# seed %llu (set SANTA_TEST_SEED to replay)\n", (unsigned long long)st->s);
    return (struct santa_rng){.uniform = test_rng_uniform, .ctx = st};
}

#endif /* SANTA_TEST_RNG_H */
