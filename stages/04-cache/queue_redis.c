/*
 * queue_redis.c - the reminder queue in a Redis stream (queue_redis.h):
 * connecting, jobs as JSON, the queue operations, and expanding a batch.
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
#include "santa/store.h"

#define STREAM "santa:reminders"
#define RETRY "santa:reminders:retry"
#define DEAD "santa:reminders:dead"
#define GROUP "senders"
#define BATCHED "santa:reminders:batched" /* hash: entries, mails of unexpanded batches */
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

/* The queue's depth: mails waiting in the stream or the retry set. A batch
 * entry stands for its mails, kept in BATCHED with the entries themselves
 * in the same MULTI/EXEC as every XADD and XDEL of a batch. */
static const char depth_lua[] =
    "local h = redis.call('HMGET', KEYS[3], 'entries', 'mails')\n"
    "return redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])"
    " - (tonumber(h[1]) or 0) + (tonumber(h[2]) or 0)\n";

struct redis_queue {
    struct santa_queue base;
    redisContext *c; /* NULL while disconnected: the next call reconnects */
    char host[64];
    uint16_t port;
    char password[128]; /* AUTH after every connect; "" = none */
    uint32_t timeout_ms;
    const struct santa_worker_config *w;
    struct santa_store *store; /* a worker's: lists a batch's participants; owned */
    uint32_t tx_cmds;    /* commands appended since tx_begin's MULTI */
    bool tx_ok;          /* false: a command could not be appended; tx_end discards */
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

/* Reads every field of a job's JSON (a batch's too: no participant). */
static bool decode_fields(const char *id, const char *s, size_t len, struct santa_job *j)
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
    return true;
}

/* A mail's job: it needs its key and an address. */
static bool decode(const char *id, const char *s, size_t len, struct santa_job *j)
{
    return decode_fields(id, s, len, j) && j->key[0] && j->to_email[0];
}

/* ---- one MULTI/EXEC, fed one command at a time ---------------------------
 * tx_begin connects and appends MULTI; tx_cmd and tx_job append
 * (hiredis sends the whole pipeline at the first read); tx_end appends
 * EXEC (commit and every command could be written) or DISCARD, and reads
 * every answer. SANTA_OK from tx_end: all of it ran; anything else: none
 * of it. After tx_begin succeeds, tx_end must follow before anything
 * else uses the handle. */

static enum santa_status tx_begin(struct redis_queue *q)
{
    char err[256];
    if (!connect_(q, err, sizeof err)) {
        santa_log(SANTA_LOG_WARN, "queue redis: %s", err);
        return SANTA_UNAVAILABLE;
    }
    redisAppendCommand(q->c, "MULTI");
    q->tx_cmds = 1;
    q->tx_ok = true;
    return SANTA_OK;
}

static void tx_cmd(struct redis_queue *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (redisvAppendCommand(q->c, fmt, ap) == REDIS_OK)
        q->tx_cmds++;
    else
        q->tx_ok = false;
    va_end(ap);
}

/* XADD of one mail's job (j is copied: it may be reused at once). */
static enum santa_status tx_job(struct redis_queue *q, const struct santa_job *j)
{
    size_t len = q->tx_ok ? encode(j, 0, q->json) : 0;
    if (len == 0) {
        q->tx_ok = false;
        return SANTA_UNAVAILABLE;
    }
    tx_cmd(q, "XADD %s * job %b", STREAM, q->json, len);
    return SANTA_OK;
}

static enum santa_status tx_end(struct redis_queue *q, bool commit)
{
    bool run = commit && q->tx_ok;
    /* DISCARD: the queued commands never run; the replies are read either
     * way, so the connection is clean for the next batch. */
    redisAppendCommand(q->c, run ? "EXEC" : "DISCARD");
    bool ok = read_exec(q, q->tx_cmds + 1);
    q->tx_cmds = 0;
    return ok && run ? SANTA_OK : SANTA_UNAVAILABLE;
}

/* ---- expanding a batch ------------------------------------------------- */

/* Appends one mail's XADD per participant of the exchange, read from the
 * store page by page (SANTA_PAGE_MAX at a time): one job struct and one
 * page in memory, whatever the exchange's size. j is the batch's template
 * (the exchange's fields); each participant changes only its own four. */
static enum santa_status add_participants(struct redis_queue *q, struct santa_job *j,
                                          const char *batch, uint32_t *n)
{
    struct santa_arena a;
    enum santa_status st = SANTA_OK;
    uint64_t after = 0;
    while (st == SANTA_OK) {
        struct santa_participant_page page;
        santa_arena_init(&a, 64u << 20);
        st = q->store->ops->participant_list(q->store, j->exchange_id, after, SANTA_PAGE_MAX, &a,
                                             &page);
        for (uint32_t i = 0; st == SANTA_OK && i < page.count; i++) {
            const struct santa_participant *p = &page.items[i];
            /* The batch id and the participant name the mail: a redelivered
             * job keeps its Message-ID. */
            snprintf(j->key, sizeof j->key, "reminder.%s.%s", batch, p->id);
            snprintf(j->participant_id, sizeof j->participant_id, "%s", p->id);
            snprintf(j->to_name, sizeof j->to_name, "%s", p->name);
            snprintf(j->to_email, sizeof j->to_email, "%s", p->email);
            st = tx_job(q, j);
            *n += st == SANTA_OK;
        }
        bool last = st != SANTA_OK || page.next_seq == 0;
        after = st == SANTA_OK ? page.next_seq : 0;
        santa_arena_release(&a);
        if (last)
            break;
    }
    return st;
}

/* Batch entry `id` becomes one entry per participant the store lists now,
 * in ONE MULTI/EXEC that also acknowledges and deletes it and takes its
 * mails off BATCHED: a worker killed before EXEC leaves the batch pending
 * (XAUTOCLAIM hands it to another worker after the lease) and no mail
 * entry, so expansion adds each mail once. Not paged: the whole expansion
 * of 10,000 mails took the worker 96-167 ms, of 90,082 1.1 s
 * (stages/04-cache/README.md); paging would trade that for duplicates
 * after a kill between pages. Traced as "expand", a child of the enqueuing
 * request's span; the mails keep the request's traceparent, so their spans
 * stay children of its store span. */
static void expand(struct redis_queue *q, const char *id, const struct santa_job *tmpl,
                   long long mails_queued)
{
    struct santa_job j = *tmpl;
    char batch[SANTA_ID_LEN + 1]; /* take_entries checked its length */
    memcpy(batch, tmpl->key, SANTA_ID_LEN);
    batch[SANTA_ID_LEN] = '\0';
    struct santa_expand_trace t;
    santa_worker_expand_begin(&t, j.traceparent, "stream add", j.exchange_id);
    uint32_t n = 0;
    enum santa_status st = q->store ? tx_begin(q) : SANTA_UNAVAILABLE;
    if (st == SANTA_OK) {
        st = add_participants(q, &j, batch, &n);
        tx_cmd(q, "XACK %s %s %s", STREAM, GROUP, id);
        tx_cmd(q, "XDEL %s %s", STREAM, id);
        tx_cmd(q, "HINCRBY %s entries -1", BATCHED);
        tx_cmd(q, "HINCRBY %s mails %lld", BATCHED, -mails_queued);
        enum santa_status end = tx_end(q, st == SANTA_OK);
        if (st == SANTA_OK)
            st = end;
    }
    santa_worker_expand_end(&t, n, st == SANTA_OK);
    if (st == SANTA_OK)
        santa_log(SANTA_LOG_INFO, "expanded batch %s of exchange %s: %u mails (%lld when queued)",
                  id, j.exchange_id, n, mails_queued);
    else
        santa_log(SANTA_LOG_WARN, "batch %s not expanded (%s): taken again after the lease", id,
                  q->store ? santa_status_code(st) : "no store to list participants from");
}

/* ---- reading entries --------------------------------------------------- */

/* One stream entry's fields: a mail's "job", or a batch's "batch" and
 * "mails". */
struct entry {
    const redisReply *job, *batch;
    long long mails;
};

static void entry_fields(const redisReply *f, struct entry *e)
{
    memset(e, 0, sizeof *e);
    for (size_t k = 0; k + 1 < f->elements; k += 2) {
        const char *name = f->element[k]->str;
        const redisReply *v = f->element[k + 1];
        if (v->type != REDIS_REPLY_STRING || !name)
            continue;
        if (strcmp(name, "job") == 0)
            e->job = v;
        else if (strcmp(name, "batch") == 0)
            e->batch = v;
        else if (strcmp(name, "mails") == 0)
            e->mails = strtoll(v->str, NULL, 10);
    }
}

/* Appends the mail entries of `entries` (XREADGROUP / XAUTOCLAIM shape:
 * [id, [field, value, ...]]) to jobs, and expands the batch entries
 * (*expanded counts them). An entry that does not decode is dead-lettered
 * as it is, so it cannot come back forever. */
static void take_entries(struct redis_queue *q, const redisReply *entries, struct santa_job *jobs,
                         uint32_t max, uint32_t *n, uint32_t *expanded)
{
    for (size_t i = 0; i < entries->elements && *n < max; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
            e->element[1]->type != REDIS_REPLY_ARRAY)
            continue; /* deleted meanwhile */
        const char *id = e->element[0]->str;
        struct entry f;
        entry_fields(e->element[1], &f);
        bool ok = false;
        if (f.batch) {
            ok = decode_fields(id, f.batch->str, f.batch->len, &jobs[*n]) &&
                 strlen(jobs[*n].key) == SANTA_ID_LEN && jobs[*n].exchange_id[0];
            if (ok) {
                expand(q, id, &jobs[*n], f.mails);
                (*expanded)++;
                continue;
            }
        } else if (f.job) {
            ok = decode(id, f.job->str, f.job->len, &jobs[*n]);
        }
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

/* XREADGROUP of up to max - *n new entries; false when Redis failed. */
static bool read_new(struct redis_queue *q, struct santa_job *jobs, uint32_t max, uint32_t *n,
                     uint32_t *expanded)
{
    redisReply *r = command(q, "XREADGROUP GROUP %s %s COUNT %u STREAMS %s >", GROUP, q->w->name,
                            max - *n, STREAM);
    if (!r)
        return false;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 2)
        take_entries(q, r->element[0]->element[1], jobs, max, n, expanded);
    freeReplyObject(r);
    return true;
}

static enum santa_status queue_claim(struct santa_queue *base, struct santa_job *jobs,
                                     uint32_t max, uint32_t *n)
{
    struct redis_queue *q = queue_of(base);
    *n = 0;
    uint32_t expanded = 0;
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
        take_entries(q, r->element[1], jobs, max, n, &expanded);
    freeReplyObject(r);
    if (*n == max)
        return SANTA_OK;
    if (!read_new(q, jobs, max, n, &expanded))
        return *n ? SANTA_OK : SANTA_UNAVAILABLE;
    /* A batch just expanded took no slot: its mails are new entries now. */
    if (expanded && *n < max)
        read_new(q, jobs, max, n, &expanded);
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
    redisReply *a = command(q, "EVAL %s 3 %s %s %s", depth_lua, STREAM, RETRY, BATCHED);
    redisReply *c = a ? command(q, "XRANGE %s - + COUNT 1", STREAM) : NULL;
    enum santa_status st = c ? SANTA_OK : SANTA_UNAVAILABLE;
    if (c) {
        *depth = a->type == REDIS_REPLY_INTEGER && a->integer > 0 ? (uint64_t)a->integer : 0;
        struct santa_job j;
        /* The oldest entry, a mail's or a batch's: both carry "q". */
        if (c->elements == 1 && c->element[0]->elements >= 2) {
            const redisReply *f = c->element[0]->element[1];
            if (f->elements >= 2 && f->element[1]->type == REDIS_REPLY_STRING &&
                decode_fields("", f->element[1]->str, f->element[1]->len, &j) && j.queued_ms > 0) {
                int64_t age = santa_wall_ms() - j.queued_ms;
                *oldest_age_ms = age > 0 ? (uint64_t)age : 0;
            }
        }
    }
    if (a)
        freeReplyObject(a);
    if (c)
        freeReplyObject(c);
    return st;
}

static void queue_close(struct santa_queue *base)
{
    struct redis_queue *q = queue_of(base);
    if (q->c)
        redisFree(q->c);
    santa_store_close(q->store);
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
        santa_store_close(o->store); /* owned from the call on */
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    q->base.ops = &redis_queue_ops;
    q->store = o->store;
    snprintf(q->host, sizeof q->host, "%s", o->host);
    snprintf(q->password, sizeof q->password, "%s", o->password ? o->password : "");
    q->port = o->port;
    q->timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
    q->w = o->worker;
    if (!connect_(q, err, errlen)) {
        if (q->w) { /* a worker without its queue has nothing to do */
            queue_close(&q->base);
            return SANTA_UNAVAILABLE;
        }
        /* The web server starts without Redis, as the cache lets it: until
         * Redis is back, POST .../reminders answers 503. */
        santa_log(SANTA_LOG_WARN, "queue redis: %s (reminders answer 503 until it is up)", err);
    }
    *out = &q->base;
    return SANTA_OK;
}

enum santa_status redis_queue_add_batch(struct santa_queue *base, const struct santa_job *tmpl,
                                        uint32_t mails)
{
    struct redis_queue *q = queue_of(base);
    size_t len = encode(tmpl, 0, q->json);
    if (len == 0)
        return SANTA_UNAVAILABLE;
    enum santa_status st = tx_begin(q);
    if (st != SANTA_OK)
        return st;
    tx_cmd(q, "XADD %s * batch %b mails %u", STREAM, q->json, len, mails);
    tx_cmd(q, "HINCRBY %s entries 1", BATCHED);
    tx_cmd(q, "HINCRBY %s mails %u", BATCHED, mails);
    return tx_end(q, true);
}
