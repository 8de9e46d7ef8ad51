/*
 * store_csv.h - stage 01's store: one CSV file per table in a directory.
 *
 *   exchanges.csv  participants.csv  exclusions.csv  assignments.csv  outbox.csv
 *
 * Every read scans its file from the top (O(n), no index, no cache: that cost
 * is the lesson of the stage). Inserts append whole records and fdatasync;
 * changes to existing rows rewrite the file through temp + rename. See
 * README.md for the durability protocol and its price.
 *
 * Ownership: csv_store_open() allocates the store; santa_store_close() frees
 * it. The options are only read during the call.
 *
 * Concurrency: one readers-writer lock per store (readers share, every
 * check-then-write runs under the write lock), and a LOCK file held with
 * flock(2) for the store's lifetime so that no second process (or second
 * open in this process) works on the same directory.
 */
#ifndef SANTA_STORE_CSV_H
#define SANTA_STORE_CSV_H

#include <stddef.h>

#include "santa/status.h"
#include "santa/store.h"

struct csv_store_options {
    const char *data_dir; /* created (with parents) if missing */
};

/* Opens the store over o->data_dir: creates missing files, removes leftover
 * *.tmp files, truncates a torn last record, takes the LOCK.
 * Errors: SANTA_UNAVAILABLE with a sentence in err (for the operator, at
 * start-up) when the directory cannot be used, its files are corrupt, or
 * another store holds its LOCK. *out is NULL on failure. */
enum santa_status csv_store_open(const struct csv_store_options *o, struct santa_store **out,
                                 char *err, size_t errlen);

#endif /* SANTA_STORE_CSV_H */
