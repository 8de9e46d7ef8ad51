/*
 * store_csv_dir.h - the data directory of the CSV store: create it, open it,
 * and take its LOCK file. Internal to the CSV store.
 */
#ifndef SANTA_STORE_CSV_DIR_H
#define SANTA_STORE_CSV_DIR_H

#include <stddef.h>

#include "santa/status.h"

/* Creates path (and missing parents, each made durable in its parent), opens
 * it as *dirfd, then opens `LOCK` inside it as *lockfd and takes
 * flock(LOCK_EX | LOCK_NB) on it. The lock lives as long as *lockfd stays
 * open; closing it releases the directory. Both descriptors belong to the
 * caller. SANTA_UNAVAILABLE with a sentence in err when the directory is
 * unusable or another store holds the lock. */
enum santa_status csv_store_dir_open(const char *path, int *dirfd, int *lockfd, char *err,
                                     size_t errlen);

#endif /* SANTA_STORE_CSV_DIR_H */
