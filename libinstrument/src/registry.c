/*
 * registry.c - the registry (the one global, internal.h) and per-thread
 * state: everything the other files read, and nothing that calls them, so
 * no file of libinstrument needs a file that needs it back.
 *
 * Per-thread state is attached lazily, on a thread's first request, through
 * a thread-local pointer; a pthread key's destructor marks it free when the
 * thread exits, and the next new thread takes it over, so a server that
 * replaces its workers does not grow without bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/random.h>

#include "internal.h"

struct inst_global inst_g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct inst_tstate *tl_state;

uint64_t inst_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t inst_unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool inst_enabled(void)
{
    return inst_g.started;
}

/* xoroshiro128+: ids need to be unique, not secret. */
uint64_t inst_rand64(struct inst_tstate *t)
{
    uint64_t s0 = t->rng[0], s1 = t->rng[1], r = s0 + s1;
    s1 ^= s0;
    t->rng[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
    t->rng[1] = (s1 << 37) | (s1 >> 27);
    return r;
}

static void seed(struct inst_tstate *t)
{
    if (getrandom(t->rng, sizeof t->rng, 0) != (ssize_t)sizeof t->rng) {
        t->rng[0] = inst_now_ns() ^ (uint64_t)(uintptr_t)t;
        t->rng[1] = (uint64_t)inst_unix_us() * 0x9e3779b97f4a7c15u;
    }
    t->rng[1] |= 1;
}

static void thread_gone(void *p)
{
    struct inst_tstate *t = p;
    t->active = false;
    atomic_store_explicit(&t->in_use, false, memory_order_release);
}

struct inst_tstate *inst_tstate_get(void)
{
    if (tl_state)
        return tl_state;
    if (!inst_g.started)
        return NULL;
    pthread_mutex_lock(&inst_g.lock);
    struct inst_tstate *t = atomic_load_explicit(&inst_g.threads, memory_order_relaxed);
    for (; t; t = t->next)
        if (!atomic_load_explicit(&t->in_use, memory_order_acquire))
            break;
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t) {
            t->next = atomic_load_explicit(&inst_g.threads, memory_order_relaxed);
            atomic_store_explicit(&inst_g.threads, t, memory_order_release);
        }
    }
    if (t) {
        atomic_store_explicit(&t->in_use, true, memory_order_relaxed);
        t->current = -1;
        seed(t);
        pthread_setspecific(inst_g.thread_key, t);
        tl_state = t;
    }
    pthread_mutex_unlock(&inst_g.lock);
    return t;
}

int inst_tstate_key_init(void)
{
    if (inst_g.key_made)
        return 0;
    if (pthread_key_create(&inst_g.thread_key, thread_gone) != 0)
        return -1;
    inst_g.key_made = true;
    return 0;
}
