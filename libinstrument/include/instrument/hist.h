/*
 * instrument/hist.h - a log-linear latency histogram (HdrHistogram-style).
 *
 * Values are nanoseconds. Below 128 ns every value has its own bucket; above,
 * each power of two is split into 128 equal buckets, so a bucket is never
 * wider than 1/128 (0.78 %) of its lower bound and a percentile, reported as
 * the middle of its bucket, is within 0.4 % of the exact value. Buckets reach
 * 2^36 ns (68.7 s); larger values land in the top bucket, while min, max,
 * count and sum stay exact for every value.
 *
 * Memory is fixed (INST_HIST_BUCKETS counters, about 30 KB): callers keep one
 * per thread in static or heap memory, never on a small stack.
 *
 * Thread safety: one writer per histogram. inst_hist_record() takes no lock
 * and allocates nothing; its stores are relaxed atomics, so another thread may
 * read or merge the histogram while it is written (it sees a slightly stale
 * but never torn count). That is how the metrics registry merges per-thread
 * shards on read.
 */
#ifndef INST_HIST_H
#define INST_HIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* 2^7 linear buckets per power of two; octaves 7..35 above the exact range. */
#define INST_HIST_SUB_BITS 7
#define INST_HIST_SUB_COUNT (1u << INST_HIST_SUB_BITS)
#define INST_HIST_TOP_BIT 36
#define INST_HIST_BUCKETS (INST_HIST_SUB_COUNT * (INST_HIST_TOP_BIT - INST_HIST_SUB_BITS + 1))

/* Plain struct so callers can embed it; treat the members as private. */
struct inst_hist {
    _Atomic uint64_t count;
    _Atomic uint64_t sum;
    _Atomic uint64_t min; /* UINT64_MAX while empty */
    _Atomic uint64_t max;
    _Atomic uint64_t buckets[INST_HIST_BUCKETS];
};

/* Empties h (any previous contents are discarded). */
void inst_hist_init(struct inst_hist *h);

/* Records one value. Single writer per histogram; no lock, no allocation. */
void inst_hist_record(struct inst_hist *h, uint64_t ns);

/* Adds every value recorded in src to dst (dst must have no concurrent writer). */
void inst_hist_merge(struct inst_hist *dst, const struct inst_hist *src);

/* Exact number of values, their exact sum (ns, wraps after 584 years of total time), min and
   max (both 0 when empty), mean (0.0 when empty). */
uint64_t inst_hist_count(const struct inst_hist *h);
uint64_t inst_hist_sum(const struct inst_hist *h);
uint64_t inst_hist_min(const struct inst_hist *h);
uint64_t inst_hist_max(const struct inst_hist *h);
double inst_hist_mean(const struct inst_hist *h);

/* The p-th percentile (p in [0,100], clamped), nearest rank: the value with rank
   ceil(p/100 * count) among the sorted values, reported as the middle of its bucket and kept
   within [min, max]. p = 0 gives min, p = 100 gives max; 0 when empty. */
uint64_t inst_hist_percentile(const struct inst_hist *h, double p);

/* Number of values <= ns, counting a bucket when its upper edge is <= ns, so the answer is
   exact when ns sits on a bucket edge and otherwise within one bucket (0.78 %) of it. Used to
   export Prometheus `le` buckets. */
uint64_t inst_hist_count_le(const struct inst_hist *h, uint64_t ns);

#endif
