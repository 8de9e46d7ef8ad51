/*
 * report_csv.h - a streaming reader for the results folder's CSV files.
 *
 * RFC 4180 fields (quotes, doubled quotes, commas inside quotes; one record
 * per line, no newline inside a field), a header row, columns found by
 * name. It streams row by row, so a 200,000-row samples.csv never sits in
 * memory whole. Every error names the file, the line and the column.
 * A reader belongs to one thread; strings it hands out live until the next
 * report_csv_next or report_csv_close.
 */
#ifndef REPORT_CSV_H
#define REPORT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "report_err.h"

struct report_csv;

/* Opens path and reads its header. 0, or -1 with err set (no reader). */
int report_csv_open(struct report_csv **out, const char *path, struct report_error *err);
void report_csv_close(struct report_csv *c);

/* Index of each of the n names in the header into idx[]; -1 with err set
 * ("path:1: missing column 'x'") when one is absent. */
int report_csv_columns(const struct report_csv *c, const char *const *names, size_t n,
                       int *idx, struct report_error *err);

/* Reads the next row: 1 row read, 0 end of file, -1 with err set (a row
 * with a different number of fields, an unterminated quote, a line over
 * 64 KiB). Blank lines are skipped. */
int report_csv_next(struct report_csv *c, struct report_error *err);

/* The field of column col in the current row (never NULL). */
const char *report_csv_field(const struct report_csv *c, int col);
/* Line number of the current row, 1 being the header. */
long report_csv_line(const struct report_csv *c);

/* The field as a finite number; an empty field gives *present = false when
 * present is not NULL, and is an error otherwise. -1 with err set
 * ("path:7: column 'p99_ms': 'abc' is not a number"). */
int report_csv_number(const struct report_csv *c, int col, double *out, bool *present,
                      struct report_error *err);

#endif /* REPORT_CSV_H */
