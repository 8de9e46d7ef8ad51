/*
 * santa/dir.h - making a file-backed store's data directory (the CSV
 * files of stage 01, the SQLite database of stage 02).
 */
#ifndef SANTA_DIR_H
#define SANTA_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* mkdir -p path, one component at a time, mode 0700 (the data holds names
 * and emails). Each directory it creates is logged as "store <store>" and
 * made durable: its parent is fsynced, since a new name lives in the
 * parent's data and would not survive a power cut otherwise. An existing
 * component is fine. false with a sentence in err. */
bool santa_mkdir_p(const char *store, const char *path, char *err, size_t errlen);

#endif /* SANTA_DIR_H */
