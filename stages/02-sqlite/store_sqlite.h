/*
 * store_sqlite.h - stage 02's store: one SQLite database, <data_dir>/santa.db.
 *
 * The database runs in WAL mode with foreign keys on, and a write is
 * answered only once an fdatasync of the WAL covers it (group commit:
 * store_sqlite_commit.h);
 * its schema is versioned with PRAGMA user_version and brought up to date
 * when the store opens. Every lookup goes through an index; every write runs
 * in BEGIN IMMEDIATE ... COMMIT, so each check-then-write of store.h
 * (email taken, exchange full, already drawn) is atomic. See README.md.
 *
 * Ownership: sqlite_store_open() allocates the store; santa_store_close()
 * finalizes every connection and frees it. The options are only read during
 * the call.
 *
 * Concurrency: each thread that calls the store gets its own connection,
 * opened lazily on its first call and closed by the thread_stop operation (or
 * by close, for threads that exited without calling it).
 */
#ifndef SANTA_STORE_SQLITE_H
#define SANTA_STORE_SQLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"

struct sqlite_store_options {
    const char *data_dir;     /* created (with parents) if missing */
    uint32_t busy_timeout_ms; /* wait for another writer's lock; 0: 5 s */
    /* Only open a database that exists (a worker: it never creates one, so
     * a mistyped --data fails at start instead of serving an empty queue). */
    bool existing;
};

/* Opens (creating if needed, unless o->existing) <o->data_dir>/santa.db, switches it to WAL and
 * applies any pending schema migrations in one transaction.
 * Errors: SANTA_UNAVAILABLE with a sentence in err (for the operator, at
 * start-up) when the directory or database cannot be used, the file is not a
 * database, or its schema is newer than this program. *out is NULL on
 * failure. */
enum santa_status sqlite_store_open(const struct sqlite_store_options *o, struct santa_store **out,
                                    char *err, size_t errlen);

#endif /* SANTA_STORE_SQLITE_H */
