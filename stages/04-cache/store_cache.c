/*
 * store_cache.c - the cache-aside store of stage 04 (see store_cache.h).
 *
 * Keys (all derived from ids and SHA-256 hashes, never from raw tokens):
 *   santa:x:EXCHANGE_ID   hash: "view" -> the exchange, "a:GIVER_ID" -> an assignment
 *                         (without the wishlist), "w:PARTICIPANT_ID" -> a wishlist
 *   santa:g:EXCHANGE_ID   the exchange's generation (bumped by each write to it)
 *   santa:p:TOKEN_HASH    string: the principal a token hash stands for
 *   santa:pg              the generation guarding principals (bumped by removals)
 * Keeping everything of one exchange in one hash lets most writes
 * invalidate it with one DEL, and lets one generation guard every fill. A
 * wishlist change needs less: the recipient's wishlist is its own field, so
 * it deletes only "w:PARTICIPANT_ID" (HDEL) and bumps the generation, which
 * refuses any fill that read the database before the change. The reveal
 * reads "a:GIVER_ID" and the "w:" field it names in one round trip (a script
 * follows the assignment's recipient id inside Redis), and that round trip
 * is the principal's own: the script that looks up the token's principal
 * also reads that participant's assignment ahead (a per-thread slot keeps
 * it for the assignment_get of the same request, once; any write on the
 * thread drops it). A read-ahead is as fresh as a separate lookup: both run
 * after every write that completed before the request began.
 *
 * Every value is sealed with a MAC under a key Redis never sees
 * (cache_seal.h): a value that fails the check is dropped and read from the
 * inner store, so whoever can write to Redis cannot make this store answer
 * anything it did not put there itself.
 *
 * Reads: one Redis round trip on a hit; on a miss, the inner store, then a
 * fill guarded by the generation seen before the database read. Writes: the
 * inner store first, then invalidation, whatever the inner store answered
 * (an error may still have committed; invalidating too often costs a miss).
 * After a successful write, write-through: what it dropped (the view, a
 * wishlist) is read back and filled under the ticket the invalidation took,
 * and a new token's principal is filled under a ticket taken before the
 * insert, so the next reader hits (refresh_view, refresh_wishlist,
 * fill_principal).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cache_codec.h"
#include "cache_seal.h"
#include "instrument/metrics.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/store_wrap.h"
#include "santa/token.h"
#include "store_cache.h"

#define KEY_MAX 96
#define PRINCIPAL_GEN_KEY "santa:pg"

struct cache_store {
    struct santa_store_wrap w; /* first, so a santa_store * casts back */
    struct cache_redis *redis;
    uint32_t ttl_ms;
    struct cache_seal seal;      /* the MAC key: only in this process */
    atomic_uint_fast64_t forged; /* values refused by the MAC check */
    pthread_key_t slot_key;      /* struct reveal_slot, per worker thread */
    /* misses by entry (enum miss_entry): atomics for the tests and the
     * bench, the registry's counters for /metrics (NULL when it is off) */
    atomic_uint_fast64_t misses[3];
    struct inst_metric *m_miss[3];
};

enum miss_entry { MISS_VIEW, MISS_PRINCIPAL, MISS_ASSIGNMENT };

static void count_miss(struct cache_store *c, enum miss_entry e)
{
    atomic_fetch_add(&c->misses[e], 1);
    inst_counter_add(c->m_miss[e], 1);
}

/* The reveal's read-ahead on one thread (a worker serves one request at a
 * time): what principal_find's round trip also read for that principal's
 * own assignment. */
struct reveal_slot {
    struct santa_arena a; /* holds rv's values until the next principal_find */
    struct cache_reveal rv;
};

#define REVEAL_ARENA_MAX (256u << 10)

static struct cache_store *cache_cast(struct santa_store *s)
{
    return (struct cache_store *)s;
}

/* Only well-formed ids become part of a key; anything else bypasses the
 * cache (the inner store answers NOT_FOUND for it). */
static bool id_ok(const char *id)
{
    /* libsanta's own check: the cache keys only what the API would accept. */
    return santa_id_valid(id, strnlen(id, SANTA_ID_LEN + 1));
}

static void exchange_keys(const char *id, char key[KEY_MAX], char gen[KEY_MAX])
{
    snprintf(key, KEY_MAX, "santa:x:%s", id);
    snprintf(gen, KEY_MAX, "santa:g:%s", id);
}

static void slot_free(void *p)
{
    struct reveal_slot *sl = p;
    if (sl)
        santa_arena_release(&sl->a);
    santa_free(sl);
}

static struct reveal_slot *slot_get(struct cache_store *c)
{
    struct reveal_slot *sl = pthread_getspecific(c->slot_key);
    if (sl == NULL) {
        sl = santa_calloc(1, sizeof *sl);
        if (sl == NULL || pthread_setspecific(c->slot_key, sl) != 0) {
            santa_free(sl);
            return NULL;
        }
        santa_arena_init(&sl->a, REVEAL_ARENA_MAX);
    }
    return sl;
}

/* A write on this thread: whatever was read ahead may be what it changed. */
static void slot_forget(struct cache_store *c)
{
    struct reveal_slot *sl = pthread_getspecific(c->slot_key);
    if (sl)
        sl->rv.valid = false;
}

/* Drops everything cached about one exchange (after a write to it); with
 * t, also takes the ticket for a write-through fill (refresh_view). */
static void invalidate_exchange(struct cache_store *c, const char *exchange_id,
                                struct cache_ticket *t)
{
    slot_forget(c);
    char key[KEY_MAX], gen[KEY_MAX];
    if (t)
        t->valid = false;
    if (!id_ok(exchange_id))
        return;
    exchange_keys(exchange_id, key, gen);
    const char *keys[] = {key};
    cache_redis_invalidate_ticket(c->redis, gen, keys, 1, NULL, t);
}

/* Drops one participant's cached wishlist: only its field, but with the
 * exchange's generation bumped so a fill racing with the write is refused.
 * With t, also takes the ticket for a write-through fill. */
static void invalidate_wishlist(struct cache_store *c, const char *exchange_id,
                                const char *participant_id, struct cache_ticket *t)
{
    char key[KEY_MAX], gen[KEY_MAX], field[KEY_MAX];
    slot_forget(c);
    if (!id_ok(exchange_id) || !id_ok(participant_id)) {
        invalidate_exchange(c, exchange_id, t);
        if (t)
            t->valid = false; /* nothing to refill under a field we cannot name */
        return;
    }
    exchange_keys(exchange_id, key, gen);
    snprintf(field, sizeof field, "w:%s", participant_id);
    const char *keys[] = {key};
    cache_redis_invalidate_ticket(c->redis, gen, keys, 1, field, t);
}

/* Seals enc (the codec's JSON, which this frees) and fills it under the
 * ticket. */
static void fill_sealed(struct cache_store *c, const struct cache_ticket *t, const char *gen,
                        const char *key, const char *field, char *enc, size_t len)
{
    if (!enc)
        return;
    size_t slen;
    char *sealed =
        cache_seal(&c->seal, key, field, enc, len, cache_seal_now_ms() + c->ttl_ms, &slen);
    if (sealed)
        cache_redis_fill(c->redis, t, gen, key, field, sealed, slen, c->ttl_ms);
    santa_free(sealed);
    santa_free(enc);
}

/* Write-through, after a write to an exchange committed: its entries are
 * dropped as before, then its view is read back from the inner store and
 * filled under the ticket the invalidation took after its bump, so the
 * next reader hits instead of missing. Fresh for the same reason a miss's
 * fill is: the read comes after the bump, and any write that commits
 * after that read bumps again and the fill is refused (or its DEL drops
 * it). On the read-mostly load each join used to cost its exchange's next
 * view read a miss (two thirds of all misses). Only after SANTA_OK: after
 * an error, plain invalidation (an error may still have committed). */
static void refresh_view(struct cache_store *c, const char *exchange_id, enum santa_status st)
{
    struct cache_ticket t;
    invalidate_exchange(c, exchange_id, st == SANTA_OK ? &t : NULL);
    if (st != SANTA_OK || !t.valid)
        return;
    char key[KEY_MAX], gen[KEY_MAX];
    exchange_keys(exchange_id, key, gen);
    struct santa_arena a;
    struct santa_exchange ex;
    santa_arena_init(&a, 64u << 10);
    if (c->w.inner->ops->exchange_get(c->w.inner, exchange_id, &a, &ex) == SANTA_OK) {
        size_t len;
        char *enc = cache_codec_exchange_encode(&ex, &len);
        fill_sealed(c, &t, gen, key, "view", enc, len);
    }
    santa_arena_release(&a);
}

/* The same for a wishlist change: the participant's "w:" field is dropped,
 * then refilled from the inner store, so their giver's next reveal hits. */
static void refresh_wishlist(struct cache_store *c, const char *exchange_id,
                             const char *participant_id, enum santa_status st)
{
    struct cache_ticket t;
    invalidate_wishlist(c, exchange_id, participant_id, st == SANTA_OK ? &t : NULL);
    if (st != SANTA_OK || !t.valid)
        return;
    char key[KEY_MAX], gen[KEY_MAX], field[KEY_MAX];
    exchange_keys(exchange_id, key, gen);
    snprintf(field, sizeof field, "w:%s", participant_id);
    struct santa_arena a;
    struct santa_participant p;
    santa_arena_init(&a, 64u << 10);
    if (c->w.inner->ops->participant_get(c->w.inner, exchange_id, participant_id, &a, &p) ==
        SANTA_OK) {
        size_t len;
        char *enc = cache_codec_wishlist_encode(p.wishlist, &len);
        fill_sealed(c, &t, gen, key, field, enc, len);
    }
    santa_arena_release(&a);
}

/* Write-through of a principal this process is about to insert (a new
 * participant's token, a new exchange's admin token): the ticket is taken
 * before the insert, so whatever later ends the principal (a removal,
 * which can only commit after the insert) bumps the generation after it
 * and refuses or deletes this fill. The token's first use then hits. */
static void fill_principal(struct cache_store *c, const struct cache_ticket *t,
                           const struct santa_hash *token_hash, const struct santa_principal *who)
{
    if (!t->valid)
        return;
    char hex[2 * SANTA_HASH_LEN + 1], key[KEY_MAX];
    santa_hash_to_hex(token_hash, hex);
    snprintf(key, sizeof key, "santa:p:%s", hex);
    size_t len;
    char *enc = cache_codec_principal_encode(who, &len);
    fill_sealed(c, t, PRINCIPAL_GEN_KEY, key, NULL, enc, len);
}

/* Checks the MAC of a value read from key/field. A value that fails it was
 * not written by this process (or has expired, or was moved): it is
 * dropped from Redis so the next read refills it, and logged on the 1st,
 * 2nd, 4th, 8th ... time (someone writes to Redis who should not). */
static bool unseal(struct cache_store *c, const char *gen, const char *key, const char *field,
                   const char *val, size_t len, struct santa_arena *a, const char **json,
                   size_t *jlen)
{
    if (cache_unseal(&c->seal, key, field, val, len, cache_seal_now_ms(), a, json, jlen))
        return true;
    uint64_t n = atomic_fetch_add(&c->forged, 1) + 1;
    if ((n & (n - 1)) == 0)
        santa_log(SANTA_LOG_WARN,
                  "cache: %llu value(s) in Redis failed their MAC check (expired, or not "
                  "written by this process); each was dropped and read from the database",
                  (unsigned long long)n);
    const char *keys[] = {key};
    cache_redis_invalidate(c->redis, gen, keys, 1, field);
    return false;
}

/* ---- the operations it changes, in the order of struct santa_store_ops ---- */

/* After the inner store closed (santa/store_wrap.h). */
static void store_close(struct santa_store *s)
{
    struct cache_store *c = cache_cast(s);
    cache_redis_close(c->redis);
    slot_free(pthread_getspecific(c->slot_key));
    pthread_key_delete(c->slot_key);
    santa_free(c);
}

static void store_thread_stop(struct santa_store *s)
{
    struct cache_store *c = cache_cast(s);
    cache_redis_thread_stop(c->redis);
    slot_free(pthread_getspecific(c->slot_key));
    pthread_setspecific(c->slot_key, NULL);
    /* the inner store's thread_stop follows (santa/store_wrap.h) */
}

/* Forwarded as it is: ping (ready means the inner store answers: Redis
 * being down is no reason to take the service out of a load balancer). */

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    /* Absent exchanges are never cached, but the new one's view is filled
     * right away (write-through): the first join reads it. */
    struct cache_store *c = cache_cast(s);
    struct cache_ticket pt;
    cache_redis_ticket(c->redis, PRINCIPAL_GEN_KEY, &pt);
    enum santa_status st = c->w.inner->ops->exchange_create(c->w.inner, ex);
    refresh_view(c, ex->id, st);
    if (st == SANTA_OK) {
        struct santa_principal who = {.role = SANTA_ROLE_ADMIN};
        memcpy(who.exchange_id, ex->id, sizeof who.exchange_id);
        fill_principal(c, &pt, &ex->admin_hash, &who);
    }
    return st;
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct cache_store *c = cache_cast(s);
    if (!id_ok(id))
        return c->w.inner->ops->exchange_get(c->w.inner, id, a, out);
    char key[KEY_MAX], gen[KEY_MAX], *val;
    size_t len;
    struct cache_ticket t;
    exchange_keys(id, key, gen);
    const char *json;
    enum cache_result res = cache_redis_get(c->redis, key, "view", gen, a, &val, &len, &t);
    if (res == CACHE_HIT && unseal(c, gen, key, "view", val, len, a, &json, &len) &&
        cache_codec_exchange_decode(json, len, a, out))
        return SANTA_OK;
    if (res == CACHE_MISS)
        count_miss(c, MISS_VIEW);
    enum santa_status st = c->w.inner->ops->exchange_get(c->w.inner, id, a, out);
    if (st == SANTA_OK && res == CACHE_MISS) {
        char *enc = cache_codec_exchange_encode(out, &len);
        fill_sealed(c, &t, gen, key, "view", enc, len);
    }
    return st;
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct cache_store *c = cache_cast(s);
    char hex[2 * SANTA_HASH_LEN + 1], key[KEY_MAX], *val;
    size_t len;
    struct cache_ticket t;
    santa_hash_to_hex(token_hash, hex);
    snprintf(key, sizeof key, "santa:p:%s", hex);
    /* The key and field names of exchange_keys() and assignment_get(). */
    static const char *const reveal[5] = {"santa:x:", "santa:g:", "a:", "r", "w:"};
    struct reveal_slot *sl = slot_get(c);
    struct santa_arena scratch; /* without a slot: the principal has no text */
    struct santa_arena *a = sl ? &sl->a : &scratch;
    if (sl)
        santa_arena_release(a); /* the last request's read-ahead; usable again */
    else
        santa_arena_init(a, REVEAL_ARENA_MAX);
    struct cache_reveal none, *rv = sl ? &sl->rv : &none;
    const char *json;
    enum cache_result res =
        cache_redis_get_principal(c->redis, key, PRINCIPAL_GEN_KEY, reveal, a, &val, &len, &t, rv);
    bool hit = res == CACHE_HIT &&
               unseal(c, PRINCIPAL_GEN_KEY, key, NULL, val, len, a, &json, &len) &&
               cache_codec_principal_decode(json, len, a, out);
    /* The script followed the value's ids before its MAC was checked: use
     * the read-ahead only for the very principal this process sealed. */
    rv->valid = rv->valid && hit && out->role == SANTA_ROLE_PARTICIPANT &&
                strcmp(rv->exchange_id, out->exchange_id) == 0 &&
                strcmp(rv->participant_id, out->participant_id) == 0;
    if (sl == NULL)
        santa_arena_release(&scratch);
    if (hit)
        return SANTA_OK;
    if (res == CACHE_MISS)
        count_miss(c, MISS_PRINCIPAL);
    enum santa_status st = c->w.inner->ops->principal_find(c->w.inner, token_hash, out);
    if (st == SANTA_OK && res == CACHE_MISS) {
        char *enc = cache_codec_principal_encode(out, &len);
        fill_sealed(c, &t, PRINCIPAL_GEN_KEY, key, NULL, enc, len);
    }
    return st;
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct cache_store *c = cache_cast(s);
    struct cache_ticket pt;
    cache_redis_ticket(c->redis, PRINCIPAL_GEN_KEY, &pt);
    enum santa_status st = c->w.inner->ops->participant_add(c->w.inner, p, max_participants);
    refresh_view(c, p->exchange_id, st); /* participant_count changed */
    if (st == SANTA_OK) {
        struct santa_principal who = {.role = SANTA_ROLE_PARTICIPANT};
        memcpy(who.exchange_id, p->exchange_id, sizeof who.exchange_id);
        memcpy(who.participant_id, p->id, sizeof who.participant_id);
        fill_principal(c, &pt, &p->token_hash, &who);
    }
    return st;
}

/* Forwarded: participant_list and participant_get (never cached). */

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct cache_store *c = cache_cast(s);
    /* The principal entry is keyed by the token hash, which only the
     * participant's row knows: read it before the row is gone. */
    struct santa_arena a;
    struct santa_participant p;
    santa_arena_init(&a, 64u << 10);
    bool known = c->w.inner->ops->participant_get(c->w.inner, exchange_id, participant_id, &a,
                                                  &p) == SANTA_OK;
    santa_arena_release(&a);
    enum santa_status st =
        c->w.inner->ops->participant_remove(c->w.inner, exchange_id, participant_id);
    refresh_view(c, exchange_id, st);
    if (known) {
        char hex[2 * SANTA_HASH_LEN + 1], key[KEY_MAX];
        santa_hash_to_hex(&p.token_hash, hex);
        snprintf(key, sizeof key, "santa:p:%s", hex);
        const char *keys[] = {key};
        cache_redis_invalidate(c->redis, PRINCIPAL_GEN_KEY, keys, 1, NULL);
    }
    slot_forget(c);
    return st;
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct cache_store *c = cache_cast(s);
    enum santa_status st =
        c->w.inner->ops->wishlist_set(c->w.inner, exchange_id, participant_id, wishlist);
    refresh_wishlist(c, exchange_id, participant_id, st); /* the giver's reveal shows it */
    return st;
}

/* Forwarded: exclusion_add (no cached value shows exclusions). */

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct cache_store *c = cache_cast(s);
    enum santa_status st = c->w.inner->ops->draw(c->w.inner, exchange_id, plan);
    refresh_view(c, exchange_id, st);
    return st;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct cache_store *c = cache_cast(s);
    enum santa_status st = c->w.inner->ops->undraw(c->w.inner, exchange_id);
    refresh_view(c, exchange_id, st);
    return st;
}

/* Fills the assignment and the recipient's wishlist, under one ticket. */
static void fill_assignment(struct cache_store *c, const struct cache_ticket *t, const char *key,
                            const char *gen, const char *field, const struct santa_assignment *as)
{
    size_t len;
    char *enc = cache_codec_assignment_encode(as, &len);
    fill_sealed(c, t, gen, key, field, enc, len);
    if (!id_ok(as->recipient_id))
        return;
    char wfield[KEY_MAX];
    snprintf(wfield, sizeof wfield, "w:%s", as->recipient_id);
    enc = cache_codec_wishlist_encode(as->recipient_wishlist, &len);
    fill_sealed(c, t, gen, key, wfield, enc, len);
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct cache_store *c = cache_cast(s);
    if (!id_ok(exchange_id) || !id_ok(giver_id))
        return c->w.inner->ops->assignment_get(c->w.inner, exchange_id, giver_id, a, out);
    char key[KEY_MAX], gen[KEY_MAX], field[KEY_MAX], *val, *wval;
    size_t len, wlen;
    struct cache_ticket t;
    const char *wish;
    exchange_keys(exchange_id, key, gen);
    snprintf(field, sizeof field, "a:%s", giver_id);
    enum cache_result res;
    struct reveal_slot *sl = pthread_getspecific(c->slot_key);
    if (sl && sl->rv.valid && strcmp(sl->rv.exchange_id, exchange_id) == 0 &&
        strcmp(sl->rv.participant_id, giver_id) == 0) {
        /* read ahead by this request's principal_find: no round trip */
        sl->rv.valid = false;
        res = sl->rv.res;
        val = sl->rv.val;
        len = sl->rv.len;
        wval = sl->rv.val2;
        wlen = sl->rv.len2;
        t = sl->rv.t;
        cache_redis_count(c->redis, res);
    } else {
        res = cache_redis_get_ref(c->redis, key, field, "r", "w:", gen, a, &val, &len, &wval, &wlen,
                                  &t);
    }
    /* The wishlist's field is the one the assignment names. */
    const char *json, *wjson;
    char wfield[KEY_MAX];
    if (res == CACHE_HIT && unseal(c, gen, key, field, val, len, a, &json, &len) &&
        cache_codec_assignment_decode(json, len, a, out) && id_ok(out->recipient_id)) {
        snprintf(wfield, sizeof wfield, "w:%s", out->recipient_id);
        if (unseal(c, gen, key, wfield, wval, wlen, a, &wjson, &wlen) &&
            cache_codec_wishlist_decode(wjson, wlen, a, &wish)) {
            out->recipient_wishlist = wish;
            return SANTA_OK;
        }
    }
    if (res == CACHE_MISS)
        count_miss(c, MISS_ASSIGNMENT);
    enum santa_status st =
        c->w.inner->ops->assignment_get(c->w.inner, exchange_id, giver_id, a, out);
    if (st == SANTA_OK && res == CACHE_MISS)
        fill_assignment(c, &t, key, gen, field, out);
    return st;
}

/* Forwarded: reminders_queue (stage 04 wraps this store in store_queue.c,
 * which sends reminders to the Redis stream). */

/* Every operation it leaves out goes to the inner store (santa/store_wrap.h). */
static const struct santa_store_ops cache_store_ops = {
    .name = "cache",
    .close = store_close,
    .thread_stop = store_thread_stop,
    .exchange_create = store_exchange_create,
    .exchange_get = store_exchange_get,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
};

enum santa_status cache_store_open(const struct cache_store_options *o, struct santa_store **out,
                                   char *err, size_t errlen)
{
    *out = NULL;
    struct cache_store *c = santa_calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        santa_store_close(o->inner);
        return SANTA_UNAVAILABLE;
    }
    struct cache_redis_options ro = {
        .host = o->redis_host,
        .port = o->redis_port,
        .password = o->redis_password,
        .connect_timeout_ms = o->connect_timeout_ms,
        .command_timeout_ms = o->command_timeout_ms,
        .retry_ms = o->retry_ms,
    };
    if (pthread_key_create(&c->slot_key, slot_free) != 0) {
        snprintf(err, errlen, "out of thread-specific keys");
        santa_store_close(o->inner);
        santa_free(c);
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = cache_redis_open(&ro, &c->redis, err, errlen);
    if (st != SANTA_OK) {
        pthread_key_delete(c->slot_key);
        santa_store_close(o->inner);
        santa_free(c);
        return st;
    }
    if (cache_seal_init(&c->seal, o->mac_key_file, err, errlen) != SANTA_OK) {
        pthread_key_delete(c->slot_key);
        cache_redis_close(c->redis);
        santa_store_close(o->inner);
        santa_free(c);
        return SANTA_UNAVAILABLE;
    }
    static const char *const entries[3] = {"view", "principal", "assignment"};
    for (int i = 0; i < 3; i++) {
        struct inst_label l = {"entry", entries[i]};
        c->m_miss[i] = inst_metric_register(
            INST_COUNTER, "santa_cache_misses_total",
            "Cache misses by the entry missed: view (new exchanges; joins, draws and removals "
            "drop it), principal (a token's first use), assignment (first reveal or a refill).",
            &l, 1);
    }
    santa_store_wrap_init(&c->w, o->inner, &cache_store_ops, NULL);
    c->ttl_ms = o->ttl_ms ? o->ttl_ms : 60000;
    *out = &c->w.base;
    return SANTA_OK;
}

void cache_store_forget_readahead(struct santa_store *s)
{
    slot_forget(cache_cast(s));
}

void cache_store_stats(struct santa_store *s, struct cache_stats *out)
{
    struct cache_store *c = cache_cast(s);
    cache_redis_stats(c->redis, out);
    out->misses_view = atomic_load(&c->misses[MISS_VIEW]);
    out->misses_principal = atomic_load(&c->misses[MISS_PRINCIPAL]);
    out->misses_assignment = atomic_load(&c->misses[MISS_ASSIGNMENT]);
}
