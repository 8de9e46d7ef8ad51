/*
 * test_store_cache.c - stage 04's cache store against a real redis-server.
 *
 * First the shared store contract, run through the cache over the
 * in-memory store (so the cache is held to exactly what store.h promises;
 * durability, through the cache over stage 03's store, is
 * test_store_cache_postgres's: stage 04 links no stage but 03). Then what only a cache has:
 * hits after a fill, invalidation by every write, the fill race closed by
 * generations, no raw token in any key, and fail-open with Redis killed or
 * hanging, including recovery and the flush after a lost invalidation.
 *
 * One redis-server serves the whole run, on a free loopback port; the
 * fault tests kill, pause and restart it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache_local.h"
#include "redis_proc.h"
#include "santa/store_wrap.h"
#include "santa/token.h"
#include "store_cache.h"
#include "store_contract.h"
#include "store_mem.h"
#include "testproc.h"

#define RETRY_MS 200u

static struct redis_proc g_redis;

/* The cache over inner, talking to g_redis with this password (NULL: none). */
static struct santa_store *wrap_with(struct santa_store *inner, const char *password)
{
    if (inner == NULL)
        return NULL;
    struct cache_store_options o = {
        .inner = inner,
        .redis_host = "127.0.0.1",
        .redis_port = (uint16_t)g_redis.port,
        .redis_password = password,
        .ttl_ms = 60000,
        /* Long enough that a sanitizer build on a busy machine never times
         * out by accident (tests count exact hits and misses), short enough
         * for the hung-Redis test. */
        .connect_timeout_ms = 500,
        .command_timeout_ms = 500,
        .retry_ms = RETRY_MS,
    };
    struct santa_store *s = NULL;
    char err[256] = "";
    if (cache_store_open(&o, &s, err, sizeof err) != SANTA_OK)
        fprintf(stderr, "cache_store_open: %s\n", err);
    return s;
}

static struct santa_store *wrap(struct santa_store *inner)
{
    return wrap_with(inner, g_redis.password); /* the fixture's Redis asks for one */
}

/* ---- the contract, through the cache ---------------------------------- */

static struct santa_store *open_mem_cached(void *ctx)
{
    (void)ctx;
    struct santa_store *inner = NULL;
    return wrap(mem_store_open(&inner) == SANTA_OK ? inner : NULL);
}

static void cleanup_nothing(void *ctx)
{
    (void)ctx;
}

/* ---- helpers for the cache's own tests -------------------------------- */

struct fx {
    struct santa_store *s;
    struct santa_store *cache; /* the cache store: s, or the store s wraps */
    uint64_t clock_ms;         /* local results' clock (fx_setup_local) */
    struct santa_arena a;
    struct santa_rng rng;
    struct santa_exchange ex;
    struct santa_participant p[4];
    char tokens[4][SANTA_TOKEN_LEN + 1];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    santa_arena_init(&f->a, 1u << 20);
    f->rng = santa_rng_csprng();
    f->s = f->cache = open_mem_cached(NULL);
    if (f->s == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* ---- local results (cache_local.h) over the cache -------------------- */

#define LOCAL_MS 1000u

static uint64_t fx_clock(void *ctx)
{
    return ((struct fx *)ctx)->clock_ms; /* moved only between operations */
}

/* f->s becomes local results over what it was (the cache, or any store);
 * the clock is f->clock_ms, moved by hand. */
static int fx_add_local(struct fx *f, bool readahead)
{
    struct cache_local_options o = {
        .inner = f->s,
        .max_age_ms = LOCAL_MS,
        .forget_readahead = readahead ? cache_store_forget_readahead : NULL,
        .now_ms = fx_clock,
        .clock_ctx = f,
    };
    char err[128];
    f->clock_ms = 1000000;
    if (cache_local_open(&o, &f->s, err, sizeof err) != SANTA_OK) {
        fprintf(stderr, "cache_local_open: %s\n", err);
        f->s = NULL;
        return -1;
    }
    return 0;
}

static int fx_setup_local(void **state)
{
    if (fx_setup(state) != 0)
        return -1;
    return fx_add_local(*state, true);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    santa_store_close(f->s);
    santa_arena_release(&f->a);
    free(f);
    return 0;
}

static struct cache_stats stats(struct fx *f)
{
    struct cache_stats st;
    cache_store_stats(f->cache, &st);
    return st;
}

static void make_exchange(struct fx *f)
{
    memset(&f->ex, 0, sizeof f->ex);
    assert_int_equal(santa_id_new(f->ex.id), SANTA_OK);
    f->ex.name = "Office party";
    f->ex.budget = "20 EUR";
    santa_secret_hash("admin", 5, &f->ex.admin_hash);
    santa_secret_hash("invite", 6, &f->ex.invite_hash);
    assert_int_equal(f->s->ops->exchange_create(f->s, &f->ex), SANTA_OK);
}

static void join(struct fx *f, unsigned i)
{
    struct santa_participant *p = &f->p[i];
    memset(p, 0, sizeof *p);
    assert_int_equal(santa_id_new(p->id), SANTA_OK);
    memcpy(p->exchange_id, f->ex.id, sizeof p->exchange_id);
    char *name = santa_arena_alloc(&f->a, 32), *email = santa_arena_alloc(&f->a, 48);
    assert_non_null(name);
    assert_non_null(email);
    snprintf(name, 32, "Person %u", i);
    snprintf(email, 48, "person%u@example.org", i);
    p->name = name;
    p->email = email;
    p->email_key = email;
    p->wishlist = "";
    assert_int_equal(santa_token_new(f->tokens[i]), SANTA_OK);
    santa_secret_hash(f->tokens[i], SANTA_TOKEN_LEN, &p->token_hash);
    assert_int_equal(f->s->ops->participant_add(f->s, p, 100), SANTA_OK);
}

static void draw(struct fx *f)
{
    struct santa_draw_plan *plan = santa_draw_plan_new(&f->rng);
    assert_non_null(plan);
    assert_int_equal(f->s->ops->draw(f->s, f->ex.id, plan), SANTA_OK);
    santa_draw_plan_free(plan);
}

static uint32_t count_now(struct fx *f)
{
    struct santa_exchange got;
    assert_int_equal(f->s->ops->exchange_get(f->s, f->ex.id, &f->a, &got), SANTA_OK);
    assert_string_equal(got.name, "Office party");
    assert_string_equal(got.budget, "20 EUR");
    return got.participant_count;
}

/* Index of the participant giver i gives to. */
static unsigned recipient_of(struct fx *f, unsigned i, struct santa_assignment *as)
{
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[i].id, &f->a, as), SANTA_OK);
    for (unsigned k = 0; k < 4; k++)
        if (strcmp(as->recipient_id, f->p[k].id) == 0)
            return k;
    fail_msg("recipient %s is not a participant", as->recipient_id);
    return 0;
}

/* ---- hits, misses and invalidation ------------------------------------ */

/* Every write to an exchange refreshes its cached view (write-through):
 * the new exchange's view is filled at once, and after each join, removal,
 * draw and undraw the next read hits and already shows the write. */
static void test_exchange_view_follows_writes(void **state)
{
    struct fx *f = *state;
    struct cache_stats before = stats(f);
    make_exchange(f);
    assert_int_equal(count_now(f), 0);
    assert_int_equal(count_now(f), 0);
    struct cache_stats after = stats(f);
    assert_int_equal(after.misses - before.misses, 0);
    assert_int_equal(after.hits - before.hits, 2);
    assert_int_equal(after.fills - before.fills, 2); /* view and admin principal, by the create */

    join(f, 0); /* changes participant_count: the view is read back and filled */
    assert_int_equal(count_now(f), 1);
    assert_int_equal(count_now(f), 1);
    join(f, 1);
    assert_int_equal(count_now(f), 2);
    assert_int_equal(f->s->ops->participant_remove(f->s, f->ex.id, f->p[1].id), SANTA_OK);
    assert_int_equal(count_now(f), 1);
    struct cache_stats end = stats(f);
    assert_int_equal(end.hits - after.hits, 4);
    assert_int_equal(end.misses, before.misses);
    assert_int_equal(end.errors, before.errors);

    /* drawn status follows draw and undraw */
    join(f, 1);
    join(f, 2);
    struct santa_exchange got;
    assert_int_equal(f->s->ops->exchange_get(f->s, f->ex.id, &f->a, &got), SANTA_OK);
    assert_false(got.drawn);
    draw(f);
    assert_int_equal(f->s->ops->exchange_get(f->s, f->ex.id, &f->a, &got), SANTA_OK);
    assert_true(got.drawn);
    assert_true(santa_hash_equal(&got.invite_hash, &f->ex.invite_hash));
    assert_true(santa_hash_equal(&got.admin_hash, &f->ex.admin_hash));
    assert_int_equal(f->s->ops->undraw(f->s, f->ex.id), SANTA_OK);
    assert_int_equal(f->s->ops->exchange_get(f->s, f->ex.id, &f->a, &got), SANTA_OK);
    assert_false(got.drawn);
    assert_int_equal(stats(f).misses, before.misses);
}

/* The join and the create fill the principals of the tokens they hand out
 * (write-through): every lookup hits, the first one included. A removal
 * ends a participant's token at once. */
static void test_principal_cached_then_removed(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    join(f, 0);
    struct santa_principal who;
    struct cache_stats before = stats(f);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
        assert_int_equal(who.role, SANTA_ROLE_PARTICIPANT);
        assert_string_equal(who.participant_id, f->p[0].id);
        assert_string_equal(who.exchange_id, f->ex.id);
    }
    assert_int_equal(f->s->ops->principal_find(f->s, &f->ex.admin_hash, &who), SANTA_OK);
    assert_int_equal(who.role, SANTA_ROLE_ADMIN);
    assert_string_equal(who.participant_id, "");
    assert_int_equal(stats(f).hits - before.hits, 4);
    assert_int_equal(stats(f).misses, before.misses);

    /* A removed participant's token stops working at once. */
    assert_int_equal(f->s->ops->participant_remove(f->s, f->ex.id, f->p[0].id), SANTA_OK);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_NOT_FOUND);
}

static void test_assignment_follows_wishlist_and_undraw(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    struct santa_assignment as;
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[0].id, &f->a, &as),
                     SANTA_NOT_DRAWN);
    draw(f);
    unsigned r = recipient_of(f, 0, &as);
    struct cache_stats before = stats(f);
    r = recipient_of(f, 0, &as);
    assert_int_equal(stats(f).hits - before.hits, 1);
    assert_string_equal(as.recipient_wishlist, "");
    assert_string_equal(as.giver_name, "Person 0");

    /* The recipient edits their wishlist: the giver sees it on the next read. */
    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r].id, "a red scarf"), SANTA_OK);
    assert_int_equal(recipient_of(f, 0, &as), r);
    assert_string_equal(as.recipient_wishlist, "a red scarf");
    assert_int_equal(recipient_of(f, 0, &as), r);
    assert_string_equal(as.recipient_wishlist, "a red scarf");

    assert_int_equal(f->s->ops->undraw(f->s, f->ex.id), SANTA_OK);
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[0].id, &f->a, &as),
                     SANTA_NOT_DRAWN);
}

/* The reveal as the API makes it (principal_find, then assignment_get for
 * that principal): warm, one Redis round trip for both, two hits. A write
 * between the two on the same thread drops the read-ahead, so the reveal
 * still shows the write. */
static void test_reveal_is_one_round_trip(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_principal who;
    struct santa_assignment as;
    for (int warm = 0; warm < 2; warm++) {
        assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
        (void)recipient_of(f, 0, &as);
    }
    struct cache_stats before = stats(f);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    assert_string_equal(who.participant_id, f->p[0].id);
    unsigned r = recipient_of(f, 0, &as);
    struct cache_stats after = stats(f);
    print_message("warm reveal: %llu round trip(s), %llu hit(s)\n",
                  (unsigned long long)(after.roundtrips - before.roundtrips),
                  (unsigned long long)(after.hits - before.hits));
    assert_int_equal(after.roundtrips - before.roundtrips, 1);
    assert_int_equal(after.hits - before.hits, 2);
    assert_int_equal(after.misses, before.misses);

    /* read ahead, then the recipient's wishlist changes before the read */
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r].id, "new socks"), SANTA_OK);
    assert_int_equal(recipient_of(f, 0, &as), r);
    assert_string_equal(as.recipient_wishlist, "new socks");
    /* and a read-ahead is for its own participant only */
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[1].token_hash, &who), SANTA_OK);
    assert_int_equal(recipient_of(f, 0, &as), r);
    assert_string_equal(as.giver_name, "Person 0");
}

/* Misses are counted by the entry missed, so a load test's misses can be
 * attributed: a write that failed drops the view without refilling it, an
 * evicted principal misses, a draw makes each giver's first reveal miss.
 * A successful write refills what it dropped (no miss). */
static void test_misses_by_entry(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_principal who;
    struct santa_assignment as;
    (void)count_now(f);
    unsigned r = recipient_of(f, 0, &as);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    struct cache_stats before = stats(f);
    (void)count_now(f); /* warm: no miss */
    assert_int_equal(stats(f).misses_view, before.misses_view);
    assert_int_equal(f->s->ops->undraw(f->s, f->ex.id), SANTA_OK); /* refills the view */
    (void)count_now(f);
    assert_int_equal(stats(f).misses_view, before.misses_view);
    /* a join refused (the e-mail is taken) invalidates without refilling */
    struct santa_participant dup = f->p[0];
    assert_int_equal(santa_id_new(dup.id), SANTA_OK);
    assert_int_equal(f->s->ops->participant_add(f->s, &dup, 100), SANTA_EMAIL_TAKEN);
    (void)count_now(f);
    /* a principal Redis evicted (maxmemory) misses once */
    char hex[2 * SANTA_HASH_LEN + 1], cmd[128], reply[64];
    santa_hash_to_hex(&f->p[1].token_hash, hex);
    snprintf(cmd, sizeof cmd, "DEL santa:p:%s", hex);
    assert_true(redis_proc_command(&g_redis, cmd, reply, sizeof reply) > 0);
    assert_string_equal(reply, ":1\r\n"); /* it was there: filled by the join */
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[1].token_hash, &who), SANTA_OK);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[1].token_hash, &who), SANTA_OK);
    draw(f);
    r = recipient_of(f, 0, &as); /* the draw dropped the assignments */
    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r].id, "tea"), SANTA_OK);
    assert_int_equal(recipient_of(f, 0, &as), r); /* refilled by the change: a hit */
    assert_string_equal(as.recipient_wishlist, "tea");
    struct cache_stats after = stats(f);
    assert_int_equal(after.misses_view - before.misses_view, 1);
    assert_int_equal(after.misses_principal - before.misses_principal, 1);
    assert_int_equal(after.misses_assignment - before.misses_assignment, 1);
    assert_int_equal(after.misses - before.misses, 3); /* the sum, counted apart */
}

/* The reveal of every giver, cached twice over, then a run of wishlist
 * changes: after each, the giver of that person sees the new wishlist on
 * both following reads - hits, since the change refilled its field. */
static void test_wishlist_change_never_leaves_old_visible(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_assignment as;
    unsigned r[4];
    for (unsigned i = 0; i < 4; i++)
        r[i] = recipient_of(f, i, &as);
    static const char *const wishes[] = {"socks", "a book", "", "tea, green"};
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 4; i++) {
            char wish[48];
            snprintf(wish, sizeof wish, "%s %u", wishes[i], round);
            assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r[i]].id, wish),
                             SANTA_OK);
            struct cache_stats before = stats(f);
            assert_int_equal(recipient_of(f, i, &as), r[i]);
            assert_string_equal(as.recipient_wishlist, wish);
            assert_int_equal(recipient_of(f, i, &as), r[i]);
            assert_string_equal(as.recipient_wishlist, wish);
            struct cache_stats after = stats(f);
            assert_int_equal(after.misses - before.misses, 0);
            assert_int_equal(after.hits - before.hits, 2);
        }
    }
}

/* A wishlist change drops only that wishlist: every other giver's reveal and
 * the exchange's view stay cached (hits, no miss), and the one giver who
 * gives to the changed person sees the change, from the refilled field. */
static void test_wishlist_change_keeps_other_entries(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_assignment as;
    unsigned r[4];
    for (unsigned i = 0; i < 4; i++)
        r[i] = recipient_of(f, i, &as); /* fills */
    (void)count_now(f);                 /* fills the view */
    struct cache_stats before = stats(f);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(recipient_of(f, i, &as), r[i]);
    assert_int_equal(count_now(f), 4);
    assert_int_equal(stats(f).hits - before.hits, 5);

    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r[0]].id, "a kite"), SANTA_OK);
    before = stats(f);
    for (unsigned i = 1; i < 4; i++) {
        assert_int_equal(recipient_of(f, i, &as), r[i]);
        assert_string_equal(as.recipient_wishlist, "");
    }
    assert_int_equal(count_now(f), 4);
    struct cache_stats after = stats(f);
    assert_int_equal(after.hits - before.hits, 4);
    assert_int_equal(after.misses - before.misses, 0);

    assert_int_equal(recipient_of(f, 0, &as), r[0]);
    assert_string_equal(as.recipient_wishlist, "a kite");
    assert_int_equal(stats(f).misses - after.misses, 0); /* refilled by the change */
}

/* Keys are ids and SHA-256 hashes; no raw token may reach Redis. */
static void test_no_raw_token_in_redis(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 3; i++)
        join(f, i);
    draw(f);
    struct santa_principal who;
    struct santa_assignment as;
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(f->s->ops->principal_find(f->s, &f->p[i].token_hash, &who), SANTA_OK);
        recipient_of(f, i, &as);
    }
    static char keys[1 << 20];
    assert_true(redis_proc_command(&g_redis, "KEYS *", keys, sizeof keys) > 0);
    char hex[2 * SANTA_HASH_LEN + 1], dump[4096];
    for (unsigned i = 0; i < 3; i++) {
        assert_null(strstr(keys, f->tokens[i]));
        santa_hash_to_hex(&f->p[i].token_hash, hex);
        char want[128];
        snprintf(want, sizeof want, "santa:p:%s", hex);
        assert_non_null(strstr(keys, want));
        char cmd[160];
        snprintf(cmd, sizeof cmd, "GET %s", want);
        assert_true(redis_proc_command(&g_redis, cmd, dump, sizeof dump) > 0);
        assert_null(strstr(dump, f->tokens[i]));
        assert_non_null(strstr(dump, f->p[i].id));
    }
    char cmd[160];
    snprintf(cmd, sizeof cmd, "HGETALL santa:x:%s", f->ex.id);
    assert_true(redis_proc_command(&g_redis, cmd, dump, sizeof dump) > 0);
    for (unsigned i = 0; i < 3; i++)
        assert_null(strstr(dump, f->tokens[i]));
}

/* The epoch key gone (a FLUSHALL by hand, say): fills are refused until
 * the cache sets a new one, and then the cache works again. */
static void test_lost_epoch_is_recreated(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    count_now(f);
    char reply[64];
    assert_true(redis_proc_command(&g_redis, "FLUSHALL", reply, sizeof reply) > 0);
    uint64_t hits = stats(f).hits;
    for (int i = 0; i < 50 && stats(f).hits <= hits; i++)
        assert_int_equal(count_now(f), 0);
    assert_true(stats(f).hits > hits);
    assert_true(redis_proc_command(&g_redis, "EXISTS santa:epoch", reply, sizeof reply) > 0);
    assert_string_equal(reply, ":1\r\n");
}

/* ---- the fill race, step by step --------------------------------------- */

/* cache_redis on its own (no store around it), on the fixture's Redis. */
static struct cache_redis *redis_direct(void)
{
    struct cache_redis_options o = {
        .host = "127.0.0.1", .port = (uint16_t)g_redis.port, .password = g_redis.password};
    struct cache_redis *r = NULL;
    char err[128];
    assert_int_equal(cache_redis_open(&o, &r, err, sizeof err), SANTA_OK);
    return r;
}

/* A reader misses and reads old data; a write commits and invalidates; the
 * reader's fill must then be refused, or the old data would outlive the
 * write's delete. */
static void test_fill_after_invalidate_is_refused(void **state)
{
    (void)state;
    struct cache_redis *r = redis_direct();
    struct santa_arena a;
    santa_arena_init(&a, 1 << 16);
    char *val;
    size_t len;
    struct cache_ticket t;
    const char *key = "santa:test:race", *gen = "santa:test:race:gen";
    const char *keys[] = {key};
    assert_true(cache_redis_invalidate(r, gen, keys, 1, NULL)); /* a clean start */

    assert_int_equal(cache_redis_get(r, key, "f", gen, &a, &val, &len, &t), CACHE_MISS);
    assert_true(t.valid);
    assert_true(cache_redis_invalidate(r, gen, keys, 1, NULL)); /* the write lands here */
    cache_redis_fill(r, &t, gen, key, "f", "old", 3, 60000);
    assert_int_equal(cache_redis_get(r, key, "f", gen, &a, &val, &len, &t), CACHE_MISS);

    /* Without a write in between, the fill is kept. */
    cache_redis_fill(r, &t, gen, key, "f", "new", 3, 60000);
    assert_int_equal(cache_redis_get(r, key, "f", gen, &a, &val, &len, &t), CACHE_HIT);
    assert_string_equal(val, "new");
    struct cache_stats st;
    cache_redis_stats(r, &st);
    assert_int_equal(st.fills_refused, 1);
    assert_int_equal(st.fills, 1);
    santa_arena_release(&a);
    cache_redis_close(r);
}

/* The same race for a wishlist field: a reveal missed and read the old
 * wishlist from the database, the wishlist change deleted only its field
 * (HDEL) and bumped the generation, then the late fill comes: refused, while
 * the assignment field the change did not touch stays. */
static void test_wishlist_fill_after_field_invalidate_is_refused(void **state)
{
    (void)state;
    struct cache_redis *r = redis_direct();
    struct santa_arena a;
    santa_arena_init(&a, 1 << 16);
    char *val, *wval;
    size_t len, wlen;
    struct cache_ticket t;
    const char *key = "santa:test:wrace", *gen = "santa:test:wrace:gen";
    const char *keys[] = {key};
    const char *as = "{\"r\":\"R1\"}";
    assert_true(cache_redis_invalidate(r, gen, keys, 1, NULL)); /* a clean start */

    assert_int_equal(
        cache_redis_get_ref(r, key, "a:G", "r", "w:", gen, &a, &val, &len, &wval, &wlen, &t),
        CACHE_MISS);
    cache_redis_fill(r, &t, gen, key, "a:G", as, strlen(as), 60000);
    assert_true(cache_redis_invalidate(r, gen, keys, 1, "w:R1")); /* the change lands here */
    cache_redis_fill(r, &t, gen, key, "w:R1", "old", 3, 60000);
    assert_int_equal(
        cache_redis_get_ref(r, key, "a:G", "r", "w:", gen, &a, &val, &len, &wval, &wlen, &t),
        CACHE_MISS);
    assert_int_equal(cache_redis_get(r, key, "a:G", gen, &a, &val, &len, &t), CACHE_HIT);

    /* A fill under a ticket taken after the change is kept: both hit. */
    assert_int_equal(
        cache_redis_get_ref(r, key, "a:G", "r", "w:", gen, &a, &val, &len, &wval, &wlen, &t),
        CACHE_MISS);
    cache_redis_fill(r, &t, gen, key, "w:R1", "new", 3, 60000);
    assert_int_equal(
        cache_redis_get_ref(r, key, "a:G", "r", "w:", gen, &a, &val, &len, &wval, &wlen, &t),
        CACHE_HIT);
    assert_string_equal(val, as);
    assert_string_equal(wval, "new");
    struct cache_stats st;
    cache_redis_stats(r, &st);
    assert_int_equal(st.fills_refused, 1);
    assert_int_equal(st.fills, 2);
    santa_arena_release(&a);
    cache_redis_close(r);
}

/* Write-through: the ticket a writer's invalidation returns guards the
 * fill of what it reads back, like a reader's. A second write between the
 * first one's read-back and its fill makes that fill refused (it may have
 * read before the second commit); the second writer's own fill is kept. */
static void test_write_through_fill_after_later_write_is_refused(void **state)
{
    (void)state;
    struct cache_redis *r = redis_direct();
    struct santa_arena a;
    santa_arena_init(&a, 1 << 16);
    char *val;
    size_t len;
    struct cache_ticket t1, t2, t;
    const char *key = "santa:test:wt", *gen = "santa:test:wt:gen";
    const char *keys[] = {key};

    assert_true(cache_redis_invalidate_ticket(r, gen, keys, 1, NULL, &t1)); /* write 1 */
    assert_true(t1.valid);
    assert_true(cache_redis_invalidate_ticket(r, gen, keys, 1, NULL, &t2)); /* write 2 */
    assert_true(t2.valid);
    assert_string_not_equal(t1.gen, t2.gen);
    cache_redis_fill(r, &t1, gen, key, "view", "one", 3, 60000); /* write 1, late */
    assert_int_equal(cache_redis_get(r, key, "view", gen, &a, &val, &len, &t), CACHE_MISS);
    cache_redis_fill(r, &t2, gen, key, "view", "two", 3, 60000);
    assert_int_equal(cache_redis_get(r, key, "view", gen, &a, &val, &len, &t), CACHE_HIT);
    assert_string_equal(val, "two");
    /* a ticket taken before a write (the principal a join inserts), then
     * a removal's bump: that fill is refused too */
    assert_true(cache_redis_invalidate_ticket(r, gen, keys, 1, NULL, &t1));
    cache_redis_ticket(r, gen, &t1);
    assert_true(t1.valid);
    assert_true(cache_redis_invalidate(r, gen, keys, 1, NULL)); /* the removal */
    cache_redis_fill(r, &t1, gen, key, "view", "gone", 4, 60000);
    assert_int_equal(cache_redis_get(r, key, "view", gen, &a, &val, &len, &t), CACHE_MISS);
    cache_redis_ticket(r, gen, &t1); /* and with nothing in between it is kept */
    cache_redis_fill(r, &t1, gen, key, "view", "kept", 4, 60000);
    assert_int_equal(cache_redis_get(r, key, "view", gen, &a, &val, &len, &t), CACHE_HIT);
    assert_string_equal(val, "kept");
    /* and a field change's ticket works the same way */
    assert_true(cache_redis_invalidate_ticket(r, gen, keys, 1, "view", &t1));
    assert_int_equal(cache_redis_get(r, key, "view", gen, &a, &val, &len, &t), CACHE_MISS);
    struct cache_stats st;
    cache_redis_stats(r, &st);
    assert_int_equal(st.fills_refused, 2);
    assert_int_equal(st.fills, 2);
    santa_arena_release(&a);
    cache_redis_close(r);
}

/* ---- fail open ---------------------------------------------------------- */

/* Reads every cached path once and checks the answers are right. */
static void read_all(struct fx *f, unsigned expect_count)
{
    struct santa_principal who;
    struct santa_assignment as;
    assert_int_equal(count_now(f), expect_count);
    for (unsigned i = 0; i < expect_count; i++) {
        assert_int_equal(f->s->ops->principal_find(f->s, &f->p[i].token_hash, &who), SANTA_OK);
        assert_string_equal(who.participant_id, f->p[i].id);
        recipient_of(f, i, &as);
        assert_string_equal(as.giver_id, f->p[i].id);
    }
}

/* The counters after three reads of one exchange through a cache that
 * AUTHs with this password (NULL: none). */
static struct cache_stats reads_with_password(const char *password)
{
    void *state = NULL;
    assert_int_equal(fx_setup(&state), 0);
    struct fx *f = state;
    santa_store_close(f->s);
    struct santa_store *inner = NULL;
    assert_int_equal(mem_store_open(&inner), SANTA_OK);
    f->s = f->cache = wrap_with(inner, password);
    assert_non_null(f->s);
    make_exchange(f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(count_now(f), 0);
    struct cache_stats st = stats(f);
    fx_teardown(&state);
    return st;
}

/* The fixture's Redis asks for a password (as deploy/local and the
 * containers run it): the cache sends AUTH after connecting and hits;
 * without the password, or with a wrong one, it fails open to the store
 * (right answers, no hits). */
static void test_password_is_sent_with_auth(void **state)
{
    (void)state;
    struct cache_stats right = reads_with_password(g_redis.password);
    struct cache_stats wrong = reads_with_password("wrong");
    struct cache_stats none = reads_with_password(NULL);
    assert_true(right.hits >= 1);
    assert_int_equal(right.errors, 0);
    assert_int_equal(wrong.hits, 0);
    assert_true(wrong.errors > 0);
    assert_int_equal(none.hits, 0);
    assert_true(none.errors > 0);
}

static void test_fail_open_when_redis_dies(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    read_all(f, 4);
    struct cache_stats before = stats(f);

    redis_proc_kill(&g_redis);
    for (int round = 0; round < 50; round++)
        read_all(f, 4); /* every answer right, none an error */
    struct cache_stats down = stats(f);
    assert_true(down.errors > before.errors);
    assert_int_equal(down.hits, before.hits);

    assert_int_equal(redis_proc_restart(&g_redis), 0);
    /* After the retry pause one probe reconnects and hits resume (the
     * restarted Redis is empty, so first a miss fills). Bounded: 5 s. */
    bool resumed = false;
    for (int i = 0; i < 100 && !resumed; i++) {
        testproc_sleep_ms(50);
        read_all(f, 4);
        resumed = stats(f).hits > down.hits;
    }
    assert_true(resumed);
}

/* An invalidation that never reached Redis: when Redis is used again, its
 * old entries must not be served (the cache flushes first). */
static void test_lost_invalidation_is_never_served(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_assignment as;
    unsigned r = recipient_of(f, 0, &as);
    recipient_of(f, 0, &as); /* now cached */

    /* Redis hangs for one read: the read times out, is answered by the
     * store, and closes the gate for RETRY_MS. A write inside that pause
     * never sends its invalidation, though Redis is back and still holds
     * the old entry. (A write sent to the hung Redis itself would only be
     * late, not lost: Redis runs what sits in its socket when it resumes.) */
    redis_proc_pause(&g_redis, true);
    recipient_of(f, 0, &as);
    assert_string_equal(as.recipient_wishlist, "");
    redis_proc_pause(&g_redis, false);
    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r].id, "a blue hat"), SANTA_OK);

    /* Before and after the retry pause: never the old wishlist. */
    uint64_t flushes = stats(f).flushes;
    for (int i = 0; i < 20; i++) {
        recipient_of(f, 0, &as);
        assert_string_equal(as.recipient_wishlist, "a blue hat");
        testproc_sleep_ms(25);
    }
    assert_true(stats(f).flushes > flushes);
    /* And the cache is used again (bounded wait: a slow sanitizer build may
     * time out a command and pause the cache once more). */
    uint64_t hits = stats(f).hits;
    for (int i = 0; i < 100 && stats(f).hits <= hits; i++) {
        recipient_of(f, 0, &as);
        assert_string_equal(as.recipient_wishlist, "a blue hat");
        testproc_sleep_ms(30);
    }
    assert_true(stats(f).hits > hits);
}

/* ---- write-then-read hammer --------------------------------------------- */

#define HAMMER_THREADS 4u
#define HAMMER_ROUNDS 300u

struct hammer {
    struct fx *f;
    unsigned giver;     /* reads this giver's assignment */
    unsigned recipient; /* writes this participant's wishlist */
    unsigned stale;     /* reads that did not show the write just made */
    unsigned errors;
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    struct santa_store *s = h->f->s;
    struct santa_arena a;
    santa_arena_init(&a, 1 << 16);
    for (unsigned k = 0; k < HAMMER_ROUNDS; k++) {
        char wish[64];
        snprintf(wish, sizeof wish, "wish %u of %u", k, h->recipient);
        if (s->ops->wishlist_set(s, h->f->ex.id, h->f->p[h->recipient].id, wish) != SANTA_OK) {
            h->errors++;
            continue;
        }
        struct santa_assignment as;
        if (s->ops->assignment_get(s, h->f->ex.id, h->f->p[h->giver].id, &a, &as) != SANTA_OK)
            h->errors++;
        else if (strcmp(as.recipient_wishlist, wish) != 0)
            h->stale++;
        santa_arena_release(&a);
    }
    if (s->ops->thread_stop)
        s->ops->thread_stop(s);
    return NULL;
}

static void test_write_then_read_hammer(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct hammer h[HAMMER_THREADS];
    pthread_t th[HAMMER_THREADS];
    for (unsigned i = 0; i < HAMMER_THREADS; i++) {
        struct santa_assignment as;
        h[i] = (struct hammer){.f = f, .giver = i};
        h[i].recipient = recipient_of(f, i, &as);
    }
    for (unsigned i = 0; i < HAMMER_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer_thread, &h[i]), 0);
    unsigned stale = 0, errors = 0;
    for (unsigned i = 0; i < HAMMER_THREADS; i++) {
        pthread_join(th[i], NULL);
        stale += h[i].stale;
        errors += h[i].errors;
    }
    assert_int_equal(errors, 0);
    assert_int_equal(stale, 0);
    assert_true(stats(f).hits > 0 || stats(f).misses > 0);
}

/* ---- local results ------------------------------------------------------ */

static struct santa_store *open_local_cached(void *ctx)
{
    (void)ctx;
    struct santa_store *cached = open_mem_cached(NULL);
    if (cached == NULL)
        return NULL;
    struct cache_local_options o = {
        .inner = cached, .max_age_ms = LOCAL_MS, .forget_readahead = cache_store_forget_readahead};
    struct santa_store *s = NULL;
    char err[128];
    return cache_local_open(&o, &s, err, sizeof err) == SANTA_OK ? s : NULL;
}

static struct cache_local_stats local_stats(struct fx *f)
{
    struct cache_local_stats st;
    cache_local_stats(f->s, &st);
    return st;
}

/* An exchange of four, drawn; returns the index of giver 0's recipient. */
static unsigned drawn_four(struct fx *f)
{
    make_exchange(f);
    for (unsigned i = 0; i < 4; i++)
        join(f, i);
    draw(f);
    struct santa_assignment as;
    return recipient_of(f, 0, &as);
}

/* The reveal (principal_find, then that giver's assignment), as the API
 * makes it. */
static void reveal(struct fx *f, unsigned i, struct santa_assignment *as)
{
    struct santa_principal who;
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[i].token_hash, &who), SANTA_OK);
    assert_string_equal(who.participant_id, f->p[i].id);
    (void)recipient_of(f, i, as);
}

/* Warm, the reveal is answered in process: no Redis round trip at all. */
static void test_local_reveal_without_round_trip(void **state)
{
    struct fx *f = *state;
    unsigned r = drawn_four(f);
    struct santa_assignment as;
    reveal(f, 0, &as);
    struct cache_stats before = stats(f);
    struct cache_local_stats lb = local_stats(f);
    for (int i = 0; i < 3; i++) {
        reveal(f, 0, &as);
        assert_string_equal(as.recipient_id, f->p[r].id);
        assert_string_equal(as.giver_name, "Person 0");
    }
    struct cache_stats after = stats(f);
    print_message("local reveal x3: %llu round trip(s), %llu local hit(s)\n",
                  (unsigned long long)(after.roundtrips - before.roundtrips),
                  (unsigned long long)(local_stats(f).hits - lb.hits));
    assert_int_equal(after.roundtrips - before.roundtrips, 0);
    assert_int_equal(local_stats(f).hits - lb.hits, 6);
}

/* A removal ends the token at once, though its principal was held here. */
static void test_local_removal_refuses_token_at_once(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    join(f, 0);
    struct santa_principal who;
    for (int i = 0; i < 2; i++)
        assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    assert_true(local_stats(f).hits >= 1);
    assert_int_equal(f->s->ops->participant_remove(f->s, f->ex.id, f->p[0].id), SANTA_OK);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_NOT_FOUND);
}

static void test_local_undraw_drops_assignment_at_once(void **state)
{
    struct fx *f = *state;
    (void)drawn_four(f);
    struct santa_assignment as;
    uint64_t hits = local_stats(f).hits;
    (void)recipient_of(f, 0, &as);
    assert_int_equal(local_stats(f).hits - hits, 1);
    assert_int_equal(f->s->ops->undraw(f->s, f->ex.id), SANTA_OK);
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[0].id, &f->a, &as),
                     SANTA_NOT_DRAWN);
}

static void test_local_wishlist_change_shows_at_once(void **state)
{
    struct fx *f = *state;
    unsigned r = drawn_four(f);
    struct santa_assignment as;
    uint64_t hits = local_stats(f).hits;
    (void)recipient_of(f, 0, &as);
    assert_int_equal(local_stats(f).hits - hits, 1);
    assert_string_equal(as.recipient_wishlist, "");
    assert_int_equal(f->s->ops->wishlist_set(f->s, f->ex.id, f->p[r].id, "a red scarf"), SANTA_OK);
    (void)recipient_of(f, 0, &as);
    assert_string_equal(as.recipient_wishlist, "a red scarf");
}

/* An entry is served while younger than --cache-local-ms, never after. */
static void test_local_entry_ages_out(void **state)
{
    struct fx *f = *state;
    (void)drawn_four(f); /* the draw's read of giver 0 stored it at clock_ms */
    struct santa_assignment as;
    struct cache_local_stats lb = local_stats(f);
    f->clock_ms += LOCAL_MS - 1;
    (void)recipient_of(f, 0, &as);
    assert_int_equal(local_stats(f).hits - lb.hits, 1);
    f->clock_ms += 1;
    uint64_t trips = stats(f).roundtrips;
    (void)recipient_of(f, 0, &as);
    assert_int_equal(local_stats(f).hits - lb.hits, 1);
    assert_int_equal(local_stats(f).misses - lb.misses, 1);
    assert_true(stats(f).roundtrips > trips);
}

struct wish_writer {
    struct fx *f;
    unsigned who;
    const char *wish;
    bool refetch; /* then looks up giver 0's principal on that thread too */
};

static void *wish_writer_thread(void *arg)
{
    struct wish_writer *w = arg;
    struct santa_store *s = w->f->s;
    enum santa_status st = s->ops->wishlist_set(s, w->f->ex.id, w->f->p[w->who].id, w->wish);
    struct santa_principal who;
    if (st == SANTA_OK && w->refetch)
        st = s->ops->principal_find(s, &w->f->p[0].token_hash, &who);
    if (s->ops->thread_stop)
        s->ops->thread_stop(s);
    return (void *)(uintptr_t)(st == SANTA_OK);
}

/* Another thread's write, answered before this returns. */
static void wish_on_other_thread(struct fx *f, unsigned who, const char *wish, bool refetch)
{
    struct wish_writer w = {f, who, wish, refetch};
    pthread_t th;
    void *ok = NULL;
    assert_int_equal(pthread_create(&th, NULL, wish_writer_thread, &w), 0);
    pthread_join(th, &ok);
    assert_true(ok != NULL);
}

/* The cache store's principal_find reads the assignment ahead; a write on
 * another thread then changes it. This request's assignment_get may still
 * answer from the read-ahead, but that value must not be kept here: the
 * next read shows the write. */
static void test_local_readahead_before_write_is_not_kept(void **state)
{
    struct fx *f = *state;
    unsigned r = drawn_four(f);
    struct santa_principal who;
    struct santa_assignment as;
    f->clock_ms += LOCAL_MS; /* nothing held here: the principal goes to Redis */
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    wish_on_other_thread(f, r, "read-ahead socks", false);
    (void)recipient_of(f, 0, &as); /* may be the read-ahead */
    (void)recipient_of(f, 0, &as);
    assert_string_equal(as.recipient_wishlist, "read-ahead socks");
}

/* A principal answered here skips the cache store's principal_find, so an
 * earlier request's read-ahead (taken before another thread's write) must
 * not answer this request's assignment_get. The principal is kept here
 * again by the writing thread's own lookup after its write. */
static void test_local_principal_hit_drops_old_readahead(void **state)
{
    struct fx *f = *state;
    unsigned r = drawn_four(f);
    struct santa_principal who;
    struct santa_assignment as;
    f->clock_ms += LOCAL_MS;
    /* request 1: the principal only (GET .../me), read ahead and kept here */
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    wish_on_other_thread(f, r, "hat, not socks", true);
    /* request 2: the reveal; its principal is a local hit */
    uint64_t hits = local_stats(f).hits;
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    assert_int_equal(local_stats(f).hits - hits, 1);
    (void)recipient_of(f, 0, &as);
    assert_string_equal(as.recipient_wishlist, "hat, not socks");
}

/* A store over the in-memory store that, once armed, runs a write through
 * the whole stack right after its inner read returned: the interleaving
 * "read, then a write commits and is answered, then the read's value is
 * offered to local results", replayed on one thread. */
struct hook_store {
    struct santa_store_wrap w;
    struct fx *f;
    void (*armed)(struct fx *f);
};

static void hook_fire(struct santa_store *s)
{
    struct hook_store *h = (struct hook_store *)s;
    void (*fn)(struct fx *) = h->armed;
    h->armed = NULL;
    if (fn)
        fn(h->f);
}

static enum santa_status hook_principal_find(struct santa_store *s,
                                             const struct santa_hash *token_hash,
                                             struct santa_principal *out)
{
    struct santa_store *in = santa_store_wrap_inner(s);
    enum santa_status st = in->ops->principal_find(in, token_hash, out);
    hook_fire(s);
    return st;
}

static enum santa_status hook_assignment_get(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, struct santa_arena *a,
                                             struct santa_assignment *out)
{
    struct santa_store *in = santa_store_wrap_inner(s);
    enum santa_status st = in->ops->assignment_get(in, exchange_id, giver_id, a, out);
    hook_fire(s);
    return st;
}

static void hook_close(struct santa_store *s)
{
    free(s);
}

static const struct santa_store_ops hook_ops = {.name = "hook",
                                                .close = hook_close,
                                                .principal_find = hook_principal_find,
                                                .assignment_get = hook_assignment_get};

/* f->s: local results over the hook store over the in-memory store. */
static int fx_setup_hooked(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct hook_store *h = calloc(1, sizeof *h);
    struct santa_store *mem = NULL;
    if (f == NULL || h == NULL || mem_store_open(&mem) != SANTA_OK) {
        free(f);
        free(h);
        return -1;
    }
    santa_arena_init(&f->a, 1u << 20);
    f->rng = santa_rng_csprng();
    h->f = f;
    f->s = santa_store_wrap_init(&h->w, mem, &hook_ops, NULL);
    f->cache = NULL; /* no Redis here: stats() is not used */
    *state = f;
    return fx_add_local(f, false);
}

static struct hook_store *hook_of(struct fx *f)
{
    return (struct hook_store *)santa_store_wrap_inner(f->s);
}

static void undraw_now(struct fx *f)
{
    assert_int_equal(f->s->ops->undraw(f->s, f->ex.id), SANTA_OK);
}

static void remove_p0_now(struct fx *f)
{
    assert_int_equal(f->s->ops->participant_remove(f->s, f->ex.id, f->p[0].id), SANTA_OK);
}

static void test_local_read_racing_undraw_is_not_kept(void **state)
{
    struct fx *f = *state;
    (void)drawn_four(f);
    struct santa_assignment as;
    f->clock_ms += LOCAL_MS; /* the draw's read is gone */
    hook_of(f)->armed = undraw_now;
    /* read before the undraw: this answer may show the old draw ... */
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[0].id, &f->a, &as), SANTA_OK);
    assert_null(hook_of(f)->armed);
    /* ... but nothing read before it is served after it */
    assert_int_equal(f->s->ops->assignment_get(f->s, f->ex.id, f->p[0].id, &f->a, &as),
                     SANTA_NOT_DRAWN);
    assert_true(local_stats(f).refused >= 1);
}

static void test_local_read_racing_removal_is_not_kept(void **state)
{
    struct fx *f = *state;
    make_exchange(f);
    join(f, 0);
    struct santa_principal who;
    hook_of(f)->armed = remove_p0_now;
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_OK);
    assert_null(hook_of(f)->armed);
    assert_int_equal(f->s->ops->principal_find(f->s, &f->p[0].token_hash, &who), SANTA_NOT_FOUND);
    assert_true(local_stats(f).refused >= 1);
}

int main(void)
{
    if (santa_token_init() != SANTA_OK || redis_proc_start(&g_redis) != 0) {
        fprintf(stderr, "test_store_cache: could not start redis-server (is it installed? "
                        "deploy/install-deps)\n");
        redis_proc_cleanup(&g_redis);
        return 1;
    }
    int failed = 0;
    const struct santa_store_factory mem = {
        .name = "cache(mem)", .open = open_mem_cached, .cleanup = cleanup_nothing};
    failed += santa_store_contract_run(&mem);
    const struct santa_store_factory local = {
        .name = "local(cache(mem))", .open = open_local_cached, .cleanup = cleanup_nothing};
    failed += santa_store_contract_run(&local);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exchange_view_follows_writes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_principal_cached_then_removed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reveal_is_one_round_trip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_misses_by_entry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_assignment_follows_wishlist_and_undraw, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_wishlist_change_never_leaves_old_visible, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_wishlist_change_keeps_other_entries, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_raw_token_in_redis, fx_setup, fx_teardown),
        cmocka_unit_test(test_fill_after_invalidate_is_refused),
        cmocka_unit_test(test_wishlist_fill_after_field_invalidate_is_refused),
        cmocka_unit_test(test_write_through_fill_after_later_write_is_refused),
        cmocka_unit_test_setup_teardown(test_lost_epoch_is_recreated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_write_then_read_hammer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lost_invalidation_is_never_served, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_fail_open_when_redis_dies, fx_setup, fx_teardown),
        cmocka_unit_test(test_password_is_sent_with_auth),
        cmocka_unit_test_setup_teardown(test_local_reveal_without_round_trip, fx_setup_local,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_removal_refuses_token_at_once, fx_setup_local,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_undraw_drops_assignment_at_once, fx_setup_local,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_wishlist_change_shows_at_once, fx_setup_local,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_entry_ages_out, fx_setup_local, fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_readahead_before_write_is_not_kept,
                                        fx_setup_local, fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_principal_hit_drops_old_readahead,
                                        fx_setup_local, fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_read_racing_undraw_is_not_kept, fx_setup_hooked,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_local_read_racing_removal_is_not_kept, fx_setup_hooked,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_write_then_read_hammer, fx_setup_local, fx_teardown),
    };
    failed += cmocka_run_group_tests_name("cache", tests, NULL, NULL);
    redis_proc_cleanup(&g_redis);
    return failed;
}
