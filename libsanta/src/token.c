/*
 * token.c - ids, tokens, hashes (see token.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "santa/token.h"

enum santa_status santa_token_init(void)
{
    return sodium_init() < 0 ? SANTA_UNAVAILABLE : SANTA_OK;
}

enum santa_status santa_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return SANTA_UNAVAILABLE; /* never fall back to anything weaker */
        }
        p += got;
        n -= (size_t)got;
    }
    return SANTA_OK;
}

static enum santa_status random_b64(char *out, size_t out_size, size_t raw)
{
    unsigned char buf[32];
    if (raw > sizeof buf)
        return SANTA_UNAVAILABLE;
    enum santa_status st = santa_random_bytes(buf, raw);
    if (st != SANTA_OK)
        return st;
    sodium_bin2base64(out, out_size, buf, raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(buf, sizeof buf);
    return SANTA_OK;
}

enum santa_status santa_id_new(char out[SANTA_ID_LEN + 1])
{
    return random_b64(out, SANTA_ID_LEN + 1, 16);
}

enum santa_status santa_token_new(char out[SANTA_TOKEN_LEN + 1])
{
    return random_b64(out, SANTA_TOKEN_LEN + 1, 32);
}

void santa_secret_hash(const char *secret, size_t len, struct santa_hash *out)
{
    crypto_hash_sha256(out->b, (const unsigned char *)secret, len);
}

bool santa_hash_equal(const struct santa_hash *a, const struct santa_hash *b)
{
    return sodium_memcmp(a->b, b->b, SANTA_HASH_LEN) == 0;
}

enum santa_status santa_mac_key_new(struct santa_mac_key *k)
{
    return santa_random_bytes(k->b, sizeof k->b);
}

void santa_mac(const struct santa_mac_key *k, const void *const *parts, const size_t *lens,
               size_t n, struct santa_hash *out)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, k->b, sizeof k->b);
    for (size_t i = 0; i < n; i++) {
        uint8_t len[8];
        for (int j = 0; j < 8; j++)
            len[j] = (uint8_t)((uint64_t)lens[i] >> (56 - 8 * j));
        crypto_auth_hmacsha256_update(&st, len, sizeof len);
        crypto_auth_hmacsha256_update(&st, parts[i], lens[i]);
    }
    crypto_auth_hmacsha256_final(&st, out->b);
    sodium_memzero(&st, sizeof st);
}

void santa_hash_to_hex(const struct santa_hash *h, char out[2 * SANTA_HASH_LEN + 1])
{
    sodium_bin2hex(out, 2 * SANTA_HASH_LEN + 1, h->b, SANTA_HASH_LEN);
}

bool santa_hash_from_hex(const char *hex, struct santa_hash *out)
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * SANTA_HASH_LEN)
        return false;
    if (sodium_hex2bin(out->b, SANTA_HASH_LEN, hex, 2 * SANTA_HASH_LEN, NULL, &bin_len, &end) != 0)
        return false;
    return bin_len == SANTA_HASH_LEN && *end == '\0';
}

static bool b64url_only(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

bool santa_id_valid(const char *s, size_t len)
{
    return len == SANTA_ID_LEN && b64url_only(s, len);
}

bool santa_token_shape_valid(const char *s, size_t len)
{
    return len == SANTA_TOKEN_LEN && b64url_only(s, len);
}

/* Unbiased uniform value below bound. libsodium's randombytes_uniform()
 * draws from getrandom(2) and rejects the modulo tail, so small values are
 * not favoured; it is not re-implemented here. */
static uint32_t csprng_uniform(void *ctx, uint32_t bound)
{
    (void)ctx;
    if (bound <= 1)
        return 0;
    return randombytes_uniform(bound);
}

struct santa_rng santa_rng_csprng(void)
{
    return (struct santa_rng){csprng_uniform, NULL};
}

void santa_cursor_encode(uint64_t seq, char out[SANTA_CURSOR_LEN + 1])
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, seq >>= 8)
        b[i] = (unsigned char)(seq & 0xFF);
    sodium_bin2base64(out, SANTA_CURSOR_LEN + 1, b, sizeof b,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool santa_cursor_decode(const char *s, size_t len, uint64_t *seq)
{
    unsigned char b[8];
    size_t bin_len = 0;
    const char *end = NULL;
    if (len != SANTA_CURSOR_LEN)
        return false;
    if (sodium_base642bin(b, sizeof b, s, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        bin_len != sizeof b || end != s + len)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof b; i++)
        v = (v << 8) | b[i];
    *seq = v;
    return v != 0;
}
