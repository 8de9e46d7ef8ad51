/*
 * store_sqlite_commit.h - group commit: many writes, one fdatasync.
 *
 * With synchronous=FULL every COMMIT pays its own fsync of the WAL while it
 * holds the one write lock, so writers queue behind each other's fsyncs and
 * the queue, not SQL, makes the tail. The store's connections run with
 * synchronous=NORMAL instead (the WAL is written at COMMIT but not synced;
 * checkpoints still sync), and a write is acknowledged only after an
 * fdatasync of the WAL that began after its COMMIT. The writer that finds no
 * sync running starts one for every commit made so far; writers that commit
 * meanwhile wait for the next one, so one fdatasync covers a whole group and
 * the next writer runs its SQL while the disk works.
 *
 * The WAL is one log appended in commit order, so a sync covers every commit
 * before it: what a power cut can take is a suffix of commits nobody was
 * told were kept. (Readers may see a commit before it is synced; after a
 * power cut it is gone together with everything after it.)
 *
 * A failed fdatasync is final (the kernel may have dropped the pages it
 * could not write, and a later sync can succeed without them): the write
 * waiting for it gets SANTA_UNAVAILABLE and so does every later write, until
 * the process restarts and SQLite recovers from what is on disk.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef SANTA_STORE_SQLITE_COMMIT_H
#define SANTA_STORE_SQLITE_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/status.h"

struct sqlite_store_commits;

/* Group commit for the database file db_path (copied); the WAL is
 * db_path + "-wal". NULL when out of memory. */
struct sqlite_store_commits *sqlite_store_commits_new(const char *db_path);
/* Frees g; no thread may be inside another call. NULL is a no-op. */
void sqlite_store_commits_free(struct sqlite_store_commits *g);

/* false once a sync has failed: writes must not start. */
bool sqlite_store_commits_usable(struct sqlite_store_commits *g);
/* Counts a COMMIT that just succeeded and returns its number. Call it while
 * still holding this process's writer turn, so numbers follow commit order. */
uint64_t sqlite_store_commits_add(struct sqlite_store_commits *g);
/* Returns once commit seq is on disk: SANTA_OK, or SANTA_UNAVAILABLE when
 * the sync that had to cover it failed (logged). Blocks for at most the
 * sync in progress plus one more. */
enum santa_status sqlite_store_commits_wait(struct sqlite_store_commits *g, uint64_t seq);

/* For tests and logs: fdatasyncs made, and the highest commit number known
 * to be on disk. */
uint64_t sqlite_store_commits_syncs(struct sqlite_store_commits *g);
uint64_t sqlite_store_commits_synced(struct sqlite_store_commits *g);

#endif /* SANTA_STORE_SQLITE_COMMIT_H */
