/*
 * cache_codec.h - what stage 04 keeps in Redis, as compact JSON (through
 * libsanta's json.h, so jansson stays behind json.c).
 *
 * Every cached value is one flat JSON object with a version member "v";
 * decoding is strict (unknown or missing members fail), so a value written
 * by another version of the code is a miss, never a wrong answer. Token and
 * invite hashes appear only as SHA-256 hex, never a raw secret.
 *
 * Encoders return a santa_malloc'ed string (the caller santa_free()s it) or
 * NULL when out of memory. Decoders copy text into the arena `a` and return
 * false on anything malformed.
 */
#ifndef SANTA_CACHE_CODEC_H
#define SANTA_CACHE_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "santa/arena.h"
#include "santa/model.h"

char *cache_codec_exchange_encode(const struct santa_exchange *ex, size_t *len);
bool cache_codec_exchange_decode(const char *s, size_t len, struct santa_arena *a,
                                 struct santa_exchange *out);

char *cache_codec_principal_encode(const struct santa_principal *p, size_t *len);
bool cache_codec_principal_decode(const char *s, size_t len, struct santa_arena *a,
                                  struct santa_principal *out);

/* Without recipient_wishlist (decoded as NULL): that is a separate entry. */
char *cache_codec_assignment_encode(const struct santa_assignment *as, size_t *len);
bool cache_codec_assignment_decode(const char *s, size_t len, struct santa_arena *a,
                                   struct santa_assignment *out);

/* A participant's wishlist; NULL (no wishlist) round-trips as NULL. */
char *cache_codec_wishlist_encode(const char *wishlist, size_t *len);
bool cache_codec_wishlist_decode(const char *s, size_t len, struct santa_arena *a,
                                 const char **out);

#endif /* SANTA_CACHE_CODEC_H */
