/*
 * queue_redis.c - the reminder queue in a Redis stream (queue_redis.h).
 */
#include "queue_redis.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "santa/alloc.h"
#include "santa/log.h"

#define STREAM "santa:reminders"
#define RETRY "santa:reminders:retry"
#define DEAD "santa:reminders:dead"
#define GROUP "senders"
/* The longest job JSON encode() can write: every field of struct santa_job
 * at its longest, each byte escaped to 6 ("\u001f"), and the keys. */
#define JOB_JSON_MAX (6 * sizeof(struct santa_job) + 256)

/* Moves up to ARGV[2] retries due by ARGV[1] (ms) back into the stream,
 * atomically: two workers never move the same job. */
static const char move_due_lua[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, "
    "tonumber(ARGV[2]))\n"
    "for _, job in ipairs(due) do\n"
    "  redis.call('XADD', KEYS[2], '*', 'job', job)\n"
    "  redis.call('ZREM', KEYS[1], job)\n"
    "end\n"
    "return #due\n";

struct redis_queue {
    struct santa_queue base;
    redisContext *c; /* NULL while disconnected: the next call reconnects */
    char host[64];
    uint16_t port;
    char password[128]; /* AUTH after every connect; "" = none */
    uint32_t timeout_ms;
    const struct santa_worker_config *w;
    uint32_t batch_cmds; /* commands appended since batch_begin's MULTI */
    bool batch_ok;       /* false: an XADD could not be encoded; batch_end discards */
    char json[JOB_JSON_MAX]; /* encode()'s output: one job at a time */
};

static struct redis_queue *queue_of(struct santa_queue *q)
{
    return (struct redis_queue *)q;
}

static void drop(struct redis_queue *q, const char *why)
{
    santa_log(SANTA_LOG_WARN, "queue redis %s:%u: %s", q->host, (unsigned)q->port,
              q->c && q->c->err ? q->c->errstr : why);
    if (q->c)
        redisFree(q->c);
    q->c = NULL;
}

static bool connect_(struct redis_queue *q, char *err, size_t errlen)
{
    if (q->c)
        return true;
    struct timeval tv = {q->timeout_ms / 1000, (q->timeout_ms % 1000) * 1000};
    q->c = redisConnectWithTimeout(q->host, q->port, tv);
    if (!q->c || q->c->err || redisSetTimeout(q->c, tv) != REDIS_OK) {
        snprintf(err, errlen, "cannot reach Redis at %s:%u: %s", q->host, (unsigned)q->port,
                 q->c ? q->c->errstr : "out of memory");
        if (q->c)
            redisFree(q->c);
        q->c = NULL;
        return false;
    }
    if (q->password[0]) { /* a Redis with requirepass (deploy/local, the containers) */
        redisReply *a = redisCommand(q->c, "AUTH %s", q->password);
        bool authed = a && a->type == REDIS_REPLY_STATUS;
        /* Redis's words, never the password. */
        snprintf(err, errlen, "Redis at %s:%u refused AUTH: %s", q->host, (unsigned)q->port,
                 a && a->type == REDIS_REPLY_ERROR ? a->str : q->c->errstr);
        if (a)
            freeReplyObject(a);
        if (!authed) {
            redisFree(q->c);
            q->c = NULL;
            return false;
        }
        err[0] = '\0';
    }
    /* The queue's own logical database: the cache's recovery runs FLUSHDB
     * on database 0 (cache_redis.c), which must not take the queue along. */
    redisReply *r = redisCommand(q->c, "SELECT %d", REDIS_QUEUE_DB);
    bool selected = r && r->type != REDIS_REPLY_ERROR;
    if (r)
        freeReplyObject(r);
    if (!selected) {
        snprintf(err, errlen, "cannot select Redis database %d: %s", REDIS_QUEUE_DB,
                 q->c->errstr[0] ? q->c->errstr : "refused");
        redisFree(q->c);
        q->c = NULL;
        return false;
    }
    /* From id 0: entries added before the group existed are read too. */
    r = redisCommand(q->c, "XGROUP CREATE %s %s 0 MKSTREAM", STREAM, GROUP);
    bool ok = r && (r->type != REDIS_REPLY_ERROR || strncmp(r->str, "BUSYGROUP", 9) == 0);
    if (!ok)
        snprintf(err, errlen, "cannot create the consumer group: %s",
                 r ? r->str : q->c->errstr);
    if (r)
        freeReplyObject(r);
    if (!ok) {
        redisFree(q->c);
        q->c = NULL;
    }
    return ok;
}

/* One command; NULL (logged) on an error reply or a lost connection. */
static redisReply *command(struct redis_queue *q, const char *fmt, ...)
{
    char err[256];
    if (!connect_(q, err, sizeof err)) {
        santa_log(SANTA_LOG_WARN, "queue redis: %s", err);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(q->c, fmt, ap);
    va_end(ap);
    if (!r) {
        drop(q, "no answer");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        santa_log(SANTA_LOG_WARN, "queue redis: %s", r->str);
        /* The stream or its group is gone (a flush, a Redis restarted
         * without persistence): reconnecting creates them again. */
        if (strncmp(r->str, "NOGROUP", 7) == 0)
            drop(q, "the consumer group is gone: creating it again");
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* Reads the replies of `n` pipelined commands (MULTI ... EXEC); true when
 * the last one, EXEC's, is an array (the transaction ran). */
static bool read_exec(struct redis_queue *q, uint32_t n)
{
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(q->c, (void **)&r) != REDIS_OK || !r) {
            drop(q, "no answer");
            return false;
        }
        if (r->type == REDIS_REPLY_ERROR && ok) {
            santa_log(SANTA_LOG_WARN, "queue redis: reply %u of %u: %s", i + 1, n, r->str);
            ok = i + 1 < n; /* queued commands' errors show again in EXEC's answer */
        }
        if (i + 1 == n && r->type != REDIS_REPLY_ARRAY) {
            santa_log(SANTA_LOG_WARN, "queue redis: transaction failed: %s (reply type %d)",
                      r->type == REDIS_REPLY_ERROR ? r->str : "not run", r->type);
            ok = false;
        }
        freeReplyObject(r);
    }
    return ok;
}

/* ---- jobs as JSON ------------------------------------------------------ */

/* A job's JSON, written by hand rather than by json_pack + json_dumps: a
 * batch encodes 10,000 of them inside POST .../reminders, and jansson's
 * object tree (a dozen allocations per job) was 40% of that request's CPU.
 * Every field is bounded by struct santa_job, and one escaped byte takes at
 * most 6 ("\u001f"), hence JOB_JSON_MAX. decode() reads it with jansson. */

struct job_json {
    char *p, *end;
};

static void put_raw(struct job_json *o, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(o->end - o->p) > n) {
        memcpy(o->p, s, n);
        o->p += n;
    } else {
        o->p = o->end; /* cannot happen within JOB_JSON_MAX; encode() checks */
    }
}

/* ,"key":"escaped value" (no comma before the first member). */
static void put_str(struct job_json *o, const char *key, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    put_raw(o, key);
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        if (o->end - o->p < 8) {
            o->p = o->end; /* no room: encode() sees it and fails */
            return;
        }
        if (*c == '"' || *c == '\\') {
            *o->p++ = '\\';
            *o->p++ = (char)*c;
        } else if (*c < 0x20) {
            memcpy(o->p, "\\u00", 4);
            o->p[4] = hex[*c >> 4];
            o->p[5] = hex[*c & 15];
            o->p += 6;
        } else {
            *o->p++ = (char)*c; /* UTF-8 as it is: the API accepted only valid text */
        }
    }
    put_raw(o, "\"");
}

/* Writes j (with `attempts`) into buf[JOB_JSON_MAX]; returns its length,
 * 0 if it did not fit (a bug: the bound covers every field). */
static size_t encode(const struct santa_job *j, uint32_t attempts, char *buf)
{
    struct job_json o = {buf, buf + JOB_JSON_MAX - 1};
    char num[64];
    put_str(&o, "{\"k\":\"", j->key);
    put_str(&o, ",\"x\":\"", j->exchange_id);
    put_str(&o, ",\"xn\":\"", j->exchange_name);
    put_str(&o, ",\"b\":\"", j->budget);
    put_str(&o, ",\"d\":\"", j->exchange_date);
    put_str(&o, ",\"p\":\"", j->participant_id);
    put_str(&o, ",\"n\":\"", j->to_name);
    put_str(&o, ",\"e\":\"", j->to_email);
    snprintf(num, sizeof num, ",\"a\":%" PRIu32 ",\"q\":%" PRId64, attempts, j->queued_ms);
    put_raw(&o, num);
    put_str(&o, ",\"tp\":\"", j->traceparent);
    put_raw(&o, "}");
    if (o.p >= o.end)
        return 0;
    *o.p = '\0';
    return (size_t)(o.p - buf);
}

static void copy(char *dst, size_t cap, json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    snprintf(dst, cap, "%s", v ? v : "");
}

static bool decode(const char *id, const char *s, size_t len, struct santa_job *j)
{
    json_t *o = json_loadb(s, len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return false;
    }
    memset(j, 0, sizeof *j);
    snprintf(j->id, sizeof j->id, "%s", id);
    copy(j->key, sizeof j->key, o, "k");
    copy(j->exchange_id, sizeof j->exchange_id, o, "x");
    copy(j->exchange_name, sizeof j->exchange_name, o, "xn");
    copy(j->budget, sizeof j->budget, o, "b");
    copy(j->exchange_date, sizeof j->exchange_date, o, "d");
    copy(j->participant_id, sizeof j->participant_id, o, "p");
    copy(j->to_name, sizeof j->to_name, o, "n");
    copy(j->to_email, sizeof j->to_email, o, "e");
    copy(j->traceparent, sizeof j->traceparent, o, "tp");
    j->attempts = (uint32_t)json_integer_value(json_object_get(o, "a")) + 1;
    j->queued_ms = (int64_t)json_integer_value(json_object_get(o, "q"));
    json_decref(o);
    return j->key[0] && j->to_email[0];
}

/* Appends the stream entries of `entries` (XREADGROUP / XAUTOCLAIM shape:
 * [id, [field, value, ...]]) to jobs. An entry that does not decode is
 * dead-lettered as it is, so it cannot come back forever. */
static void take_entries(struct redis_queue *q, const redisReply *entries,
                         struct santa_job *jobs, uint32_t max, uint32_t *n)
{
    for (size_t i = 0; i < entries->elements && *n < max; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
            e->element[1]->type != REDIS_REPLY_ARRAY)
            continue; /* deleted meanwhile */
        const redisReply *f = e->element[1];
        const char *id = e->element[0]->str;
        bool ok = false;
        for (size_t k = 0; k + 1 < f->elements && !ok; k += 2)
            if (strcmp(f->element[k]->str, "job") == 0)
                ok = decode(id, f->element[k + 1]->str, f->element[k + 1]->len, &jobs[*n]);
        if (ok) {
            (*n)++;
        } else {
            santa_log(SANTA_LOG_ERROR, "queue redis: entry %s is not a job: dead-lettered", id);
            redisReply *r = command(q, "XADD %s * bad %s", DEAD, id);
            if (r)
                freeReplyObject(r);
            r = command(q, "XACK %s %s %s", STREAM, GROUP, id);
            if (r)
                freeReplyObject(r);
        }
    }
}

/* ---- the queue operations ---------------------------------------------- */

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs,
                                     uint32_t max, uint32_t *n)
{
    struct redis_queue *q = queue_of(base);
    *n = 0;
    redisReply *r = command(q, "EVAL %s 2 %s %s %lld %u", move_due_lua, RETRY, STREAM,
                            (long long)santa_wall_ms(), max);
    if (!r)
        return SANTA_UNAVAILABLE;
    freeReplyObject(r);
    /* A dead consumer's entries first: they have waited longest. */
    r = command(q, "XAUTOCLAIM %s %s %s %u 0-0 COUNT %u", STREAM, GROUP, q->w->name,
                q->w->lease_ms, max);
    if (!r)
        return SANTA_UNAVAILABLE;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[1]->type == REDIS_REPLY_ARRAY)
        take_entries(q, r->element[1], jobs, max, n);
    freeReplyObject(r);
    if (*n == max)
        return SANTA_OK;
    r = command(q, "XREADGROUP GROUP %s %s COUNT %u STREAMS %s >", GROUP, q->w->name, max - *n,
                STREAM);
    if (!r)
        return *n ? SANTA_OK : SANTA_UNAVAILABLE;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 2)
        take_entries(q, r->element[0]->element[1], jobs, max, n);
    freeReplyObject(r);
    return SANTA_OK;
}

static enum santa_status queue_done(struct santa_queue *base, const struct santa_job *j)
{
    struct redis_queue *q = queue_of(base);
    char err[256];
    if (!connect_(q, err, sizeof err))
        return SANTA_UNAVAILABLE;
    redisAppendCommand(q->c, "MULTI");
    redisAppendCommand(q->c, "XACK %s %s %s", STREAM, GROUP, j->id);
    redisAppendCommand(q->c, "XDEL %s %s", STREAM, j->id);
    redisAppendCommand(q->c, "EXEC");
    return read_exec(q, 4) ? SANTA_OK : SANTA_UNAVAILABLE;
}

static enum santa_status queue_fail(struct santa_queue *base, const struct santa_job *j,
                                    bool dead, uint32_t delay_ms, const char *error)
{
    struct redis_queue *q = queue_of(base);
    char err[256];
    size_t len = encode(j, j->attempts, q->json);
    if (len == 0 || !connect_(q, err, sizeof err))
        return SANTA_UNAVAILABLE;
    redisAppendCommand(q->c, "MULTI");
    redisAppendCommand(q->c, "XACK %s %s %s", STREAM, GROUP, j->id);
    redisAppendCommand(q->c, "XDEL %s %s", STREAM, j->id);
    if (dead)
        redisAppendCommand(q->c, "XADD %s * job %b error %s", DEAD, q->json, len, error);
    else
        redisAppendCommand(q->c, "ZADD %s %lld %b", RETRY,
                           (long long)(santa_wall_ms() + delay_ms), q->json, len);
    redisAppendCommand(q->c, "EXEC");
    return read_exec(q, 5) ? SANTA_OK : SANTA_UNAVAILABLE;
}

static enum santa_status queue_stats(struct santa_queue *base, uint64_t *depth,
                                     uint64_t *oldest_age_ms)
{
    struct redis_queue *q = queue_of(base);
    *depth = *oldest_age_ms = 0;
    redisReply *a = command(q, "XLEN %s", STREAM);
    redisReply *b = a ? command(q, "ZCARD %s", RETRY) : NULL;
    redisReply *c = b ? command(q, "XRANGE %s - + COUNT 1", STREAM) : NULL;
    enum santa_status st = c ? SANTA_OK : SANTA_UNAVAILABLE;
    if (c) {
        *depth = (uint64_t)a->integer + (uint64_t)b->integer;
        struct santa_job j;
        if (c->elements == 1 && c->element[0]->elements >= 2) {
            const redisReply *f = c->element[0]->element[1];
            if (f->elements >= 2 && decode("", f->element[1]->str, f->element[1]->len, &j)) {
                int64_t age = santa_wall_ms() - j.queued_ms;
                *oldest_age_ms = age > 0 ? (uint64_t)age : 0;
            }
        }
    }
    if (a)
        freeReplyObject(a);
    if (b)
        freeReplyObject(b);
    if (c)
        freeReplyObject(c);
    return st;
}

static void queue_close(struct santa_queue *base)
{
    struct redis_queue *q = queue_of(base);
    if (q->c)
        redisFree(q->c);
    santa_free(q);
}

static const struct santa_queue_ops redis_queue_ops = {
    .name = "redis",
    .claim = queue_claim,
    .done = queue_done,
    .fail = queue_fail,
    .stats = queue_stats,
    .close = queue_close,
};

enum santa_status redis_queue_open(const struct redis_queue_options *o, struct santa_queue **out,
                                   char *err, size_t errlen)
{
    *out = NULL;
    struct redis_queue *q = santa_calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &redis_queue_ops;
    snprintf(q->host, sizeof q->host, "%s", o->host);
    snprintf(q->password, sizeof q->password, "%s", o->password ? o->password : "");
    q->port = o->port;
    q->timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
    q->w = o->worker;
    if (!connect_(q, err, errlen)) {
        if (q->w) { /* a worker without its queue has nothing to do */
            santa_free(q);
            return SANTA_UNAVAILABLE;
        }
        /* The web server starts without Redis, as the cache lets it: until
         * Redis is back, POST .../reminders answers 503. */
        santa_log(SANTA_LOG_WARN, "queue redis: %s (reminders answer 503 until it is up)", err);
    }
    *out = &q->base;
    return SANTA_OK;
}

enum santa_status redis_queue_batch_begin(struct santa_queue *base)
{
    struct redis_queue *q = queue_of(base);
    char err[256];
    if (!connect_(q, err, sizeof err)) {
        santa_log(SANTA_LOG_WARN, "queue redis: %s", err);
        return SANTA_UNAVAILABLE;
    }
    /* Appended only: hiredis sends the whole pipeline at the first read,
     * in batch_end. */
    redisAppendCommand(q->c, "MULTI");
    q->batch_cmds = 1;
    q->batch_ok = true;
    return SANTA_OK;
}

enum santa_status redis_queue_batch_add(struct santa_queue *base, const struct santa_job *j)
{
    struct redis_queue *q = queue_of(base);
    size_t len = q->batch_ok ? encode(j, 0, q->json) : 0;
    if (len == 0) {
        q->batch_ok = false; /* batch_end discards */
        return SANTA_UNAVAILABLE;
    }
    redisAppendCommand(q->c, "XADD %s * job %b", STREAM, q->json, len);
    q->batch_cmds++;
    return SANTA_OK;
}

enum santa_status redis_queue_batch_end(struct santa_queue *base, bool commit)
{
    struct redis_queue *q = queue_of(base);
    bool run = commit && q->batch_ok;
    /* DISCARD: the queued XADDs never run; the replies are read either way,
     * so the connection is clean for the next batch. */
    redisAppendCommand(q->c, run ? "EXEC" : "DISCARD");
    bool ok = read_exec(q, q->batch_cmds + 1);
    q->batch_cmds = 0;
    return ok && run ? SANTA_OK : SANTA_UNAVAILABLE;
}
