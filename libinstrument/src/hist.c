/*
 * hist.c - the log-linear histogram of instrument/hist.h.
 *
 * Index arithmetic: a value v < 2^SUB_BITS is its own bucket. Otherwise let
 * e = floor(log2 v); the top SUB_BITS+1 bits of v (v >> (e - SUB_BITS)) lie
 * in [SUB_COUNT, 2 * SUB_COUNT), and the bucket is
 *     (e - SUB_BITS + 1) * SUB_COUNT + (v >> (e - SUB_BITS)) - SUB_COUNT.
 * That makes bucket k of octave e cover [2^e + k*2^(e-SUB_BITS), ... + 2^(e-SUB_BITS)).
 *
 * The writer owns the histogram, so record() needs no read-modify-write
 * instruction: a relaxed load and a relaxed store of each counter is enough
 * and compiles to plain moves, yet keeps concurrent readers race-free.
 */
#include "instrument/hist.h"

#include <string.h>

#define RLX memory_order_relaxed

static unsigned bucket_of(uint64_t v)
{
    if (v >= (UINT64_C(1) << INST_HIST_TOP_BIT))
        return INST_HIST_BUCKETS - 1;
    if (v < INST_HIST_SUB_COUNT)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = e - INST_HIST_SUB_BITS;
    return (shift + 1) * INST_HIST_SUB_COUNT + (unsigned)(v >> shift) - INST_HIST_SUB_COUNT;
}

/* Lowest value of bucket i, and its width. */
static uint64_t bucket_low(unsigned i, uint64_t *width)
{
    if (i < INST_HIST_SUB_COUNT) {
        *width = 1;
        return i;
    }
    unsigned shift = i / INST_HIST_SUB_COUNT - 1;
    uint64_t top = INST_HIST_SUB_COUNT + i % INST_HIST_SUB_COUNT;
    *width = UINT64_C(1) << shift;
    return top << shift;
}

static uint64_t ld(const _Atomic uint64_t *p)
{
    return atomic_load_explicit(p, RLX);
}

static void st(_Atomic uint64_t *p, uint64_t v)
{
    atomic_store_explicit(p, v, RLX);
}

void inst_hist_init(struct inst_hist *h)
{
    st(&h->count, 0);
    st(&h->sum, 0);
    st(&h->min, UINT64_MAX);
    st(&h->max, 0);
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++)
        st(&h->buckets[i], 0);
}

void inst_hist_record(struct inst_hist *h, uint64_t ns)
{
    _Atomic uint64_t *b = &h->buckets[bucket_of(ns)];
    st(b, ld(b) + 1);
    st(&h->count, ld(&h->count) + 1);
    st(&h->sum, ld(&h->sum) + ns);
    if (ns < ld(&h->min))
        st(&h->min, ns);
    if (ns > ld(&h->max))
        st(&h->max, ns);
}

void inst_hist_merge(struct inst_hist *dst, const struct inst_hist *src)
{
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++) {
        uint64_t n = ld(&src->buckets[i]);
        if (n)
            st(&dst->buckets[i], ld(&dst->buckets[i]) + n);
    }
    st(&dst->count, ld(&dst->count) + ld(&src->count));
    st(&dst->sum, ld(&dst->sum) + ld(&src->sum));
    if (ld(&src->min) < ld(&dst->min))
        st(&dst->min, ld(&src->min));
    if (ld(&src->max) > ld(&dst->max))
        st(&dst->max, ld(&src->max));
}

uint64_t inst_hist_count(const struct inst_hist *h)
{
    return ld(&h->count);
}

uint64_t inst_hist_sum(const struct inst_hist *h)
{
    return ld(&h->sum);
}

uint64_t inst_hist_min(const struct inst_hist *h)
{
    return ld(&h->count) ? ld(&h->min) : 0;
}

uint64_t inst_hist_max(const struct inst_hist *h)
{
    return ld(&h->max);
}

double inst_hist_mean(const struct inst_hist *h)
{
    uint64_t n = ld(&h->count);
    return n ? (double)ld(&h->sum) / (double)n : 0.0;
}

uint64_t inst_hist_percentile(const struct inst_hist *h, double p)
{
    uint64_t n = ld(&h->count);
    if (n == 0)
        return 0;
    uint64_t lo = ld(&h->min), hi = ld(&h->max);
    if (!(p > 0.0))
        return lo;
    if (p >= 100.0)
        return hi;
    /* nearest rank, computed in double then rounded up: rank in [1, n] */
    double r = p / 100.0 * (double)n;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++) {
        seen += ld(&h->buckets[i]);
        if (seen >= rank) {
            uint64_t width, v = bucket_low(i, &width);
            v += width / 2;
            if (v < lo)
                v = lo;
            if (v > hi)
                v = hi;
            return v;
        }
    }
    return hi; /* a concurrent writer moved count ahead of the buckets */
}

uint64_t inst_hist_count_le(const struct inst_hist *h, uint64_t ns)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++) {
        uint64_t width, low = bucket_low(i, &width);
        if (low + width - 1 > ns)
            break;
        total += ld(&h->buckets[i]);
    }
    return total;
}
