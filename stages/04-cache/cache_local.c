/*
 * cache_local.c - local results in front of the Redis cache (cache_local.h).
 *
 * Freshness inside this process rests on one global write sequence and,
 * per exchange, the sequence of its last write (a fixed array of slots
 * indexed by a hash of the exchange id; two exchanges sharing a slot only
 * cost each other misses):
 *   - a write is forwarded first (the inner store commits, drops and
 *     refreshes its Redis entries), then takes the next sequence S and
 *     raises its exchange's slot to at least S; only then does it return,
 *     so its answer leaves after the raise;
 *   - a reader that misses reads the global sequence W0 BEFORE asking the
 *     inner store, and the value it stores is tagged with W0;
 *   - an entry is served only while its exchange's slot <= its tag (and it
 *     is younger than max_age_ms).
 * A value read before a write finished has a tag below that write's S, so
 * the write's raise refuses it, whether it was stored before or after the
 * raise. A reader whose W0 is already >= S started after the write's whole
 * inner call, Redis invalidation included, so what it reads is as fresh as
 * stage 04 without this layer. The raise comes after the Redis
 * invalidation, not before: raised earlier, a reader could take W0 >= S,
 * read the old value still in Redis, and keep it here past the answer.
 *
 * The reveal's read-ahead: the cache store's principal_find also reads
 * that participant's assignment, and its assignment_get may answer from
 * that read. So an assignment is tagged with the W0 of this thread's last
 * principal_find that went to the inner store when that is older, and a
 * principal served from here makes the inner store drop any read-ahead of
 * an earlier request (forget_readahead).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache_local.h"
#include "cache_redis.h"
#include "instrument/metrics.h"
#include "instrument/request.h"
#include "santa/alloc.h"
#include "santa/clock.h"
#include "santa/store_wrap.h"
#include "santa/token.h"

#define WAYS 4u
#define SETS (CACHE_LOCAL_ENTRIES / WAYS)
#define EXCHANGE_SLOTS 4096u
#define KEY_LEN (2u * (SANTA_ID_LEN + 1u)) /* exchange id, giver id; or a token hash */

enum entry_kind { ENTRY_FREE, ENTRY_PRINCIPAL, ENTRY_ASSIGNMENT };

struct entry {
    enum entry_kind kind;
    uint8_t key[KEY_LEN];
    uint32_t slot;    /* its exchange's slot in written[] */
    uint64_t tag;     /* the global sequence read before its value was */
    uint64_t born_ms; /* when that read began */
    struct santa_principal who;
    struct santa_assignment as; /* its strings point into text */
    char *text;                 /* owned */
};

struct set {
    pthread_mutex_t lock;
    struct entry e[WAYS];
};

struct local_store {
    struct santa_store_wrap w; /* first, so a santa_store * casts back */
    uint32_t max_age_ms;
    void (*forget_readahead)(struct santa_store *inner);
    uint64_t (*now_ms)(void *clock_ctx);
    void *clock_ctx;
    atomic_uint_fast64_t seq;                     /* the global write sequence */
    atomic_uint_fast64_t written[EXCHANGE_SLOTS]; /* per slot: the sequence of its last write */
    /* per thread: 1 + the W0 of its last principal_find that went to the
     * inner store (stored in the pointer itself; NULL: none) */
    pthread_key_t since_key;
    atomic_uint_fast64_t hits, misses, stored, refused;
    struct inst_metric *m_hit; /* santa_cache_requests_total{result="local_hit"} */
    struct set sets[SETS];
};

static struct local_store *local_cast(struct santa_store *s)
{
    return (struct local_store *)s;
}

static uint64_t monotonic_ms(void *ctx)
{
    (void)ctx;
    return santa_now_ns() / 1000000u;
}

/* FNV-1a: keys are hashes and random ids already; this only spreads them. */
static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u;
    return h;
}

static uint32_t exchange_slot(const char *exchange_id)
{
    return (uint32_t)(fnv(exchange_id, strnlen(exchange_id, SANTA_ID_LEN), 14695981039346656037u) %
                      EXCHANGE_SLOTS);
}

static struct set *set_of(struct local_store *l, enum entry_kind kind, const uint8_t key[KEY_LEN])
{
    return &l->sets[fnv(key, KEY_LEN, 14695981039346656037u + (uint64_t)kind) % SETS];
}

static bool ids_ok(const char *a, const char *b)
{
    return santa_id_valid(a, strnlen(a, SANTA_ID_LEN + 1)) &&
           santa_id_valid(b, strnlen(b, SANTA_ID_LEN + 1));
}

static void assignment_key(uint8_t key[KEY_LEN], const char *exchange_id, const char *giver_id)
{
    memset(key, 0, KEY_LEN);
    memcpy(key, exchange_id, SANTA_ID_LEN);
    memcpy(key + SANTA_ID_LEN + 1, giver_id, SANTA_ID_LEN);
}

static void principal_key(uint8_t key[KEY_LEN], const struct santa_hash *token_hash)
{
    memset(key, 0, KEY_LEN);
    memcpy(key, token_hash->b, SANTA_HASH_LEN);
}

static void entry_drop(struct entry *e)
{
    santa_free(e->text);
    e->text = NULL;
    e->kind = ENTRY_FREE;
}

static bool entry_fresh(struct local_store *l, const struct entry *e, uint64_t now)
{
    return atomic_load(&l->written[e->slot]) <= e->tag && now >= e->born_ms &&
           now - e->born_ms < l->max_age_ms;
}

/* The live entry for kind/key in its locked set, or NULL (a stale one is
 * dropped on the way). */
static struct entry *find_locked(struct local_store *l, struct set *st, enum entry_kind kind,
                                 const uint8_t key[KEY_LEN], uint64_t now)
{
    for (unsigned i = 0; i < WAYS; i++) {
        struct entry *e = &st->e[i];
        if (e->kind != kind || memcmp(e->key, key, KEY_LEN) != 0)
            continue;
        if (entry_fresh(l, e, now))
            return e;
        entry_drop(e);
    }
    return NULL;
}

/* Puts n (whose text it owns from here on) into the table, unless a write
 * to its exchange raised the slot past its tag already. Eviction: the same
 * key, else a free or stale way, else the oldest. */
static void put(struct local_store *l, struct entry *n, uint64_t now)
{
    struct set *st = set_of(l, n->kind, n->key);
    pthread_mutex_lock(&st->lock);
    if (atomic_load(&l->written[n->slot]) > n->tag) {
        pthread_mutex_unlock(&st->lock);
        atomic_fetch_add(&l->refused, 1);
        santa_free(n->text);
        return;
    }
    struct entry *victim = NULL;
    for (unsigned i = 0; i < WAYS && victim == NULL; i++) {
        struct entry *e = &st->e[i];
        if (e->kind == n->kind && memcmp(e->key, n->key, KEY_LEN) == 0)
            victim = e;
    }
    for (unsigned i = 0; i < WAYS && victim == NULL; i++)
        if (st->e[i].kind == ENTRY_FREE || !entry_fresh(l, &st->e[i], now))
            victim = &st->e[i];
    if (victim == NULL) {
        victim = &st->e[0];
        for (unsigned i = 1; i < WAYS; i++)
            if (st->e[i].born_ms < victim->born_ms)
                victim = &st->e[i];
    }
    entry_drop(victim);
    *victim = *n;
    pthread_mutex_unlock(&st->lock);
    atomic_fetch_add(&l->stored, 1);
}

/* After every write: its exchange's slot goes past every tag read before. */
static void raise_exchange(struct local_store *l, const char *exchange_id)
{
    uint64_t s = atomic_fetch_add(&l->seq, 1) + 1;
    atomic_uint_fast64_t *w = &l->written[exchange_slot(exchange_id)];
    uint_fast64_t cur = atomic_load(w);
    while (cur < s && !atomic_compare_exchange_weak(w, &cur, s)) {
    }
}

/* A hit is counted, and its lookup time (since t0, santa_now_ns) goes to
 * the request's cache phase as a Redis round trip's does, so Server-Timing's
 * "cache" part says a cache answered whichever layer it was (at least 1 ns:
 * the part is left out when the phase is 0). */
static void count_hit(struct local_store *l, uint64_t t0)
{
    atomic_fetch_add(&l->hits, 1);
    inst_counter_add(l->m_hit, 1);
    uint64_t ns = santa_now_ns() - t0;
    inst_phase_add(INST_PHASE_CACHE, ns ? ns : 1);
}

/* ---- the operations it changes, in the order of struct santa_store_ops ---- */

/* After the inner store closed (santa/store_wrap.h). */
static void store_close(struct santa_store *s)
{
    struct local_store *l = local_cast(s);
    for (unsigned i = 0; i < SETS; i++) {
        for (unsigned k = 0; k < WAYS; k++)
            entry_drop(&l->sets[i].e[k]);
        pthread_mutex_destroy(&l->sets[i].lock);
    }
    pthread_key_delete(l->since_key);
    santa_free(l);
}

static void store_thread_stop(struct santa_store *s)
{
    pthread_setspecific(local_cast(s)->since_key, NULL); /* holds no memory */
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    struct local_store *l = local_cast(s);
    enum santa_status st = l->w.inner->ops->exchange_create(l->w.inner, ex);
    raise_exchange(l, ex->id);
    return st;
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct local_store *l = local_cast(s);
    uint64_t t0 = santa_now_ns();
    uint8_t key[KEY_LEN];
    principal_key(key, token_hash);
    uint64_t now = l->now_ms(l->clock_ctx);
    struct set *st = set_of(l, ENTRY_PRINCIPAL, key);
    pthread_mutex_lock(&st->lock);
    struct entry *e = find_locked(l, st, ENTRY_PRINCIPAL, key, now);
    if (e)
        *out = e->who;
    pthread_mutex_unlock(&st->lock);
    if (e) {
        count_hit(l, t0);
        pthread_setspecific(l->since_key, NULL);
        if (l->forget_readahead)
            l->forget_readahead(l->w.inner);
        return SANTA_OK;
    }
    atomic_fetch_add(&l->misses, 1);
    uint64_t w0 = atomic_load(&l->seq);
    pthread_setspecific(l->since_key, (void *)(uintptr_t)(w0 + 1));
    enum santa_status res = l->w.inner->ops->principal_find(l->w.inner, token_hash, out);
    if (res == SANTA_OK &&
        santa_id_valid(out->exchange_id, strnlen(out->exchange_id, SANTA_ID_LEN + 1))) {
        struct entry n = {.kind = ENTRY_PRINCIPAL, .tag = w0, .born_ms = now, .who = *out};
        memcpy(n.key, key, KEY_LEN);
        n.slot = exchange_slot(out->exchange_id);
        put(l, &n, now);
    }
    return res;
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct local_store *l = local_cast(s);
    enum santa_status st = l->w.inner->ops->participant_add(l->w.inner, p, max_participants);
    raise_exchange(l, p->exchange_id);
    return st;
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct local_store *l = local_cast(s);
    enum santa_status st =
        l->w.inner->ops->participant_remove(l->w.inner, exchange_id, participant_id);
    raise_exchange(l, exchange_id); /* the removed token's principal */
    return st;
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct local_store *l = local_cast(s);
    enum santa_status st =
        l->w.inner->ops->wishlist_set(l->w.inner, exchange_id, participant_id, wishlist);
    raise_exchange(l, exchange_id); /* the giver's assignment shows it */
    return st;
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    /* Nothing kept here shows exclusions; raised anyway, so the rule
     * "every write raises" needs no exceptions. */
    struct local_store *l = local_cast(s);
    enum santa_status st =
        l->w.inner->ops->exclusion_add(l->w.inner, exchange_id, giver_id, receiver_id, mutual);
    raise_exchange(l, exchange_id);
    return st;
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct local_store *l = local_cast(s);
    enum santa_status st = l->w.inner->ops->draw(l->w.inner, exchange_id, plan);
    raise_exchange(l, exchange_id);
    return st;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct local_store *l = local_cast(s);
    enum santa_status st = l->w.inner->ops->undraw(l->w.inner, exchange_id);
    raise_exchange(l, exchange_id);
    return st;
}

/* A copy of as with its three strings in one block (NULL: too large). */
static bool assignment_copy(const struct santa_assignment *as, struct entry *n)
{
    if (!as->giver_name || !as->recipient_name || !as->recipient_wishlist)
        return false;
    size_t g = strlen(as->giver_name) + 1, r = strlen(as->recipient_name) + 1,
           w = strlen(as->recipient_wishlist) + 1;
    if (g + r + w > CACHE_LOCAL_VALUE_MAX || (n->text = santa_malloc(g + r + w)) == NULL)
        return false;
    n->as = *as;
    memcpy(n->text, as->giver_name, g);
    memcpy(n->text + g, as->recipient_name, r);
    memcpy(n->text + g + r, as->recipient_wishlist, w);
    n->as.giver_name = n->text;
    n->as.recipient_name = n->text + g;
    n->as.recipient_wishlist = n->text + g + r;
    return true;
}

static bool assignment_lookup(struct local_store *l, const uint8_t key[KEY_LEN], uint64_t now,
                              struct santa_arena *a, struct santa_assignment *out)
{
    struct set *st = set_of(l, ENTRY_ASSIGNMENT, key);
    pthread_mutex_lock(&st->lock);
    struct entry *e = find_locked(l, st, ENTRY_ASSIGNMENT, key, now);
    bool ok = false;
    if (e) {
        *out = e->as;
        out->giver_name = santa_arena_strdup(a, e->as.giver_name);
        out->recipient_name = santa_arena_strdup(a, e->as.recipient_name);
        out->recipient_wishlist = santa_arena_strdup(a, e->as.recipient_wishlist);
        ok = out->giver_name && out->recipient_name && out->recipient_wishlist;
    }
    pthread_mutex_unlock(&st->lock);
    return ok;
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct local_store *l = local_cast(s);
    if (!ids_ok(exchange_id, giver_id))
        return l->w.inner->ops->assignment_get(l->w.inner, exchange_id, giver_id, a, out);
    uint64_t t0 = santa_now_ns();
    uint8_t key[KEY_LEN];
    assignment_key(key, exchange_id, giver_id);
    uint64_t now = l->now_ms(l->clock_ctx);
    if (assignment_lookup(l, key, now, a, out)) {
        count_hit(l, t0);
        return SANTA_OK;
    }
    atomic_fetch_add(&l->misses, 1);
    uint64_t w0 = atomic_load(&l->seq);
    /* The inner store may answer from what this thread's last principal_find
     * read ahead, before w0: tag with the older of the two. */
    uintptr_t since = (uintptr_t)pthread_getspecific(l->since_key);
    if (since != 0 && since - 1 < w0)
        w0 = since - 1;
    enum santa_status st =
        l->w.inner->ops->assignment_get(l->w.inner, exchange_id, giver_id, a, out);
    struct entry n = {.kind = ENTRY_ASSIGNMENT, .tag = w0, .born_ms = now};
    if (st == SANTA_OK && assignment_copy(out, &n)) {
        memcpy(n.key, key, KEY_LEN);
        n.slot = exchange_slot(exchange_id);
        put(l, &n, now);
    }
    return st;
}

/* Forwarded: ping, exchange_get (the public view stays in Redis), the
 * participant reads, reminders_queue and reminders_pending (nothing kept
 * here shows reminders). */

static const struct santa_store_ops local_store_ops = {
    .name = "cache-local",
    .close = store_close,
    .thread_stop = store_thread_stop,
    .exchange_create = store_exchange_create,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .exclusion_add = store_exclusion_add,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
};

enum santa_status cache_local_open(const struct cache_local_options *o, struct santa_store **out,
                                   char *err, size_t errlen)
{
    *out = NULL;
    struct local_store *l = o->max_age_ms ? santa_calloc(1, sizeof *l) : NULL;
    if (l == NULL || pthread_key_create(&l->since_key, NULL) != 0) {
        snprintf(err, errlen, "local results: %s",
                 o->max_age_ms == 0 ? "max age 0 (off: do not open them)"
                 : l == NULL        ? "out of memory"
                                    : "out of thread-specific keys");
        santa_free(l);
        santa_store_close(o->inner);
        return SANTA_UNAVAILABLE;
    }
    for (unsigned i = 0; i < SETS; i++)
        pthread_mutex_init(&l->sets[i].lock, NULL);
    l->max_age_ms = o->max_age_ms;
    l->forget_readahead = o->forget_readahead;
    l->now_ms = o->now_ms ? o->now_ms : monotonic_ms;
    l->clock_ctx = o->clock_ctx;
    struct inst_label lb = {"result", "local_hit"};
    l->m_hit = inst_metric_register(INST_COUNTER, "santa_cache_requests_total", CACHE_REQUESTS_HELP,
                                    &lb, 1);
    santa_store_wrap_init(&l->w, o->inner, &local_store_ops, NULL);
    *out = &l->w.base;
    return SANTA_OK;
}

void cache_local_stats(struct santa_store *s, struct cache_local_stats *out)
{
    struct local_store *l = local_cast(s);
    out->hits = atomic_load(&l->hits);
    out->misses = atomic_load(&l->misses);
    out->stored = atomic_load(&l->stored);
    out->refused = atomic_load(&l->refused);
}
