/*
 * cache_local.h - "local results": a small in-process cache in front of
 * stage 04's Redis cache, for the two reads of the reveal.
 *
 * A store that wraps another (stage 04: the cache store) and answers
 * principal_find (token hash -> principal) and assignment_get from a
 * fixed-size table in this process, without a Redis round trip, while the
 * entry is younger than max_age_ms and no write through this store has
 * touched its exchange since the entry's value was read. Every write
 * operation is forwarded, then raises its exchange's write sequence before
 * it returns, so its answer is sent only after every local entry it could
 * affect is invalid (README.md, "Local results", has the argument).
 *
 * What it cannot see: writes made by another process (stage 05's other
 * replicas). Those reach this process's entries only when they age out, so
 * a reader may see a value up to max_age_ms old after another replica's
 * write was answered; stage 05 therefore runs without this layer.
 *
 * Bounds: at most CACHE_LOCAL_ENTRIES entries (a set-associative table; a
 * full set evicts its oldest entry), each at most CACHE_LOCAL_VALUE_MAX
 * bytes of text (a larger assignment is not kept). Keys are token hashes
 * and ids, never raw tokens.
 *
 * Thread safety: as store.h; the table is locked set by set, the write
 * sequences are atomics.
 */
#ifndef SANTA_CACHE_LOCAL_H
#define SANTA_CACHE_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "santa/store.h"

#define CACHE_LOCAL_ENTRIES 4096u
#define CACHE_LOCAL_VALUE_MAX 4096u

struct cache_local_options {
    struct santa_store *inner; /* owned from the call on, even when it fails */
    uint32_t max_age_ms;       /* > 0: an entry older than this is never served */
    /* Called on a principal served locally, so the inner store drops what
     * its own principal_find read ahead for this thread in an earlier
     * request (cache_store_forget_readahead); NULL: the inner store reads
     * nothing ahead. */
    void (*forget_readahead)(struct santa_store *inner);
    /* The clock ages are read from, in ms (tests move it by hand); NULL:
     * the monotonic clock. */
    uint64_t (*now_ms)(void *clock_ctx);
    void *clock_ctx;
};

/* Wraps o->inner. On failure inner is closed too and err says why. */
enum santa_status cache_local_open(const struct cache_local_options *o, struct santa_store **out,
                                   char *err, size_t errlen);

struct cache_local_stats {
    uint64_t hits;    /* answered from the table */
    uint64_t misses;  /* asked the inner store */
    uint64_t stored;  /* values put in the table */
    uint64_t refused; /* values not stored: a write raced with their read */
};

/* The counters of a store that cache_local_open() made. */
void cache_local_stats(struct santa_store *s, struct cache_local_stats *out);

#endif /* SANTA_CACHE_LOCAL_H */
