/*
 * test_queue_redis.c - the reminder stream's batches against a real
 * redis-server (redis_proc.h), with the in-memory store as the worker's
 * store: POST .../reminders is ONE entry standing for its mails in the
 * depth; a worker that read the batch and died before expanding it (here:
 * a worker with no store, whose expansion fails before EXEC) leaves it
 * whole, and another worker expands it after the lease, once: one mail
 * job per participant, none twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "queue_redis.h"
#include "redis_proc.h"
#include "santa/token.h"
#include "store_contract_kit.h"
#include "store_mem.h"

#define LEASE_MS 100u

static struct redis_proc g_redis;

static struct santa_queue *open_queue(const struct santa_worker_config *w,
                                      struct santa_store *store)
{
    struct redis_queue_options o = {.host = "127.0.0.1",
                                    .port = (uint16_t)g_redis.port,
                                    .password = g_redis.password,
                                    .timeout_ms = 2000,
                                    .worker = w,
                                    .store = store};
    struct santa_queue *q = NULL;
    char err[256] = "";
    if (redis_queue_open(&o, &q, err, sizeof err) != SANTA_OK)
        fail_msg("redis_queue_open: %s", err);
    return q;
}

static uint64_t depth(struct santa_queue *q)
{
    uint64_t d = 99, oldest = 0;
    assert_int_equal(q->ops->stats(q, &d, &oldest), SANTA_OK);
    return d;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_batch_is_one_entry_expanded_once_after_a_dead_worker(void **state)
{
    (void)state;
    struct santa_store *st = NULL;
    assert_int_equal(mem_store_open(&st), SANTA_OK);
    struct santa_exchange ex;
    memset(&ex, 0, sizeof ex);
    assert_int_equal(santa_id_new(ex.id), SANTA_OK);
    ex.name = "Batch \"test\"";
    memcpy(ex.exchange_date, "2026-12-24", SANTA_DATE_LEN + 1);
    contract_random_hash(&ex.admin_hash);
    contract_random_hash(&ex.invite_hash);
    assert_int_equal(st->ops->exchange_create(st, &ex), SANTA_OK);
    struct santa_arena arena;
    santa_arena_init(&arena, 1 << 16);
    static const char *const emails[] = {"a@example.org", "b@example.org", "c@example.org"};
    struct santa_participant p[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(contract_try_join(st, &arena, ex.id, "Someone", emails[i], "", 100, &p[i]),
                         SANTA_OK);

    /* The request's side: one entry, counted as three mails. */
    struct santa_queue *enq = open_queue(NULL, NULL);
    struct santa_job tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    char batch[SANTA_ID_LEN + 1];
    assert_int_equal(santa_id_new(batch), SANTA_OK);
    snprintf(tmpl.key, sizeof tmpl.key, "%s", batch);
    snprintf(tmpl.exchange_id, sizeof tmpl.exchange_id, "%s", ex.id);
    snprintf(tmpl.exchange_name, sizeof tmpl.exchange_name, "%s", ex.name);
    snprintf(tmpl.exchange_date, sizeof tmpl.exchange_date, "%s", ex.exchange_date);
    snprintf(tmpl.traceparent, sizeof tmpl.traceparent,
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    tmpl.queued_ms = 1234567;
    assert_int_equal(redis_queue_add_batch(enq, &tmpl, 3), SANTA_OK);
    assert_int_equal(depth(enq), 3);

    /* A worker reads the batch and cannot expand it: nothing is added, the
     * batch stays pending under its name, the depth stays 3. */
    struct santa_worker_config dead_cfg = {.name = "dead", .batch = 10, .lease_ms = LEASE_MS};
    struct santa_queue *dead = open_queue(&dead_cfg, NULL);
    struct santa_job jobs[10];
    uint32_t n = 99;
    assert_int_equal(dead->ops->claim(dead, jobs, 10, &n), SANTA_OK);
    assert_int_equal(n, 0);
    assert_int_equal(depth(enq), 3);

    /* Another worker takes it over after the lease and expands it: three
     * jobs, one per participant, each with the batch's text and trace. */
    struct santa_worker_config live_cfg = {.name = "live", .batch = 10, .lease_ms = LEASE_MS};
    struct santa_queue *live = open_queue(&live_cfg, st); /* owns st */
    n = 0;
    for (int tries = 0; tries < 100 && n == 0; tries++) { /* bounded: 10 s */
        nap_ms(LEASE_MS);
        assert_int_equal(live->ops->claim(live, jobs, 10, &n), SANTA_OK);
    }
    assert_int_equal(n, 3);
    for (uint32_t i = 0; i < n; i++) {
        char key[512];
        snprintf(key, sizeof key, "reminder.%s.%s", batch, p[i].id);
        assert_string_equal(jobs[i].key, key);
        assert_string_equal(jobs[i].to_email, emails[i]);
        assert_string_equal(jobs[i].exchange_name, ex.name);
        assert_string_equal(jobs[i].traceparent, tmpl.traceparent);
        assert_int_equal(jobs[i].queued_ms, tmpl.queued_ms);
    }
    assert_int_equal(depth(enq), 3);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(live->ops->done(live, &jobs[i]), SANTA_OK);
    assert_int_equal(depth(enq), 0);

    /* Past another lease, neither worker finds anything: no duplicates. */
    nap_ms(2 * LEASE_MS);
    assert_int_equal(live->ops->claim(live, jobs, 10, &n), SANTA_OK);
    assert_int_equal(n, 0);
    assert_int_equal(dead->ops->claim(dead, jobs, 10, &n), SANTA_OK);
    assert_int_equal(n, 0);
    assert_int_equal(depth(enq), 0);
    santa_arena_release(&arena);
    live->ops->close(live);
    dead->ops->close(dead);
    enq->ops->close(enq);
}

int main(void)
{
    if (santa_token_init() != SANTA_OK || redis_proc_start(&g_redis) != 0) {
        fprintf(stderr, "test_queue_redis: could not start redis-server (is it installed? "
                        "deploy/install-deps)\n");
        redis_proc_cleanup(&g_redis);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_is_one_entry_expanded_once_after_a_dead_worker),
    };
    int rc = cmocka_run_group_tests_name("queue_redis", tests, NULL, NULL);
    redis_proc_cleanup(&g_redis);
    return rc;
}
