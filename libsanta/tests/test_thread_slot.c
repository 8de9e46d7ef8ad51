/*
 * test_thread_slot.c - one value per thread (santa/thread_slot.h): made
 * once per thread, kept across calls, released by the thread's stop or by
 * freeing the slots, and a failed make leaves nothing behind.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "santa/alloc.h"
#include "santa/thread_slot.h"

/* What make and release did, counted. */
struct tally {
    atomic_int made, released;
    atomic_int refuse; /* make returns NULL while this is non-zero */
};

static void *make(void *arg)
{
    struct tally *t = arg;
    if (atomic_load(&t->refuse))
        return NULL;
    atomic_fetch_add(&t->made, 1);
    return santa_calloc(1, sizeof(int));
}

static void release(void *value)
{
    santa_free(value);
}

/* release() cannot see the tally, so the counted variant frees through it. */
static struct tally *release_tally;
static void release_counted(void *value)
{
    atomic_fetch_add(&release_tally->released, 1);
    santa_free(value);
}

static void test_same_value_on_one_thread(void **state)
{
    (void)state;
    struct tally t = {0};
    struct santa_thread_slots *s = santa_thread_slots_new(make, release, &t);
    assert_non_null(s);
    void *a = santa_thread_slot(s);
    assert_non_null(a);
    assert_ptr_equal(santa_thread_slot(s), a);
    assert_int_equal(atomic_load(&t.made), 1);
    santa_thread_slots_free(s);
}

struct worker {
    struct santa_thread_slots *s;
    void *value;
    bool stop;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    w->value = santa_thread_slot(w->s);
    if (w->value != santa_thread_slot(w->s))
        w->value = NULL;
    if (w->stop)
        santa_thread_slot_stop(w->s);
    return NULL;
}

/* Four threads, four values; the two that stop release theirs at once, and
 * freeing the slots releases the two others and the main thread's. */
static void test_each_thread_its_own_value(void **state)
{
    (void)state;
    struct tally t = {0};
    release_tally = &t;
    struct santa_thread_slots *s = santa_thread_slots_new(make, release_counted, &t);
    assert_non_null(s);
    void *mine = santa_thread_slot(s);
    struct worker w[4];
    pthread_t tid[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){s, NULL, i % 2 == 0};
        assert_int_equal(pthread_create(&tid[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_non_null(w[i].value);
        assert_ptr_not_equal(w[i].value, mine);
        for (int j = 0; j < i; j++)
            if (!w[i].stop && !w[j].stop) /* a released block may be reused */
                assert_ptr_not_equal(w[i].value, w[j].value);
    }
    assert_int_equal(atomic_load(&t.made), 5);
    assert_int_equal(atomic_load(&t.released), 2);
    santa_thread_slots_free(s);
    assert_int_equal(atomic_load(&t.released), 5);
}

/* After stop, the next call makes a fresh value. */
static void test_stop_then_use_again(void **state)
{
    (void)state;
    struct tally t = {0};
    release_tally = &t;
    struct santa_thread_slots *s = santa_thread_slots_new(make, release_counted, &t);
    assert_non_null(santa_thread_slot(s));
    santa_thread_slot_stop(s);
    assert_int_equal(atomic_load(&t.released), 1);
    santa_thread_slot_stop(s); /* none left: a no-op */
    assert_int_equal(atomic_load(&t.released), 1);
    assert_non_null(santa_thread_slot(s));
    assert_int_equal(atomic_load(&t.made), 2);
    santa_thread_slots_free(s);
    assert_int_equal(atomic_load(&t.released), 2);
}

/* A make that fails is asked again on the next call, and nothing is kept. */
static void test_failed_make_is_retried(void **state)
{
    (void)state;
    struct tally t = {0};
    release_tally = &t;
    atomic_store(&t.refuse, 1);
    struct santa_thread_slots *s = santa_thread_slots_new(make, release_counted, &t);
    assert_null(santa_thread_slot(s));
    assert_null(santa_thread_slot(s));
    atomic_store(&t.refuse, 0);
    assert_non_null(santa_thread_slot(s));
    assert_int_equal(atomic_load(&t.made), 1);
    santa_thread_slots_free(s);
    assert_int_equal(atomic_load(&t.released), 1);
    santa_thread_slots_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_value_on_one_thread),
        cmocka_unit_test(test_each_thread_its_own_value),
        cmocka_unit_test(test_stop_then_use_again),
        cmocka_unit_test(test_failed_make_is_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
