/*
 * cache_redis.c - Redis through hiredis for stage 04's cache (see
 * cache_redis.h for the contract); the replies of its scripts are read by
 * cache_redis_reply.c.
 *
 * Connections: one per thread, in a santa_thread_slots, so no lock sits on
 * the request path. Failure handling is store-wide, in three atomics:
 *  - down_until_ns: while the clock is before it, nobody tries Redis (a dead
 *    Redis costs nothing per request). The first thread past it claims the
 *    probe with a compare-and-swap; the others keep skipping.
 *  - fail_gen: bumped on every failure. A connection made before the last
 *    failure is dropped before use, so after Redis restarts every thread
 *    reconnects once instead of each discovering its dead socket by failing
 *    (which would close the gate again and again).
 *  - flush_wanted/flush_done: an invalidation that did not reach Redis
 *    leaves stale entries behind, so reads skip the cache until a FLUSHDB
 *    has run after it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "cache_redis.h"
#include "instrument/metrics.h"
#include "cache_redis_reply.h"
#include "cache_redis_scripts.h"
#include "instrument/request.h"
#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/clock.h"
#include "santa/log.h"
#include "santa/thread_slot.h"
#include "santa/token.h"

#define EPOCH_KEY "santa:epoch"
/* Generation keys outlive any read that could race with them by far; they
 * expire only so that an idle exchange leaves nothing behind. */
#define GEN_TTL_MS "86400000"

struct cache_conn {
    redisContext *c;
    uint64_t born_gen; /* fail_gen when it connected */
};

struct cache_redis {
    char host[64]; /* an IPv4 address or a DNS name, resolved at every connect */
    uint16_t port;
    char password[128]; /* never logged; "" when Redis asks for none */
    struct timeval connect_tv, command_tv;
    uint64_t retry_ns;
    struct santa_thread_slots *conns; /* each thread's struct cache_conn */

    atomic_uint_fast64_t down_until_ns; /* 0: Redis is believed up */
    atomic_uint_fast64_t fail_gen;
    atomic_uint_fast64_t flush_wanted, flush_done;

    atomic_uint_fast64_t hits, misses, errors, fills, fills_refused, invalidations, flushes,
        connects, roundtrips, roundtrip_ns;

    /* libinstrument's registry handles (NULL when instrumentation is off:
     * every inst_ call accepts NULL). */
    struct inst_metric *m_result[3]; /* by enum cache_result */
    struct inst_metric *m_op[5];     /* by enum rt_op */
};

/* What a Redis round trip was for: the {op} label of
 * santa_cache_operation_duration_seconds and the span name. */
enum rt_op { RT_GET, RT_FILL, RT_INVALIDATE, RT_FLUSH, RT_CONNECT };
static const char *const rt_op_name[] = {"get", "fill", "invalidate", "flush", "connect"};
static const char *const rt_span_name[] = {"redis GET", "redis EVAL fill", "redis EVAL invalidate",
                                           "redis EVAL flush", "redis connect"};

/* One timed round trip: a span, the cache phase of the request, a metric. */
struct rt {
    uint64_t t0;
    struct inst_span *span;
    enum rt_op op;
};

static struct timeval ms_tv(uint32_t ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (long)(ms % 1000) * 1000};
    return tv;
}

static struct rt rt_begin(enum rt_op op)
{
    struct rt t = {.t0 = santa_now_ns(), .span = inst_span_start(rt_span_name[op]), .op = op};
    inst_span_attr(t.span, "db.system", "redis");
    return t;
}

static void rt_end(struct cache_redis *r, struct rt *t, bool error)
{
    uint64_t ns = santa_now_ns() - t->t0;
    atomic_fetch_add(&r->roundtrips, 1);
    atomic_fetch_add(&r->roundtrip_ns, ns);
    inst_phase_add(INST_PHASE_CACHE, ns);
    inst_observe_ns(r->m_op[t->op], ns);
    inst_span_end(t->span, error);
}

/* Counts a lookup's result (our atomics for tests and the bench, the
 * registry for /metrics). */
static void count_result(struct cache_redis *r, enum cache_result res)
{
    atomic_fetch_add(res == CACHE_HIT ? &r->hits : res == CACHE_MISS ? &r->misses : &r->errors, 1);
    inst_counter_add(r->m_result[res], 1);
}

/* A thread's first call: its slot, not yet connected (santa/thread_slot.h). */
static void *conn_new(void *unused)
{
    (void)unused;
    struct cache_conn *cn = santa_calloc(1, sizeof *cn);
    if (cn == NULL)
        santa_log(SANTA_LOG_ERROR, "cache: out of memory for a connection");
    return cn;
}

static void conn_free(void *p)
{
    struct cache_conn *cn = p;
    if (cn->c)
        redisFree(cn->c);
    santa_free(cn);
}

static void register_metrics(struct cache_redis *r)
{
    static const char *const results[] = {"hit", "miss", "error"};
    for (int i = 0; i < 3; i++) {
        struct inst_label l = {"result", results[i]};
        r->m_result[i] = inst_metric_register(
            INST_COUNTER, "santa_cache_requests_total", CACHE_REQUESTS_HELP, &l, 1);
    }
    for (int i = 0; i < 5; i++) {
        struct inst_label l = {"op", rt_op_name[i]};
        r->m_op[i] = inst_metric_register(INST_HISTOGRAM, "santa_cache_operation_duration_seconds",
                                          "Redis round trips of the cache, by operation.", &l, 1);
    }
}

enum santa_status cache_redis_open(const struct cache_redis_options *o, struct cache_redis **out,
                                   char *err, size_t errlen)
{
    *out = NULL;
    if (o->host == NULL || strlen(o->host) >= sizeof((struct cache_redis *)0)->host ||
        o->port == 0) {
        snprintf(err, errlen, "redis address must be HOST:PORT");
        return SANTA_UNAVAILABLE;
    }
    const char *password = o->password ? o->password : "";
    if (strlen(password) >= sizeof((struct cache_redis *)0)->password) {
        snprintf(err, errlen, "redis password must be shorter than 256 bytes");
        return SANTA_UNAVAILABLE;
    }
    struct cache_redis *r = santa_calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    r->conns = santa_thread_slots_new(conn_new, conn_free, NULL);
    if (r->conns == NULL) {
        snprintf(err, errlen, "out of memory or thread keys");
        santa_free(r);
        return SANTA_UNAVAILABLE;
    }
    memcpy(r->host, o->host, strlen(o->host) + 1);
    memcpy(r->password, password, strlen(password) + 1);
    r->port = o->port;
    snprintf(r->password, sizeof r->password, "%s", o->password ? o->password : "");
    r->connect_tv = ms_tv(o->connect_timeout_ms ? o->connect_timeout_ms : 100);
    r->command_tv = ms_tv(o->command_timeout_ms ? o->command_timeout_ms : 100);
    r->retry_ns = (uint64_t)(o->retry_ms ? o->retry_ms : 1000) * 1000000u;
    register_metrics(r);
    *out = r;
    return SANTA_OK;
}

void cache_redis_thread_stop(struct cache_redis *r)
{
    santa_thread_slot_stop(r->conns);
}

void cache_redis_close(struct cache_redis *r)
{
    if (r == NULL)
        return;
    santa_thread_slots_free(r->conns); /* every thread's connection */
    santa_free(r);
}

/* ---- failure and reconnection ---- */

/* Drops the thread's connection after a failure and closes the gate. */
static void conn_failed(struct cache_redis *r, struct cache_conn *cn, const char *what)
{
    if (cn->c) {
        santa_log(SANTA_LOG_WARN, "cache: redis %s:%u %s failed: %s; using the store only", r->host,
                  r->port, what, cn->c->errstr[0] ? cn->c->errstr : "bad reply");
        redisFree(cn->c);
        cn->c = NULL;
    }
    atomic_fetch_add(&r->fail_gen, 1);
    atomic_store(&r->down_until_ns, santa_now_ns() + r->retry_ns);
}

/* May this thread try to connect now? Yes when Redis is believed up, or
 * when the pause is over and this thread won the race to probe. */
static bool gate_open(struct cache_redis *r)
{
    uint_fast64_t until = atomic_load(&r->down_until_ns);
    if (until == 0)
        return true;
    uint64_t now = santa_now_ns();
    if (now < until)
        return false;
    return atomic_compare_exchange_strong(&r->down_until_ns, &until, now + r->retry_ns);
}

static redisReply *command(struct cache_redis *r, struct cache_conn *cn, enum rt_op op, int argc,
                           const char **argv, const size_t *lens)
{
    struct rt t = rt_begin(op);
    redisReply *rep = redisCommandArgv(cn->c, argc, argv, lens);
    rt_end(r, &t, rep == NULL || rep->type == REDIS_REPLY_ERROR);
    return rep;
}

/* A fresh random epoch, so fills from before a flush are refused. */
static void new_epoch(char out[40])
{
    struct santa_hash h;
    if (santa_random_bytes(h.b, 16) != SANTA_OK)
        memset(h.b, 0, sizeof h.b);
    char hex[2 * SANTA_HASH_LEN + 1];
    santa_hash_to_hex(&h, hex);
    memcpy(out, hex, 32);
    out[32] = '\0';
}

/* Sets the epoch if Redis has none (a fresh or restarted Redis). */
static bool epoch_ensure(struct cache_redis *r, struct cache_conn *cn)
{
    char epoch[40];
    new_epoch(epoch);
    const char *argv[] = {"SET", EPOCH_KEY, epoch, "NX"};
    size_t lens[] = {3, strlen(EPOCH_KEY), strlen(epoch), 2};
    redisReply *rep = command(r, cn, RT_CONNECT, 4, argv, lens);
    bool ok = rep && (rep->type == REDIS_REPLY_STATUS || rep->type == REDIS_REPLY_NIL);
    if (rep)
        freeReplyObject(rep);
    return ok;
}

/* Runs FLUSHDB plus a new epoch when an invalidation was lost. */
static bool flush_if_wanted(struct cache_redis *r, struct cache_conn *cn)
{
    uint_fast64_t wanted = atomic_load(&r->flush_wanted);
    if (atomic_load(&r->flush_done) >= wanted)
        return true;
    char epoch[40];
    new_epoch(epoch);
    const char *argv[] = {"EVAL", cache_redis_flush_script, "1", EPOCH_KEY, epoch};
    size_t lens[] = {4, strlen(cache_redis_flush_script), 1, strlen(EPOCH_KEY), strlen(epoch)};
    redisReply *rep = command(r, cn, RT_FLUSH, 5, argv, lens);
    bool ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep)
        freeReplyObject(rep);
    if (!ok)
        return false;
    atomic_fetch_add(&r->flushes, 1);
    santa_log(SANTA_LOG_INFO, "cache: flushed redis after lost invalidations");
    uint_fast64_t done = atomic_load(&r->flush_done);
    while (done < wanted && !atomic_compare_exchange_weak(&r->flush_done, &done, wanted))
        ;
    return true;
}

/* AUTH with the configured password (requirepass). */
static bool authenticate(struct cache_redis *r, struct cache_conn *cn)
{
    const char *argv[] = {"AUTH", r->password};
    size_t lens[] = {4, strlen(r->password)};
    redisReply *rep = command(r, cn, RT_CONNECT, 2, argv, lens);
    bool ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    return ok;
}

static bool conn_open(struct cache_redis *r, struct cache_conn *cn)
{
    cn->born_gen = atomic_load(&r->fail_gen);
    struct rt t = rt_begin(RT_CONNECT);
    cn->c = redisConnectWithTimeout(r->host, r->port, r->connect_tv);
    bool failed = cn->c == NULL || cn->c->err;
    rt_end(r, &t, failed);
    if (cn->c == NULL)
        return false;
    if (failed || redisSetTimeout(cn->c, r->command_tv) != REDIS_OK) {
        conn_failed(r, cn, "connect");
        return false;
    }
    if (r->password[0] && !authenticate(r, cn)) {
        conn_failed(r, cn, "AUTH"); /* logs neither the password nor Redis's reply */
        return false;
    }
    if (!epoch_ensure(r, cn)) {
        conn_failed(r, cn, "SET epoch");
        return false;
    }
    atomic_fetch_add(&r->connects, 1);
    atomic_store(&r->down_until_ns, 0);
    return true;
}

/* The calling thread's working connection, or NULL (count it as an error). */
static struct cache_conn *conn_get(struct cache_redis *r)
{
    struct cache_conn *cn = santa_thread_slot(r->conns);
    if (cn == NULL)
        return NULL;
    if (cn->c && cn->born_gen < atomic_load(&r->fail_gen)) {
        redisFree(cn->c); /* made before the last failure: likely dead */
        cn->c = NULL;
    }
    if (cn->c == NULL && (!gate_open(r) || !conn_open(r, cn)))
        return NULL;
    if (!flush_if_wanted(r, cn)) {
        conn_failed(r, cn, "FLUSHDB");
        return NULL;
    }
    return cn;
}

/* ---- the three operations ---- */

/* Reads the three pipelined replies of a lookup. */
static enum cache_result read_lookup(struct cache_conn *cn, struct santa_arena *a, char **val,
                                     size_t *len, struct cache_ticket *t)
{
    redisReply *rep[3] = {NULL, NULL, NULL};
    enum cache_result res = CACHE_ERROR;
    for (int i = 0; i < 3; i++)
        if (redisGetReply(cn->c, (void **)&rep[i]) != REDIS_OK)
            goto out;
    if (rep[0]->type == REDIS_REPLY_STRING) {
        *val = santa_arena_strndup(a, rep[0]->str, rep[0]->len);
        *len = rep[0]->len;
        res = *val ? CACHE_HIT : CACHE_ERROR;
    } else if (rep[0]->type == REDIS_REPLY_NIL) {
        cache_reply_str(rep[1], t->gen, sizeof t->gen);
        cache_reply_str(rep[2], t->epoch, sizeof t->epoch);
        t->valid = t->epoch[0] != '\0' && rep[1]->type != REDIS_REPLY_ERROR;
        res = CACHE_MISS;
    }
out:
    for (int i = 0; i < 3; i++)
        if (rep[i])
            freeReplyObject(rep[i]);
    return res;
}

/* A lookup's connection, or NULL (the error counted). conn_get() runs a
 * pending flush first; a lost invalidation after it means the cache is not
 * to be trusted yet either. */
static struct cache_conn *lookup_conn(struct cache_redis *r)
{
    struct cache_conn *cn = conn_get(r);
    if (cn == NULL || atomic_load(&r->flush_done) < atomic_load(&r->flush_wanted)) {
        count_result(r, CACHE_ERROR);
        return NULL;
    }
    return cn;
}

/* Ends a lookup's round trip rt with its result: the span, the timing, the
 * count, and the connection dropped if the lookup failed. */
static enum cache_result lookup_end(struct cache_redis *r, struct cache_conn *cn, struct rt *rt,
                                    enum cache_result res, const struct cache_ticket *t)
{
    inst_span_attr(rt->span, "cache.result",
                   res == CACHE_HIT    ? "hit"
                   : res == CACHE_MISS ? "miss"
                                       : "error");
    rt_end(r, rt, res == CACHE_ERROR);
    if (res == CACHE_ERROR)
        conn_failed(r, cn, "lookup");
    else if (res == CACHE_MISS && t->epoch[0] == '\0' && !epoch_ensure(r, cn))
        conn_failed(r, cn, "SET epoch"); /* epoch gone (FLUSHALL by hand?): set a new one */
    count_result(r, res);
    return res;
}

enum cache_result cache_redis_get(struct cache_redis *r, const char *key, const char *field,
                                  const char *gen_key, struct santa_arena *a, char **val,
                                  size_t *len, struct cache_ticket *t)
{
    t->valid = false;
    *val = NULL;
    *len = 0;
    struct cache_conn *cn = lookup_conn(r);
    if (cn == NULL)
        return CACHE_ERROR;
    struct rt rt = rt_begin(RT_GET);
    if (field)
        redisAppendCommand(cn->c, "HGET %s %s", key, field);
    else
        redisAppendCommand(cn->c, "GET %s", key);
    redisAppendCommand(cn->c, "GET %s", gen_key);
    redisAppendCommand(cn->c, "GET %s", EPOCH_KEY);
    enum cache_result res = read_lookup(cn, a, val, len, t);
    return lookup_end(r, cn, &rt, res, t);
}

/* Two fields in one round trip, by a script (see cache_redis.h). */
enum cache_result cache_redis_get_ref(struct cache_redis *r, const char *key, const char *field,
                                      const char *ref_member, const char *ref_prefix,
                                      const char *gen_key, struct santa_arena *a, char **val,
                                      size_t *len, char **val2, size_t *len2,
                                      struct cache_ticket *t)
{
    t->valid = false;
    *val = *val2 = NULL;
    *len = *len2 = 0;
    struct cache_conn *cn = lookup_conn(r);
    if (cn == NULL)
        return CACHE_ERROR;
    enum { REF_ARGS = 9 };
    const char *argv[REF_ARGS] = {
        "EVAL",    cache_redis_get_ref_script, "3", key, gen_key, EPOCH_KEY, field, ref_member,
        ref_prefix};
    size_t lens[REF_ARGS];
    for (int i = 0; i < REF_ARGS; i++)
        lens[i] = strlen(argv[i]);
    struct rt rt = rt_begin(RT_GET);
    redisReply *rep = redisCommandArgv(cn->c, REF_ARGS, argv, lens);
    enum cache_result res = cache_reply_ref(rep, a, val, len, val2, len2, t);
    if (rep)
        freeReplyObject(rep);
    return lookup_end(r, cn, &rt, res, t);
}

void cache_redis_count(struct cache_redis *r, enum cache_result res)
{
    count_result(r, res);
}

enum cache_result cache_redis_get_principal(struct cache_redis *r, const char *key,
                                            const char *gen_key, const char *const prefixes[5],
                                            struct santa_arena *a, char **val, size_t *len,
                                            struct cache_ticket *t, struct cache_reveal *rv)
{
    memset(rv, 0, sizeof *rv);
    t->valid = false;
    *val = NULL;
    *len = 0;
    struct cache_conn *cn = lookup_conn(r);
    if (cn == NULL)
        return CACHE_ERROR;
    enum { P_ARGS = 11 };
    const char *argv[P_ARGS] = {"EVAL",      cache_redis_get_principal_script,
                                "3",         key,
                                gen_key,     EPOCH_KEY,
                                prefixes[0], prefixes[1],
                                prefixes[2], prefixes[3],
                                prefixes[4]};
    size_t lens[P_ARGS];
    for (int i = 0; i < P_ARGS; i++)
        lens[i] = strlen(argv[i]);
    struct rt rt = rt_begin(RT_GET);
    redisReply *rep = redisCommandArgv(cn->c, P_ARGS, argv, lens);
    enum cache_result res = CACHE_ERROR;
    bool shape = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 8;
    for (size_t i = 0; shape && i < 8; i++)
        shape =
            rep->element[i]->type == REDIS_REPLY_STRING || rep->element[i]->type == REDIS_REPLY_NIL;
    if (shape && cache_reply_take(rep->element[0], a, val, len)) {
        res = CACHE_HIT;
        cache_reply_reveal(rep->element + 3, rep->element[2], a, rv);
    } else if (shape && rep->element[0]->type == REDIS_REPLY_NIL) {
        cache_reply_str(rep->element[1], t->gen, sizeof t->gen);
        cache_reply_str(rep->element[2], t->epoch, sizeof t->epoch);
        t->valid = t->epoch[0] != '\0';
        res = CACHE_MISS;
    }
    if (rep)
        freeReplyObject(rep);
    return lookup_end(r, cn, &rt, res, t);
}

void cache_redis_fill(struct cache_redis *r, const struct cache_ticket *t, const char *gen_key,
                      const char *key, const char *field, const char *val, size_t len,
                      uint32_t ttl_ms)
{
    if (!t->valid)
        return;
    struct cache_conn *cn = conn_get(r);
    if (cn == NULL) {
        count_result(r, CACHE_ERROR);
        return;
    }
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%u", ttl_ms ? ttl_ms : 1u);
    const char *f = field ? field : "";
    enum { FILL_ARGS = 11, FILL_VAL = 9 };
    const char *argv[FILL_ARGS] = {
        "EVAL", cache_redis_fill_script, "3", gen_key, EPOCH_KEY, key, t->gen, t->epoch, f, val,
        ttl};
    size_t lens[FILL_ARGS];
    for (int i = 0; i < FILL_ARGS; i++)
        lens[i] = i == FILL_VAL ? len : strlen(argv[i]); /* the value may hold any byte */
    redisReply *rep = command(r, cn, RT_FILL, FILL_ARGS, argv, lens);
    if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
        conn_failed(r, cn, "fill");
        count_result(r, CACHE_ERROR);
    } else {
        atomic_fetch_add(rep->integer == 1 ? &r->fills : &r->fills_refused, 1);
    }
    if (rep)
        freeReplyObject(rep);
}

void cache_redis_ticket(struct cache_redis *r, const char *gen_key, struct cache_ticket *t)
{
    t->valid = false;
    struct cache_conn *cn = conn_get(r);
    if (cn == NULL || atomic_load(&r->flush_done) < atomic_load(&r->flush_wanted))
        return;
    struct rt rt = rt_begin(RT_GET);
    redisAppendCommand(cn->c, "GET %s", gen_key);
    redisAppendCommand(cn->c, "GET %s", EPOCH_KEY);
    redisReply *rep[2] = {NULL, NULL};
    bool ok = redisGetReply(cn->c, (void **)&rep[0]) == REDIS_OK &&
              redisGetReply(cn->c, (void **)&rep[1]) == REDIS_OK &&
              rep[0]->type != REDIS_REPLY_ERROR && rep[1]->type != REDIS_REPLY_ERROR;
    if (ok) {
        cache_reply_str(rep[0], t->gen, sizeof t->gen);
        cache_reply_str(rep[1], t->epoch, sizeof t->epoch);
        t->valid = t->epoch[0] != '\0';
    }
    for (int i = 0; i < 2; i++)
        if (rep[i])
            freeReplyObject(rep[i]);
    rt_end(r, &rt, !ok);
    if (!ok)
        conn_failed(r, cn, "ticket");
}

#define INVALIDATE_MAX_KEYS 8

bool cache_redis_invalidate_ticket(struct cache_redis *r, const char *gen_key,
                                   const char *const *keys, size_t n, const char *field,
                                   struct cache_ticket *t)
{
    bool ok = false;
    if (t)
        t->valid = false;
    struct cache_conn *cn = n <= INVALIDATE_MAX_KEYS ? conn_get(r) : NULL;
    if (cn) {
        char nkeys[8];
        snprintf(nkeys, sizeof nkeys, "%zu", n + 2);
        enum { FIXED = 5 }; /* EVAL script numkeys gen epoch */
        const char *argv[FIXED + INVALIDATE_MAX_KEYS + 2] = {"EVAL", cache_redis_invalidate_script,
                                                             nkeys, gen_key, EPOCH_KEY};
        size_t lens[FIXED + INVALIDATE_MAX_KEYS + 2];
        for (size_t i = 0; i < n; i++)
            argv[FIXED + i] = keys[i];
        argv[FIXED + n] = GEN_TTL_MS;
        argv[FIXED + n + 1] = field ? field : "";
        for (size_t i = 0; i < FIXED + n + 2; i++)
            lens[i] = strlen(argv[i]);
        redisReply *rep = command(r, cn, RT_INVALIDATE, (int)(FIXED + n + 2), argv, lens);
        ok = cache_reply_invalidated(rep, t);
        if (rep)
            freeReplyObject(rep);
        if (!ok)
            conn_failed(r, cn, "invalidate");
    }
    if (ok) {
        atomic_fetch_add(&r->invalidations, 1);
        /* A lost invalidation still pending: nothing is filled until the
         * flush (reads skip the cache for the same reason). */
        if (t && atomic_load(&r->flush_done) < atomic_load(&r->flush_wanted))
            t->valid = false;
    } else {
        /* The old entries may still be there: distrust the whole cache. */
        atomic_fetch_add(&r->flush_wanted, 1);
        count_result(r, CACHE_ERROR);
    }
    return ok;
}

bool cache_redis_invalidate(struct cache_redis *r, const char *gen_key, const char *const *keys,
                            size_t n, const char *field)
{
    return cache_redis_invalidate_ticket(r, gen_key, keys, n, field, NULL);
}

bool cache_redis_ping(struct cache_redis *r)
{
    struct cache_conn *cn = conn_get(r);
    if (cn == NULL)
        return false;
    const char *argv[] = {"PING"};
    size_t lens[] = {4};
    redisReply *rep = command(r, cn, RT_GET, 1, argv, lens);
    bool ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    if (!ok)
        conn_failed(r, cn, "PING");
    return ok;
}

void cache_redis_stats(struct cache_redis *r, struct cache_stats *out)
{
    out->hits = atomic_load(&r->hits);
    out->misses = atomic_load(&r->misses);
    out->errors = atomic_load(&r->errors);
    out->fills = atomic_load(&r->fills);
    out->fills_refused = atomic_load(&r->fills_refused);
    out->invalidations = atomic_load(&r->invalidations);
    out->flushes = atomic_load(&r->flushes);
    out->connects = atomic_load(&r->connects);
    out->roundtrips = atomic_load(&r->roundtrips);
    out->roundtrip_ns = atomic_load(&r->roundtrip_ns);
    out->misses_view = out->misses_principal = out->misses_assignment = 0; /* the store's */
}
