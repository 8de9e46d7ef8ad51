/*
 * store_sqlite_internal.h - what stage 02's tests may see inside the store.
 *
 * Not for the server: it gives a test the calling thread's connection so it
 * can check the PRAGMAs in effect on a worker connection.
 */
#ifndef SANTA_STORE_SQLITE_INTERNAL_H
#define SANTA_STORE_SQLITE_INTERNAL_H

#include <stdint.h>

#include "santa/store.h"
#include "store_sqlite_conn.h"

/* The pool of a store made by sqlite_store_open(); owned by the store. */
struct sqlite_store_pool *sqlite_store_pool_of(struct santa_store *s);
/* How many BEGINs found the database locked after the busy timeout. */
uint64_t sqlite_store_busy_count(struct santa_store *s);
/* fdatasyncs of the WAL made by the group commit (store_sqlite_commit.h). */
uint64_t sqlite_store_sync_count(struct santa_store *s);

#endif /* SANTA_STORE_SQLITE_INTERNAL_H */
