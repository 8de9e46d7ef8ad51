/*
 * cache_redis.h - the Redis side of stage 04's cache: connections, the three
 * commands the cache needs, and its counters. Only cache_redis.c and
 * cache_redis_reply.c (the replies read) include hiredis.h.
 *
 * Fail open: every call here may fail (Redis down, slow, restarted), and a
 * failure is never an error for the request. It is counted, the connection
 * is dropped, and for `retry_ms` nobody tries Redis again: the cache simply
 * answers "not available" at once, so requests go straight to the wrapped
 * store without paying a connect or command timeout each. After the pause
 * one thread probes; when that works, every thread reconnects.
 *
 * Staleness guard: writers invalidate through cache_redis_invalidate(),
 * which bumps a generation key and deletes data keys (or one field of them)
 * in one atomic script.
 * A reader that missed gets a ticket (the generation and the epoch it saw
 * before reading the database) and cache_redis_fill() only stores its value
 * when both are unchanged, so a read that raced with a write cannot put old
 * data back after the write's delete. When an invalidation cannot reach
 * Redis, the cache is not trusted again until a FLUSHDB succeeded (which
 * also changes the epoch, refusing fills that were in flight).
 *
 * Thread safety: all calls may be made from many threads at once; each
 * thread has its own connection (opened lazily, freed by
 * cache_redis_thread_stop(), or by cache_redis_close() for a thread that
 * exited without it).
 */
#ifndef SANTA_CACHE_REDIS_H
#define SANTA_CACHE_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/status.h"

struct cache_redis;

struct cache_redis_options {
    const char *host; /* IPv4 address or DNS name (resolved at every connect), e.g. "127.0.0.1" */
    uint16_t port;
    const char *password;        /* sent with AUTH after each connect; NULL or "": none */
    uint32_t connect_timeout_ms; /* per connect attempt */
    uint32_t command_timeout_ms; /* per round trip (socket send/receive timeout) */
    uint32_t retry_ms;           /* pause after a failure before Redis is tried again */
};

/* What a lookup found. CACHE_ERROR covers "Redis failed" and "Redis is not
 * being tried right now" (the pause after a failure, or a pending flush). */
enum cache_result { CACHE_HIT, CACHE_MISS, CACHE_ERROR };

/* What a miss saw, so the fill can refuse to store data that a concurrent
 * write made old. Only a ticket from a CACHE_MISS may be filled. */
struct cache_ticket {
    bool valid;
    char gen[24];   /* the generation key's value, "" when absent */
    char epoch[40]; /* the epoch key's value; a fill without one is refused */
};

/* Counters since open, for /metrics and the tests. */
/* The help of santa_cache_requests_total, whose result label this file
 * (hit, miss, error) and cache_local.c (local_hit) share. */
#define CACHE_REQUESTS_HELP                                                                        \
    "Cache lookups by result (local_hit: answered in-process, no Redis round trip; error: "      \
    "Redis failed or is being bypassed)."

struct cache_stats {
    uint64_t hits, misses, errors;
    uint64_t fills, fills_refused, invalidations, flushes, connects;
    uint64_t roundtrips, roundtrip_ns; /* Redis round trips and their summed latency */
    /* Misses by the entry missed (filled in by cache_store_stats): the
     * view (new exchanges, and joins, draws and removals drop it), a
     * principal (a token's first use since a fill or expiry), an assignment
     * (first reveal, or a refill after a wishlist change or a draw). */
    uint64_t misses_view, misses_principal, misses_assignment;
};

/* Checks the options; connects lazily, so Redis need not be up. Never
 * fails for Redis being down; SANTA_UNAVAILABLE only when out of memory or
 * the options are bad (err says which). */
enum santa_status cache_redis_open(const struct cache_redis_options *o, struct cache_redis **out,
                                   char *err, size_t errlen);
/* Frees every thread's connection and the object. Call after every other
 * thread has stopped using it. */
void cache_redis_close(struct cache_redis *r);
/* Frees the calling thread's connection (worker thread exit). */
void cache_redis_thread_stop(struct cache_redis *r);

/* Looks up key (a string), or field of the hash at key when field is not
 * NULL. On CACHE_HIT *val is a NUL-terminated copy in `a` and *len its
 * length; on CACHE_MISS *t is a ticket for cache_redis_fill(); gen_key is
 * the generation that guards this value. */
enum cache_result cache_redis_get(struct cache_redis *r, const char *key, const char *field,
                                  const char *gen_key, struct santa_arena *a, char **val,
                                  size_t *len, struct cache_ticket *t);

/* Looks up two fields of the hash at key in one round trip: `field`, and
 * then the field named ref_prefix + the string member `ref_member` of the
 * first value's JSON (e.g. an assignment's recipient id -> "w:RECIPIENT").
 * CACHE_HIT only when both are present (val and len the first, val2 and len2
 * the second, copies in `a`); anything else is a CACHE_MISS with a ticket
 * that guards fills of both fields. Counted as one lookup. */
enum cache_result cache_redis_get_ref(struct cache_redis *r, const char *key, const char *field,
                                      const char *ref_member, const char *ref_prefix,
                                      const char *gen_key, struct santa_arena *a, char **val,
                                      size_t *len, char **val2, size_t *len2,
                                      struct cache_ticket *t);

/* What cache_redis_get_principal() read ahead for the reveal: the lookup
 * cache_redis_get_ref() would make for the principal's own assignment. */
struct cache_reveal {
    bool valid;           /* the principal's value named a participant */
    char exchange_id[32]; /* the ids its (not yet verified) value named */
    char participant_id[32];
    enum cache_result res; /* as cache_redis_get_ref() returns it; not counted yet */
    char *val, *val2;      /* on CACHE_HIT: copies in the arena */
    size_t len, len2;
    struct cache_ticket t; /* on CACHE_MISS: guards the assignment's fills */
};

/* cache_redis_get(key, NULL, gen_key, ...) for a principal, plus, in the
 * same round trip (the reveal's one), when its value is JSON naming a
 * participant ("r":"participant","x":EXCHANGE,"p":PARTICIPANT): the field
 * field_prefix + PARTICIPANT of the hash xkey_prefix + EXCHANGE, the field
 * ref_prefix + the ref_member it names, and the generation xgen_prefix +
 * EXCHANGE, into *rv. Nothing in *rv is verified or counted: the caller
 * checks the ids against the principal it unsealed and counts the result
 * with cache_redis_count() when it uses it. */
enum cache_result cache_redis_get_principal(struct cache_redis *r, const char *key,
                                            const char *gen_key, const char *const prefixes[5],
                                            struct santa_arena *a, char **val, size_t *len,
                                            struct cache_ticket *t, struct cache_reveal *rv);

/* Counts one lookup's result (a read-ahead the caller used). */
void cache_redis_count(struct cache_redis *r, enum cache_result res);

/* Stores val (len bytes) under key/field with a TTL of ttl_ms, unless gen_key
 * or the epoch changed since the ticket was taken. For a hash the TTL is set
 * on its first field only: all fields of one hash expire together. */
void cache_redis_fill(struct cache_redis *r, const struct cache_ticket *t, const char *gen_key,
                      const char *key, const char *field, const char *val, size_t len,
                      uint32_t ttl_ms);

/* After a write committed: increments gen_key and deletes keys[0..n), in
 * one atomic step; when field is not NULL, deletes only that field of each
 * key (HDEL) instead of the whole key. When Redis cannot be reached, marks the whole cache as
 * untrusted until it has been flushed; returns false then. */
bool cache_redis_invalidate(struct cache_redis *r, const char *gen_key, const char *const *keys,
                            size_t n, const char *field);

/* cache_redis_invalidate(), and when t is not NULL, a ticket taken in the
 * same atomic step, after the bump: a writer that reads its write back from
 * the database after this call may fill that value under it (write-through;
 * a later write's bump refuses the fill). t->valid is false when the
 * invalidation failed or a flush is pending. */
bool cache_redis_invalidate_ticket(struct cache_redis *r, const char *gen_key,
                                   const char *const *keys, size_t n, const char *field,
                                   struct cache_ticket *t);

/* A ticket for gen_key without a lookup (one round trip, not counted as
 * a hit or miss): for a writer that fills a value it knows before writing
 * it, such as the principal of a token it is about to insert. Valid only
 * when Redis answered and no flush is pending. */
void cache_redis_ticket(struct cache_redis *r, const char *gen_key, struct cache_ticket *t);

/* PING over the calling thread's connection: true when Redis answers. */
bool cache_redis_ping(struct cache_redis *r);

void cache_redis_stats(struct cache_redis *r, struct cache_stats *out);

#endif /* SANTA_CACHE_REDIS_H */
