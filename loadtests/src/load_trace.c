/*
 * load_trace.c - xoshiro256** and traceparent formatting (see load_trace.h).
 */
#include "load_trace.h"

#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void load_rng_seed(struct load_rng *r)
{
    if (getrandom(r->s, sizeof(r->s), 0) != (ssize_t)sizeof(r->s)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)r;
        for (int i = 0; i < 4; i++) {
            /* splitmix64 spreads one seed over the four words */
            z += 0x9e3779b97f4a7c15ULL;
            uint64_t x = z;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
            r->s[i] = x ^ (x >> 31);
        }
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) {
        r->s[0] = 1; /* the all-zero state is a fixed point */
    }
}

uint64_t load_rng_next(struct load_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t load_rng_below(struct load_rng *r, uint32_t n)
{
    return (uint32_t)(((load_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double load_rng_unit(struct load_rng *r)
{
    return (double)(load_rng_next(r) >> 11) * 0x1.0p-53;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
}

void load_traceparent(struct load_rng *r, double sample, char out[LOAD_TRACEPARENT_LEN],
                      uint8_t trace_id[16])
{
    bool sampled = sample >= 1.0 || (sample > 0 && load_rng_unit(r) < sample);
    uint64_t w[3] = {load_rng_next(r), load_rng_next(r), load_rng_next(r)};
    if (!(w[0] | w[1])) {
        w[0] = 1; /* an all-zero trace id is invalid */
    }
    if (!w[2]) {
        w[2] = 1;
    }
    memcpy(trace_id, w, 16);
    memcpy(out, "00-", 3);
    hex(trace_id, 16, out + 3);
    out[35] = '-';
    hex((const uint8_t *)&w[2], 8, out + 36);
    memcpy(out + 52, sampled ? "-01" : "-00", 3);
}

void load_trace_hex(const uint8_t trace_id[16], char out[33])
{
    hex(trace_id, 16, out);
    out[32] = '\0';
}
