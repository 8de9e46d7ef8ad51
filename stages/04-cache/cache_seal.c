/*
 * cache_seal.c - MACs on cached values (see cache_seal.h).
 */
#include "cache_seal.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "santa/alloc.h"

#define MAC_HEX (2 * SANTA_HASH_LEN)
#define HEAD "{\"m\":\""
#define MID "\",\"e\":"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum santa_status cache_seal_init(struct cache_seal *s, const char *key_file, char *err,
                                  size_t errlen)
{
    if (key_file == NULL || key_file[0] == '\0') {
        if (santa_mac_key_new(&s->key) == SANTA_OK)
            return SANTA_OK;
        snprintf(err, errlen, "no random bytes for the cache's MAC key");
        return SANTA_UNAVAILABLE;
    }
    char hex[2 * SANTA_MAC_KEY_LEN + 3] = "";
    FILE *f = fopen(key_file, "r");
    size_t n = f ? fread(hex, 1, sizeof hex - 1, f) : 0;
    if (f)
        fclose(f);
    else {
        snprintf(err, errlen, "cannot read the cache key file %s", key_file);
        return SANTA_UNAVAILABLE;
    }
    hex[n] = '\0';
    if (n > 2 * SANTA_MAC_KEY_LEN && strcmp(hex + 2 * SANTA_MAC_KEY_LEN, "\n") == 0)
        n = 2 * SANTA_MAC_KEY_LEN;
    bool ok = n == 2 * SANTA_MAC_KEY_LEN;
    for (size_t i = 0; ok && i < SANTA_MAC_KEY_LEN; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok) /* no shift of -1: a bad digit ends the loop here */
            s->key.b[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    explicit_bzero(hex, sizeof hex); /* the key stays in s alone */
    if (!ok) {
        snprintf(err, errlen, "the cache key file %s must hold 64 hex digits", key_file);
        return SANTA_UNAVAILABLE;
    }
    return SANTA_OK;
}

uint64_t cache_seal_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The MAC binds the value to where it lives and until when. */
static void mac_of(const struct cache_seal *s, const char *key, const char *field,
                   const char *expiry, size_t expiry_len, const char *json, size_t len,
                   struct santa_hash *out)
{
    const char *f = field ? field : "";
    /* A string key and a hash field of the same name must differ: the
     * first part says which it is. */
    const void *parts[] = {field ? "h" : "s", key, f, expiry, json};
    const size_t lens[] = {1, strlen(key), strlen(f), expiry_len, len};
    santa_mac(&s->key, parts, lens, 5, out);
}

char *cache_seal(const struct cache_seal *s, const char *key, const char *field,
                 const char *json, size_t len, uint64_t expires_ms, size_t *out_len)
{
    /* {"v":...} at least: an object with a member after the brace. */
    if (len < 3 || json[0] != '{' || json[1] != '"')
        return NULL;
    char expiry[24];
    int elen = snprintf(expiry, sizeof expiry, "%" PRIu64, expires_ms);
    struct santa_hash mac;
    mac_of(s, key, field, expiry, (size_t)elen, json, len, &mac);
    char hex[MAC_HEX + 1];
    santa_hash_to_hex(&mac, hex);
    size_t total = strlen(HEAD) + MAC_HEX + strlen(MID) + (size_t)elen + 1 + (len - 1);
    char *out = santa_malloc(total + 1);
    if (!out)
        return NULL;
    /* The codec's members follow ours: its opening brace becomes our comma. */
    int n = snprintf(out, total + 1, HEAD "%s" MID "%s,", hex, expiry);
    memcpy(out + n, json + 1, len - 1);
    out[total] = '\0';
    *out_len = total;
    return out;
}

bool cache_unseal(const struct cache_seal *s, const char *key, const char *field,
                  const char *val, size_t len, uint64_t now_ms, struct santa_arena *a,
                  const char **json, size_t *json_len)
{
    size_t head = strlen(HEAD), mid = strlen(MID);
    if (len < head + MAC_HEX + mid + 2 || memcmp(val, HEAD, head) != 0 ||
        memcmp(val + head + MAC_HEX, MID, mid) != 0)
        return false;
    char hex[MAC_HEX + 1];
    memcpy(hex, val + head, MAC_HEX);
    hex[MAC_HEX] = '\0';
    struct santa_hash want, got;
    if (!santa_hash_from_hex(hex, &want))
        return false;
    const char *e = val + head + MAC_HEX + mid, *end = val + len;
    size_t elen = 0;
    uint64_t expires = 0;
    while (e + elen < end && e[elen] >= '0' && e[elen] <= '9' && elen < 20) {
        expires = expires * 10 + (uint64_t)(e[elen] - '0');
        elen++;
    }
    if (elen == 0 || elen >= 20 || e + elen >= end || e[elen] != ',')
        return false;
    /* The codec's JSON: a brace and the members after our comma. */
    const char *rest = e + elen + 1;
    size_t body = (size_t)(end - rest) + 1;
    char *copy = santa_arena_alloc(a, body + 1);
    if (!copy)
        return false;
    copy[0] = '{';
    memcpy(copy + 1, rest, body - 1);
    copy[body] = '\0';
    mac_of(s, key, field, e, elen, copy, body, &got);
    if (!santa_hash_equal(&want, &got) || now_ms > expires)
        return false;
    *json = copy;
    *json_len = body;
    return true;
}
