/*
 * token.h - ids, tokens and their hashes, from the kernel's CSPRNG.
 *
 * Randomness comes from getrandom(2) and nothing else: if it fails, the call
 * fails (SANTA_UNAVAILABLE) and the request answers 503; there is no weaker
 * fallback. Hashing, constant-time comparison and base64url come from
 * libsodium, a well-kept library, rather than being written here.
 *
 * All functions are thread-safe.
 */
#ifndef SANTA_TOKEN_H
#define SANTA_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/draw.h"
#include "santa/model.h"
#include "santa/status.h"

/* Must run once before threads start (initialises libsodium). */
enum santa_status santa_token_init(void);

/* n bytes from the CSPRNG. */
enum santa_status santa_random_bytes(void *buf, size_t n);
/* A fresh 128-bit id: 22 base64url characters + NUL into out. */
enum santa_status santa_id_new(char out[SANTA_ID_LEN + 1]);
/* A fresh 256-bit token: 43 base64url characters + NUL into out. */
enum santa_status santa_token_new(char out[SANTA_TOKEN_LEN + 1]);

/* SHA-256 of the secret's bytes. */
void santa_secret_hash(const char *secret, size_t len, struct santa_hash *out);
/* Constant-time equality of two digests. */
bool santa_hash_equal(const struct santa_hash *a, const struct santa_hash *b);
/* Lowercase hex (64 chars + NUL) and back; from_hex is false on bad input. */
void santa_hash_to_hex(const struct santa_hash *h, char out[2 * SANTA_HASH_LEN + 1]);
bool santa_hash_from_hex(const char *hex, struct santa_hash *out);

/* A key for santa_mac(): 256 bits from the CSPRNG, never stored or sent. */
#define SANTA_MAC_KEY_LEN 32
struct santa_mac_key {
    uint8_t b[SANTA_MAC_KEY_LEN];
};
enum santa_status santa_mac_key_new(struct santa_mac_key *k);
/* HMAC-SHA256 under k of the n byte strings parts[i] (lens[i] bytes each).
 * Every part is preceded by its length (8 bytes, big-endian) inside the
 * MAC, so ("ab","c") and ("a","bc") never share a MAC. Compare two MACs
 * with santa_hash_equal (constant time). */
void santa_mac(const struct santa_mac_key *k, const void *const *parts, const size_t *lens,
               size_t n, struct santa_hash *out);

/* true when s is exactly SANTA_ID_LEN base64url characters. */
bool santa_id_valid(const char *s, size_t len);
/* true when s is exactly SANTA_TOKEN_LEN base64url characters. */
bool santa_token_shape_valid(const char *s, size_t len);

/* Pagination cursors: an opaque 11-character base64url form of a join
 * sequence number. decode is false for anything not made by encode. */
#define SANTA_CURSOR_LEN 11
void santa_cursor_encode(uint64_t seq, char out[SANTA_CURSOR_LEN + 1]);
bool santa_cursor_decode(const char *s, size_t len, uint64_t *seq);

/* A santa_rng drawing from the CSPRNG (unbiased, rejection of the modulo
 * tail). Stateless: ctx is unused. */
struct santa_rng santa_rng_csprng(void);

#endif /* SANTA_TOKEN_H */
