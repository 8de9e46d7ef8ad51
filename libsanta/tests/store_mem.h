/*
 * store_mem.h - the in-memory store: the reference implementation of store.h.
 *
 * Every other back end is judged against it by the contract suite, so it
 * favours obviousness over speed: plain arrays scanned linearly under one
 * mutex. It allocates through santa_malloc() so the failing-allocator tests
 * reach it too, and every write allocates before it changes anything, so an
 * out-of-memory SANTA_UNAVAILABLE leaves the data exactly as it was.
 *
 * Nothing survives close(): there is no reopen.
 */
#ifndef SANTA_TESTS_STORE_MEM_H
#define SANTA_TESTS_STORE_MEM_H

#include "santa/store.h"

/* A fresh empty store in *out; SANTA_UNAVAILABLE when out of memory. */
enum santa_status mem_store_open(struct santa_store **out);

#endif /* SANTA_TESTS_STORE_MEM_H */
