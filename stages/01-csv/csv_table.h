/*
 * csv_table.h - one CSV file of the store: its durability mechanics.
 *
 * A table is a file `<name>` in the store's directory whose first record is a
 * fixed header. Three ways to touch it, each with one durability rule:
 *
 *  - scan:    open, decode every record, hand each row to a visitor. O(n) on
 *             purpose: stage 01 has no index and no cache.
 *  - append:  new rows, encoded by the caller, go out in ONE write(2) to an
 *             O_APPEND descriptor, then fdatasync(2), before SANTA_OK. A failed
 *             write is cut back off with ftruncate(2).
 *  - rewrite: changes to existing rows write `<name>.tmp`, fsync it, rename it
 *             over `<name>`, fsync the directory. The rename is the commit
 *             point: a crash leaves either the old file or the new one.
 *
 * csv_table_recover() runs at open: it removes a leftover `<name>.tmp`,
 * creates a missing file, checks the header and every row's width, and cuts a
 * torn last record (a crash in the middle of an append) back off.
 *
 * An fsync failure is fatal to the file (the "fsyncgate" lesson: the kernel
 * may have dropped the dirty pages, and a later fsync can succeed without
 * them), so after one the table refuses every write until the process is
 * restarted and recovery reads back what really reached the disk.
 *
 * Errors: SANTA_UNAVAILABLE for every I/O failure or corrupt file, with the
 * cause written to santa_log (never returned to a client). Thread safety:
 * none here; the store serialises writers and excludes them from readers.
 */
#ifndef SANTA_CSV_TABLE_H
#define SANTA_CSV_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "santa/status.h"

struct csv_table {
    const char *file;          /* "participants.csv": static storage */
    const char *const *header; /* column names: static storage */
    size_t ncols;
    int dirfd;   /* the store's data directory, borrowed */
    bool broken; /* an fsync failed: no more writes */
};

enum csv_visit { CSV_VISIT_NEXT, CSV_VISIT_STOP, CSV_VISIT_ERROR };
/* Sees one data row (never the header), with exactly ncols fields. A visitor
 * that returns CSV_VISIT_ERROR has logged why; the scan then fails. */
typedef enum csv_visit (*csv_table_visit_fn)(void *ctx, const struct csv_record *row);

enum csv_edit { CSV_EDIT_KEEP, CSV_EDIT_DROP, CSV_EDIT_REPLACE, CSV_EDIT_ERROR };
/* Decides one row's fate in a rewrite; for CSV_EDIT_REPLACE it appends the
 * replacement record(s) to out itself (csv_buf_add_record). */
typedef enum csv_edit (*csv_table_edit_fn)(void *ctx, const struct csv_record *row,
                                           struct csv_buf *out);

/* At open, before any other call; visit (may be NULL) sees every row that
 * survives recovery. On failure err says why, for the operator. */
enum santa_status csv_table_recover(struct csv_table *t, csv_table_visit_fn visit, void *ctx,
                                    char *err, size_t errlen);
enum santa_status csv_table_scan(const struct csv_table *t, csv_table_visit_fn visit, void *ctx);
/* records: whole encoded records (csv_buf_add_record), possibly several. */
enum santa_status csv_table_append(struct csv_table *t, const struct csv_buf *records);
enum santa_status csv_table_rewrite(struct csv_table *t, csv_table_edit_fn edit, void *ctx);

#endif /* SANTA_CSV_TABLE_H */
