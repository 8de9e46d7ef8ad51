/*
 * thread_slot.c - one value per thread (see santa/thread_slot.h).
 *
 * The key maps a thread to its node; the nodes of every thread form a
 * doubly linked list under a mutex, touched only when a thread gets or
 * gives up its value, so the lookup on every call is one
 * pthread_getspecific() and no lock.
 */
#include "santa/thread_slot.h"

#include <pthread.h>

#include "santa/alloc.h"
#include "santa/log.h"

struct slot_node {
    void *value;
    struct slot_node *prev, *next;
};

struct santa_thread_slots {
    santa_thread_slot_make_fn make;
    santa_thread_slot_release_fn release;
    void *arg;
    /* Keys are reused after pthread_key_delete(), but glibc gives a
     * re-created key a new generation, so a thread never sees a node left
     * under the same number by earlier slots. */
    pthread_key_t key;
    pthread_mutex_t lock;   /* guards the list below */
    struct slot_node *head; /* every thread's node */
};

struct santa_thread_slots *santa_thread_slots_new(santa_thread_slot_make_fn make,
                                                  santa_thread_slot_release_fn release, void *arg)
{
    struct santa_thread_slots *t = santa_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->make = make;
    t->release = release;
    t->arg = arg;
    /* No destructor: see the header. */
    if (pthread_key_create(&t->key, NULL) != 0) {
        santa_free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void santa_thread_slots_free(struct santa_thread_slots *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    struct slot_node *n = t->head;
    t->head = NULL;
    pthread_mutex_unlock(&t->lock);
    while (n) {
        struct slot_node *next = n->next;
        t->release(n->value);
        santa_free(n);
        n = next;
    }
    pthread_key_delete(t->key);
    pthread_mutex_destroy(&t->lock);
    santa_free(t);
}

void *santa_thread_slot(struct santa_thread_slots *t)
{
    struct slot_node *n = pthread_getspecific(t->key);
    if (n)
        return n->value;
    n = santa_calloc(1, sizeof *n);
    if (!n) {
        santa_log(SANTA_LOG_ERROR, "thread slot: out of memory");
        return NULL;
    }
    n->value = t->make(t->arg); /* logs why when it cannot */
    if (n->value && pthread_setspecific(t->key, n) != 0) {
        santa_log(SANTA_LOG_ERROR, "thread slot: cannot remember this thread's value");
        t->release(n->value);
        n->value = NULL;
    }
    if (!n->value) {
        santa_free(n);
        return NULL;
    }
    pthread_mutex_lock(&t->lock);
    n->next = t->head;
    if (t->head)
        t->head->prev = n;
    t->head = n;
    pthread_mutex_unlock(&t->lock);
    return n->value;
}

void santa_thread_slot_stop(struct santa_thread_slots *t)
{
    struct slot_node *n = pthread_getspecific(t->key);
    if (!n)
        return;
    pthread_setspecific(t->key, NULL);
    pthread_mutex_lock(&t->lock);
    if (n->prev)
        n->prev->next = n->next;
    else
        t->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    pthread_mutex_unlock(&t->lock);
    t->release(n->value);
    santa_free(n);
}
