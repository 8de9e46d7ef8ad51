/*
 * test_api_cache.c - stage 04 through its HTTP API, with a real Redis.
 *
 * Usage: test_api_cache BINARY   (build/bin/santa-04-cache)
 *
 * 1. Write-then-read hammer: threads change wishlists and at once read the
 *    giver's assignment; joins are followed by the public view. Every read
 *    after a write must show that write: the cache may never answer stale.
 * 2. Fail open: streams of reads that run through Redis being killed and
 *    started again (until after the restart, bounded in time and count).
 *    Every request must succeed; the server must count the cache errors
 *    (/metrics); and once Redis is back the cache must be used again
 *    (cache hits rise, and Redis holds the entry again).
 * 3. Redis is not trusted: entries written straight into Redis (a principal
 *    for a token nobody was given, an assignment naming someone else, a
 *    genuine entry copied to another giver) are refused, and the Redis
 *    password never shows in the log, the traces or /metrics.
 * Everything runs on 127.0.0.1, bounded in requests and time.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e.h"
#include "redis_proc.h"
#include "testproc.h"
#include "santa/token.h"

#define PEOPLE 4u
#define HAMMER_ROUNDS 60u
#define STREAM_THREADS 3u

static const char *g_binary;
static char g_trace_file[96]; /* the server's spans, one Zipkin JSON object per line */
static struct redis_proc g_redis;
static struct e2e_server g_srv;

struct exchange {
    char id[64], admin[64], invite[64];
    char pid[PEOPLE][64], token[PEOPLE][64];
    unsigned recipient[PEOPLE]; /* index of whom person i gives to */
};

static void copy(char *dst, const char *src)
{
    snprintf(dst, 64, "%s", src);
}

static long call(const char *method, const char *path, const char *token, const char *body,
                 struct e2e_resp *r)
{
    if (e2e_request(&g_srv, method, path, token, body, body ? strlen(body) : 0, NULL, r) != 0)
        return -1;
    return r->status;
}

static void create(struct exchange *x)
{
    struct e2e_resp r;
    assert_int_equal(call("POST", "/api/exchanges", NULL, "{\"name\":\"Cache test\"}", &r), 201);
    copy(x->id, e2e_str(r.json, "id"));
    copy(x->admin, e2e_str(r.json, "admin_token"));
    copy(x->invite, e2e_str(r.json, "invite_code"));
    e2e_resp_free(&r);
}

static uint64_t view_count(const struct exchange *x)
{
    struct e2e_resp r;
    char path[128];
    snprintf(path, sizeof path, "/api/exchanges/%s", x->id);
    assert_int_equal(call("GET", path, NULL, NULL, &r), 200);
    json_int_t n = json_integer_value(json_object_get(r.json, "participant_count"));
    e2e_resp_free(&r);
    return (uint64_t)n;
}

static void join(struct exchange *x, unsigned i)
{
    char path[128], body[256];
    struct e2e_resp r;
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", x->id);
    snprintf(body, sizeof body,
             "{\"invite_code\":\"%s\",\"name\":\"P%u\",\"email\":\"p%u@example.org\"}", x->invite,
             i, i);
    assert_int_equal(call("POST", path, NULL, body, &r), 201);
    copy(x->pid[i], e2e_str(r.json, "id"));
    copy(x->token[i], e2e_str(r.json, "token"));
    e2e_resp_free(&r);
}

/* GET /assignment for person i: the recipient's wishlist into wish (or
 * the HTTP status when not 200). */
static long assignment(const struct exchange *x, unsigned i, char *rid, char *wish, size_t cap)
{
    char path[128];
    struct e2e_resp r;
    snprintf(path, sizeof path, "/api/exchanges/%s/assignment", x->id);
    long st = call("GET", path, x->token[i], NULL, &r);
    if (st == 200) {
        json_t *rec = json_object_get(r.json, "recipient");
        if (rid)
            copy(rid, e2e_str(rec, "id"));
        snprintf(wish, cap, "%s", e2e_str(rec, "wishlist"));
    }
    e2e_resp_free(&r);
    return st;
}

static void drawn_exchange(struct exchange *x)
{
    create(x);
    for (unsigned i = 0; i < PEOPLE; i++) {
        join(x, i);
        assert_int_equal(view_count(x), i + 1); /* the cached view follows every join */
    }
    char path[128], rid[64], wish[64];
    struct e2e_resp r;
    snprintf(path, sizeof path, "/api/exchanges/%s/draw", x->id);
    assert_int_equal(call("POST", path, x->admin, NULL, &r), 200);
    e2e_resp_free(&r);
    for (unsigned i = 0; i < PEOPLE; i++) {
        assert_int_equal(assignment(x, i, rid, wish, sizeof wish), 200);
        for (unsigned k = 0; k < PEOPLE; k++)
            if (strcmp(rid, x->pid[k]) == 0)
                x->recipient[i] = k;
    }
}

/* ---- 1. write then read ----------------------------------------------- */

struct hammer {
    const struct exchange *x;
    unsigned giver;
    unsigned stale, failed;
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    const struct exchange *x = h->x;
    unsigned rcpt = x->recipient[h->giver];
    for (unsigned k = 0; k < HAMMER_ROUNDS; k++) {
        char path[192], body[96], want[64], got[256];
        struct e2e_resp r;
        snprintf(want, sizeof want, "round %u for P%u", k, rcpt);
        snprintf(body, sizeof body, "{\"wishlist\":\"%s\"}", want);
        snprintf(path, sizeof path, "/api/exchanges/%s/participants/%s/wishlist", x->id,
                 x->pid[rcpt]);
        /* The recipient edits their own wishlist ... */
        long st = call("PUT", path, x->token[rcpt], body, &r);
        e2e_resp_free(&r);
        if (st != 200) {
            h->failed++;
            continue;
        }
        /* ... and their giver reads it at once. */
        if (assignment(x, h->giver, NULL, got, sizeof got) != 200)
            h->failed++;
        else if (strcmp(got, want) != 0)
            h->stale++;
    }
    return NULL;
}

static void test_write_then_read_never_stale(void **state)
{
    (void)state;
    struct exchange x;
    drawn_exchange(&x);
    struct hammer h[PEOPLE];
    pthread_t th[PEOPLE];
    for (unsigned i = 0; i < PEOPLE; i++) {
        h[i] = (struct hammer){.x = &x, .giver = i};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_thread, &h[i]), 0);
    }
    unsigned stale = 0, failed = 0;
    for (unsigned i = 0; i < PEOPLE; i++) {
        pthread_join(th[i], NULL);
        stale += h[i].stale;
        failed += h[i].failed;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(stale, 0);

    /* A cached read reports its Redis time. */
    char path0[160];
    struct e2e_resp r0;
    snprintf(path0, sizeof path0, "/api/exchanges/%s/assignment", x.id);
    assert_int_equal(call("GET", path0, x.token[0], NULL, &r0), 200);
    assert_non_null(strstr(r0.headers, "cache;dur="));
    e2e_resp_free(&r0);

    /* A removed participant's token stops working at once (principal cache). */
    struct exchange y;
    create(&y);
    join(&y, 0);
    join(&y, 1);
    char path[160], wish[64];
    assert_int_equal(assignment(&y, 1, NULL, wish, sizeof wish), 409); /* cached principal */
    snprintf(path, sizeof path, "/api/exchanges/%s/participants/%s", y.id, y.pid[1]);
    struct e2e_resp r;
    assert_int_equal(call("DELETE", path, y.admin, NULL, &r), 204);
    e2e_resp_free(&r);
    assert_int_equal(assignment(&y, 1, NULL, wish, sizeof wish), 401);
    assert_int_equal(view_count(&y), 1);
}

/* ---- 2. fail open ------------------------------------------------------ */

/* The streams run until the main thread says stop: through the kill, the
 * outage and the restart, whatever the machine's speed. Each thread is
 * bounded by STREAM_MAX_REQUESTS and every wait of the main thread by
 * PHASE_MAX_MS, so the test stops by itself on a machine too slow to
 * reach a phase (and then fails, saying which phase). */
#define STREAM_MAX_REQUESTS 100000u
#define PHASE_MIN_ANSWERS 30u /* per phase, over all threads */
#define PHASE_MAX_MS 20000L

enum stream_phase { BEFORE_KILL, REDIS_DOWN, AFTER_RESTART, STOP, PHASES = STOP };

struct stream_ctl {
    _Atomic int phase;
    _Atomic unsigned answered[PHASES]; /* requests started and answered in that phase */
};

struct stream {
    const struct exchange *x;
    struct stream_ctl *ctl;
    unsigned who;
    unsigned ok, failed;
};

static void *stream_thread(void *arg)
{
    struct stream *s = arg;
    for (unsigned k = 0; k < STREAM_MAX_REQUESTS; k++) {
        int phase = atomic_load(&s->ctl->phase);
        if (phase == STOP)
            break;
        char wish[256];
        bool good = assignment(s->x, s->who, NULL, wish, sizeof wish) == 200;
        if (good && k % 4 == 3)
            good = view_count(s->x) == PEOPLE;
        if (good)
            s->ok++;
        else
            s->failed++;
        /* Counted for a phase only when the whole request lay inside it:
         * an answer during REDIS_DOWN is one Redis could not have given. */
        if (atomic_load(&s->ctl->phase) == phase)
            atomic_fetch_add(&s->ctl->answered[phase], 1u);
    }
    return NULL;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits until at least `want` requests were answered within `phase` (and
 * at least min_ms passed); false after PHASE_MAX_MS. */
static bool wait_answers(struct stream_ctl *ctl, int phase, unsigned want, long min_ms)
{
    long start = now_ms();
    while (now_ms() - start < PHASE_MAX_MS) {
        if (atomic_load(&ctl->answered[phase]) >= want && now_ms() - start >= min_ms)
            return true;
        testproc_sleep_ms(10);
    }
    fprintf(stderr, "test_api_cache: phase %d: %u answers after %ld ms (wanted %u)\n", phase,
            atomic_load(&ctl->answered[phase]), PHASE_MAX_MS, want);
    return false;
}

/* santa_cache_requests_total{result="RESULT"} from GET /metrics, or -1. */
static long cache_metric(const char *result)
{
    struct e2e_resp r;
    long v = -1;
    if (call("GET", "/metrics", NULL, NULL, &r) == 200) {
        char want[96];
        snprintf(want, sizeof want, "santa_cache_requests_total{result=\"%s\"} ", result);
        const char *p = strstr(r.body, want);
        if (p)
            v = strtol(p + strlen(want), NULL, 10);
    }
    e2e_resp_free(&r);
    return v;
}

static bool log_contains(const char *needle)
{
    FILE *f = fopen(g_srv.log_path, "r");
    if (f == NULL)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void test_redis_killed_mid_stream_fails_nothing(void **state)
{
    (void)state;
    struct exchange x;
    drawn_exchange(&x);
    long errors_before = cache_metric("error");
    assert_true(errors_before >= 0);
    struct stream_ctl ctl = {.phase = BEFORE_KILL};
    struct stream s[STREAM_THREADS];
    pthread_t th[STREAM_THREADS];
    for (unsigned i = 0; i < STREAM_THREADS; i++) {
        s[i] = (struct stream){.x = &x, .ctl = &ctl, .who = i};
        assert_int_equal(pthread_create(&th[i], NULL, stream_thread, &s[i]), 0);
    }
    /* The load is running (and the cache warm) before the crash ... */
    bool running = wait_answers(&ctl, BEFORE_KILL, PHASE_MIN_ANSWERS, 100);
    atomic_store(&ctl.phase, REDIS_DOWN);
    redis_proc_kill(&g_redis); /* a crash in the middle of the stream */
    /* ... goes on being answered while Redis is gone (for at least 500 ms,
     * longer than the 100 ms Redis timeout the server was given) ... */
    bool served_down = running && wait_answers(&ctl, REDIS_DOWN, PHASE_MIN_ANSWERS, 500);
    assert_int_equal(redis_proc_restart(&g_redis), 0);
    atomic_store(&ctl.phase, AFTER_RESTART);
    /* ... and after it came back. */
    bool served_after = served_down && wait_answers(&ctl, AFTER_RESTART, PHASE_MIN_ANSWERS, 300);
    atomic_store(&ctl.phase, STOP);
    unsigned ok = 0, failed = 0;
    for (unsigned i = 0; i < STREAM_THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += s[i].ok;
        failed += s[i].failed;
    }
    assert_true(running);
    assert_true(served_down);
    assert_true(served_after);
    assert_int_equal(failed, 0);
    assert_true(ok >= 3 * PHASE_MIN_ANSWERS);
    /* The fault really hit the server under load: it noticed (and counted)
     * the lost Redis while answering the stream. */
    assert_true(log_contains("cache: redis"));
    assert_true(cache_metric("error") > errors_before);

    /* Back in use: the restarted (empty) Redis gets filled and then hit,
     * as both our counter and Redis's own (the entry is found) show. */
    long our_hits = cache_metric("hit"), now_hits = our_hits;
    for (int i = 0; i < 60 && now_hits <= our_hits; i++) {
        char wish[256];
        assert_int_equal(assignment(&x, 0, NULL, wish, sizeof wish), 200);
        now_hits = cache_metric("hit");
        testproc_sleep_ms(50);
    }
    assert_true(now_hits > our_hits);
    char key[192], reply[256];
    snprintf(key, sizeof key, "HEXISTS santa:x:%s a:%s", x.id, x.pid[0]);
    assert_true(redis_proc_command(&g_redis, key, reply, sizeof reply) > 0);
    assert_string_equal(reply, ":1\r\n");
}

/* ---- 3. Redis is not trusted ---------------------------------------------- */

/* Runs one inline command; asserts Redis took it. */
static void redis_do(const char *cmd)
{
    char reply[512];
    if (redis_proc_command(&g_redis, cmd, reply, sizeof reply) <= 0 || reply[0] == '-')
        fail_msg("redis '%s': %s", cmd, reply);
}

static void test_forged_redis_entries_are_refused(void **state)
{
    (void)state;
    struct exchange x;
    drawn_exchange(&x); /* every reveal read once: the cache holds them */
    char cmd[1024], path[160], rid[64], wish[256];

    /* A principal for a token nobody was given: organizer of x. Whoever can
     * write to Redis could mint it (the value in the codec's own format). */
    const char *forged_token = "ForgedForgedForgedForgedForgedForgedForged0";
    struct santa_hash h;
    char hex[2 * SANTA_HASH_LEN + 1];
    santa_secret_hash(forged_token, strlen(forged_token), &h);
    santa_hash_to_hex(&h, hex);
    snprintf(cmd, sizeof cmd,
             "SET santa:p:%s '{\"v\":\"1\",\"r\":\"admin\",\"x\":\"%s\",\"p\":\"\"}'", hex,
             x.id);
    redis_do(cmd);
    struct e2e_resp r;
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", x.id);
    long st = call("GET", path, forged_token, NULL, &r);
    e2e_resp_free(&r);
    if (st != 401)
        fail_msg("a principal planted in Redis was honoured: GET participants answered %ld", st);

    /* An assignment that sends person 0's gift to someone else, with a
     * wishlist to match. */
    unsigned real = x.recipient[0], other = (real + 1) % PEOPLE;
    if (other == 0)
        other = (other + 1) % PEOPLE;
    snprintf(cmd, sizeof cmd,
             "HSET santa:x:%s a:%s '{\"v\":\"2\",\"g\":\"%s\",\"gn\":\"P0\",\"r\":\"%s\","
             "\"rn\":\"Mallory\"}' w:%s '{\"v\":\"1\",\"w\":\"send it to Mallory\"}'",
             x.id, x.pid[0], x.pid[0], x.pid[other], x.pid[other]);
    redis_do(cmd);
    assert_int_equal(assignment(&x, 0, rid, wish, sizeof wish), 200);
    if (strcmp(rid, x.pid[real]) != 0 || strstr(wish, "Mallory"))
        fail_msg("an assignment planted in Redis was served: recipient %s, wishlist '%s'", rid,
                 wish);

    /* A genuine (sealed) entry moved to another giver's field: bound to its
     * place, so refused there too. */
    assert_int_equal(assignment(&x, 1, rid, wish, sizeof wish), 200); /* cached again */
    char reply[512];
    snprintf(cmd, sizeof cmd, "HGET santa:x:%s a:%s", x.id, x.pid[1]);
    assert_true(redis_proc_command(&g_redis, cmd, reply, sizeof reply) > 0);
    char *val = strchr(reply, '\n'); /* "$LEN\r\nVALUE\r\n" */
    assert_non_null(val);
    val++;
    char *end = strstr(val, "\r\n");
    assert_non_null(end);
    *end = '\0';
    assert_null(strchr(val, '\''));
    snprintf(cmd, sizeof cmd, "HSET santa:x:%s a:%s '%s'", x.id, x.pid[2], val);
    redis_do(cmd);
    assert_int_equal(assignment(&x, 2, rid, wish, sizeof wish), 200);
    assert_string_equal(rid, x.pid[x.recipient[2]]);
    /* The refusals are logged (without values). */
    assert_true(log_contains("failed their MAC check"));
}

/* True when the file at path contains needle. */
static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void test_password_never_shown(void **state)
{
    (void)state;
    struct e2e_resp r;
    assert_int_equal(call("GET", "/metrics", NULL, NULL, &r), 200);
    assert_true(strlen(g_redis.password) >= 32);
    assert_null(strstr(r.body, g_redis.password));
    assert_true(strstr(r.body, "santa_cache_requests_total") != NULL); /* the cache is in use */
    e2e_resp_free(&r);
    assert_false(file_contains(g_srv.log_path, g_redis.password));
    assert_true(file_contains(g_srv.log_path, "cache")); /* the log is there and talks */
}

/* After the server stopped: its trace has the cache's Redis round trips as
 * spans, with their result. */
static int check_trace_file(void)
{
    static char buf[1 << 22];
    FILE *f = fopen(g_trace_file, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    int bad = 0;
    const char *want[] = {"\"redis GET\"", "\"cache.result\":\"hit\"", "\"redis EVAL fill\"",
                          "\"redis EVAL invalidate\""};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(buf, want[i]) == NULL) {
            fprintf(stderr, "test_api_cache: no %s span in %s\n", want[i], g_trace_file);
            bad = 1;
        }
    unlink(g_trace_file);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SANTA-04-CACHE-BINARY\n", argv[0]);
        return 2;
    }
    g_binary = argv[1];
    if (redis_proc_start(&g_redis) != 0) {
        fprintf(stderr, "test_api_cache: could not start redis-server\n");
        redis_proc_cleanup(&g_redis);
        return 1;
    }
    char addr[128];
    redis_proc_url(&g_redis, addr, sizeof addr);
    setenv("SANTA_REDIS", addr, 1);
    /* Short pauses so the test sees the reconnection quickly. */
    setenv("SANTA_REDIS_TIMEOUT_MS", "100", 1);
    /* Every trace kept, in a file read at the end. */
    snprintf(g_trace_file, sizeof g_trace_file, "%s/trace.jsonl", g_redis.dir);
    setenv("SANTA_TRACE_FILE", g_trace_file, 1);
    setenv("SANTA_TRACE_SAMPLE", "1", 1);
    if (e2e_start(&g_srv, g_binary) != 0) {
        fprintf(stderr, "test_api_cache: %s did not start; see %s\n", g_binary, g_srv.log_path);
        e2e_cleanup(&g_srv);
        redis_proc_cleanup(&g_redis);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_then_read_never_stale),
        cmocka_unit_test(test_redis_killed_mid_stream_fails_nothing),
        cmocka_unit_test(test_forged_redis_entries_are_refused),
        cmocka_unit_test(test_password_never_shown),
    };
    int failed = cmocka_run_group_tests_name("api_cache", tests, NULL, NULL);
    e2e_stop(&g_srv, 15); /* flushes the spans */
    if (file_contains(g_trace_file, g_redis.password)) {
        fprintf(stderr, "test_api_cache: the Redis password is in the trace file\n");
        failed++;
    }
    if (file_contains(g_srv.log_path, g_redis.password)) {
        fprintf(stderr, "test_api_cache: the Redis password is in the log\n");
        failed++;
    }
    failed += check_trace_file();
    e2e_cleanup(&g_srv);
    redis_proc_cleanup(&g_redis);
    return failed;
}
