/*
 * store_faulty.h - a store that fails on demand, wrapped around a real one.
 *
 * Tests use it to prove that a store which is down, or goes down in the
 * middle of a request, gives a clean SANTA_UNAVAILABLE answer and leaves
 * nothing half-written. A failed operation never reaches the inner store, so
 * "failed" really means "did nothing".
 *
 * close and thread_stop always pass through: a test must be able to clean up
 * however broken it made the store. The controls are atomics, so a test may
 * flip them while other threads use the store.
 */
#ifndef SANTA_TESTS_STORE_FAULTY_H
#define SANTA_TESTS_STORE_FAULTY_H

#include <stdbool.h>

#include "santa/store.h"

/* Wraps inner and takes ownership of it: closing *out closes inner. On
 * failure (SANTA_UNAVAILABLE) inner is closed too, so the caller never has
 * to wonder who owns it. */
enum santa_status faulty_store_open(struct santa_store *inner, struct santa_store **out);

/* The next n operations pass through; every later one fails with
 * SANTA_UNAVAILABLE (until faulty_store_fail_all(s, false)). */
void faulty_store_fail_after(struct santa_store *s, long n);

/* true: every operation fails with SANTA_UNAVAILABLE. false: back to normal,
 * which also forgets any fail_after budget. */
void faulty_store_fail_all(struct santa_store *s, bool fail);

/* How many operations (other than close and thread_stop) were asked of it so
 * far, passed or failed: tests count the store calls a request makes. */
long faulty_store_calls(struct santa_store *s);

#endif /* SANTA_TESTS_STORE_FAULTY_H */
