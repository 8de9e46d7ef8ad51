/*
 * santa/thread_slot.h - one value per thread: made on the thread's first
 * use, released when the thread says it stops, and released for every
 * thread that did not say so when the slots are freed.
 *
 * Each store that talks to a server (SQLite, PostgreSQL, Redis) keeps one
 * connection per worker thread: a connection must not be used by two
 * threads at once, and one shared connection behind a mutex would serialise
 * every request. This is that bookkeeping, once: a thread-specific key for
 * the lookup, and a list of every value made so far so that freeing the
 * slots closes the connections of threads that exited without
 * santa_thread_slot_stop() (no key destructor: a value is only released by
 * a call the store makes, never behind its back at thread exit).
 *
 * Thread safety: santa_thread_slot() and santa_thread_slot_stop() may run
 * on any number of threads at once, each touching only its own value.
 * santa_thread_slots_free() must only run once no thread uses the slots.
 */
#ifndef SANTA_THREAD_SLOT_H
#define SANTA_THREAD_SLOT_H

/* Makes the calling thread's value (arg is the one given to _new). NULL
 * when it cannot: the caller of santa_thread_slot() gets NULL, and the
 * next call on that thread tries again. make logs its own failures. */
typedef void *(*santa_thread_slot_make_fn)(void *arg);
/* Releases one value that make returned (never NULL). */
typedef void (*santa_thread_slot_release_fn)(void *value);

struct santa_thread_slots;

/* Slots whose values come from make(arg) and go to release. NULL when out
 * of memory or thread keys. arg is borrowed: it must outlive the slots. */
struct santa_thread_slots *santa_thread_slots_new(santa_thread_slot_make_fn make,
                                                  santa_thread_slot_release_fn release, void *arg);
/* Releases every value still held and frees the slots. NULL is a no-op. */
void santa_thread_slots_free(struct santa_thread_slots *t);

/* The calling thread's value, made on first use. NULL when make failed or
 * memory ran out (then nothing is remembered for this thread). The value
 * stays valid until this thread calls santa_thread_slot_stop() or the slots
 * are freed. */
void *santa_thread_slot(struct santa_thread_slots *t);
/* Releases the calling thread's value, if it has one. */
void santa_thread_slot_stop(struct santa_thread_slots *t);

#endif /* SANTA_THREAD_SLOT_H */
