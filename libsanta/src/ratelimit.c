/*
 * ratelimit.c - per-address token buckets in a fixed table (see ratelimit.h).
 *
 * Tokens are counted in thousandths so refills need no floating point; a
 * bucket refills completely in one minute, so elapsed time is capped there
 * and the products stay far inside 64 bits.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>

#include "ratelimit.h"
#include "santa/alloc.h"

#define SHARDS 16
#define SLOTS 256 /* per shard */
#define PROBE 8
#define MILLI 1000u
#define MINUTE_NS 60000000000ull

struct bucket {
    uint8_t key[16];
    uint64_t last_ns; /* last refill; 0: unused slot */
    uint64_t milli;   /* tokens x 1000 */
};

struct shard {
    pthread_mutex_t lock;
    struct bucket slots[SLOTS];
};

struct santa_ratelimit {
    uint32_t per_minute;
    bool limit_loopback;
    struct shard shards[SHARDS];
};

struct santa_ratelimit *santa_ratelimit_new(uint32_t per_minute, bool limit_loopback)
{
    if (per_minute == 0)
        return NULL;
    struct santa_ratelimit *rl = santa_calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    rl->per_minute = per_minute;
    rl->limit_loopback = limit_loopback;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&rl->shards[i].lock, NULL);
    return rl;
}

void santa_ratelimit_free(struct santa_ratelimit *rl)
{
    if (rl == NULL)
        return;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&rl->shards[i].lock);
    santa_free(rl);
}

/* The address as 16 bytes (IPv4 mapped into IPv6); returns true for loopback. */
static bool address_key(const char *addr, uint8_t key[16])
{
    struct in_addr v4;
    memset(key, 0, 16);
    if (addr && inet_pton(AF_INET, addr, &v4) == 1) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &v4, 4);
    } else if (addr == NULL || inet_pton(AF_INET6, addr, key) != 1) {
        memset(key, 0, 16); /* unparseable: one shared bucket */
        return false;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return (memcmp(key, mapped, 12) == 0 && key[12] == 127) || memcmp(key, one, 16) == 0;
}

/* FNV-1a: the table is not keyed by anything a client controls beyond its
 * own address, and collisions only share a probe window. */
static uint32_t hash(const uint8_t key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

/* The key's bucket, or a recycled one (empty first, else least recently used). */
static struct bucket *find(struct shard *sh, uint32_t h, const uint8_t key[16], uint64_t full)
{
    struct bucket *victim = NULL;
    for (int i = 0; i < PROBE; i++) {
        struct bucket *b = &sh->slots[(h + (uint32_t)i) % SLOTS];
        if (b->last_ns != 0 && memcmp(b->key, key, 16) == 0)
            return b;
        if (victim == NULL || b->last_ns < victim->last_ns)
            victim = b;
    }
    memcpy(victim->key, key, 16);
    victim->last_ns = 0;
    victim->milli = full;
    return victim;
}

uint32_t santa_ratelimit_take(struct santa_ratelimit *rl, const char *addr, uint64_t now_ns)
{
    if (rl == NULL)
        return 0;
    uint8_t key[16];
    if (address_key(addr, key) && !rl->limit_loopback)
        return 0;
    if (now_ns == 0)
        now_ns = 1; /* 0 marks an unused slot */
    uint32_t h = hash(key);
    struct shard *sh = &rl->shards[h % SHARDS];
    uint64_t full = (uint64_t)rl->per_minute * MILLI;
    uint32_t wait_s = 0;
    pthread_mutex_lock(&sh->lock);
    struct bucket *b = find(sh, h / SHARDS, key, full);
    if (b->last_ns == 0) {
        b->last_ns = now_ns;
    } else if (now_ns > b->last_ns) {
        uint64_t dt = now_ns - b->last_ns;
        if (dt > MINUTE_NS)
            dt = MINUTE_NS;
        /* per_minute tokens a minute = per_minute x 1000 milli per 60e9 ns.
         * The clock moves only when something was credited, so calls closer
         * together than a thousandth of a token still add up. */
        uint64_t added = dt * rl->per_minute / 60000000u;
        if (added > 0) {
            b->milli = b->milli + added > full ? full : b->milli + added;
            b->last_ns = now_ns;
        }
    }
    if (b->milli >= MILLI) {
        b->milli -= MILLI;
    } else {
        uint64_t need_ns = (MILLI - b->milli) * 60000000ull / rl->per_minute;
        wait_s = (uint32_t)((need_ns + 999999999ull) / 1000000000ull);
        if (wait_s == 0)
            wait_s = 1;
    }
    pthread_mutex_unlock(&sh->lock);
    return wait_s;
}
