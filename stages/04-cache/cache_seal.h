/*
 * cache_seal.h - every value stage 04 keeps in Redis carries a MAC, so the
 * cache never trusts what Redis holds.
 *
 * Redis is a second copy that other programs can reach (anyone who can
 * write to it could otherwise mint an organizer login: a principal for a
 * token hash of their choosing, or change who gives to whom). So each value
 * is sealed with HMAC-SHA256 under a key that lives only in this process's
 * memory (random at start, never sent to Redis), over the Redis key, the
 * hash field, an expiry time and the value. A value whose MAC does not
 * match, that was moved to another key or field, or whose expiry passed is
 * a miss, never an answer. What someone with write access to Redis can
 * still do: delete entries (misses), or put back a value this process
 * sealed for the same key and field before its expiry (at most the cache
 * TTL after it was filled) - the same staleness bound the TTL already sets.
 *
 * Format: {"m":"<64 hex MAC>","e":<expiry, Unix ms>,<the members of the
 * codec's JSON>}. It stays one JSON object, so the Redis-side script that
 * follows an assignment's recipient id can still read it.
 *
 * Thread safety: a cache_seal is immutable after cache_seal_init().
 */
#ifndef SANTA_CACHE_SEAL_H
#define SANTA_CACHE_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/status.h"
#include "santa/token.h"

struct cache_seal {
    struct santa_mac_key key;
};

/* The key: read from key_file when one is named (64 hex digits, an optional
 * newline after them; every process that shares one Redis - stage 05's
 * replicas - must share it, or each refuses the others' entries), else a
 * fresh random one that lives only in this process. SANTA_UNAVAILABLE with
 * a reason in err when the file cannot be read or holds anything else, or
 * the CSPRNG fails. */
enum santa_status cache_seal_init(struct cache_seal *s, const char *key_file, char *err,
                                  size_t errlen);

/* Seals json (len bytes, a JSON object with at least one member) for
 * key/field (field NULL for a plain string key), valid until expires_ms
 * (Unix ms). Returns a santa_malloc'ed string (santa_free it) and its
 * length, or NULL when out of memory or json is not an object. */
char *cache_seal(const struct cache_seal *s, const char *key, const char *field,
                 const char *json, size_t len, uint64_t expires_ms, size_t *out_len);

/* Checks a sealed value read from key/field at now_ms. On success *json
 * (a copy in `a`, NUL-terminated) and *json_len are the codec's JSON;
 * false on anything forged, moved, expired or malformed. */
bool cache_unseal(const struct cache_seal *s, const char *key, const char *field,
                  const char *val, size_t len, uint64_t now_ms, struct santa_arena *a,
                  const char **json, size_t *json_len);

/* The wall clock in Unix ms (expiry times are shared by every process that
 * holds the key, so they are wall-clock times, not monotonic ones). */
uint64_t cache_seal_now_ms(void);

#endif /* SANTA_CACHE_SEAL_H */
