/*
 * csv.h - an RFC 4180 record codec with a reversible formula guard.
 *
 * Writing: csv_buf_add_record() appends one record, terminated by CRLF, to a
 * growable buffer. A field is quoted when it holds a comma, a quote, CR or
 * LF; quotes inside are doubled.
 *
 * Reading: csv_parse_record() decodes one record from a byte buffer, and a
 * struct csv_reader does the same over a file descriptor, refilling as it
 * goes. Quoted fields may span lines. A record is complete only once its line
 * terminator (CRLF or a bare LF) has been read: the writer always ends records
 * with one, so bytes after the last terminator are a torn record, reported as
 * CSV_INCOMPLETE rather than as a record.
 *
 * The formula guard (OWASP ASVS 5.0 1.2.10): a spreadsheet runs a cell that
 * starts with = + - @ TAB or CR as a formula, whatever the quoting. On write a
 * field starting with one of those, or with ', gets one leading '; on read one
 * leading ' is stripped. Because ' is itself in the set, the mapping is a
 * bijection: every string round-trips byte for byte, and the file is inert
 * when an organizer opens it in a spreadsheet.
 *
 * Memory: every struct here is caller-owned; the functions allocate through
 * alloc.h and report out-of-memory as false / CSV_NOMEM. Field text returned
 * by csv_record_field() lives until the record is parsed into again or freed.
 * Not thread-safe: one buffer, record or reader belongs to one thread.
 */
#ifndef SANTA_CSV_H
#define SANTA_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A growable output buffer. Zero-initialise (or csv_buf_init) before use. */
struct csv_buf {
    char *data;
    size_t len;
    size_t cap;
};

void csv_buf_init(struct csv_buf *b);
void csv_buf_free(struct csv_buf *b);
/* Forgets the content, keeps the memory. */
void csv_buf_clear(struct csv_buf *b);
/* Appends one record of n NUL-terminated fields plus CRLF; false when out of
 * memory (the buffer is then left as it was). */
bool csv_buf_add_record(struct csv_buf *b, const char *const *fields, size_t n);

/* true when the formula guard prefixes this field on write. */
bool csv_field_needs_guard(const char *field, size_t len);

/* One decoded record: its fields, unquoted, unguarded, NUL-terminated. */
struct csv_record {
    char *text; /* every field back to back, each followed by NUL */
    size_t text_len;
    size_t text_cap;
    size_t *offs; /* offs[i]: start of field i in text */
    size_t count;
    size_t offs_cap;
};

void csv_record_init(struct csv_record *r);
void csv_record_free(struct csv_record *r);
size_t csv_record_count(const struct csv_record *r);
/* Field i, or NULL when i >= count. */
const char *csv_record_field(const struct csv_record *r, size_t i);

enum csv_result {
    CSV_OK,         /* one complete record decoded */
    CSV_END,        /* no bytes left: clean end of input */
    CSV_INCOMPLETE, /* bytes left, but they end before the record does */
    CSV_MALFORMED,  /* bytes that no RFC 4180 writer produces */
    CSV_NOMEM,
    CSV_IO, /* a read(2) failed; errno says why */
};

/* Decodes the record starting at buf[*pos]. On CSV_OK, *pos moves past its
 * terminator; on anything else *pos is unchanged and rec is unspecified. */
enum csv_result csv_parse_record(const char *buf, size_t len, size_t *pos, struct csv_record *rec);

/* Reads records from a file descriptor (not owned: the caller closes it). */
struct csv_reader {
    int fd;
    char *buf;
    size_t len; /* bytes in buf */
    size_t pos; /* parse position in buf */
    size_t cap;
    off_t base; /* file offset of buf[0] */
    bool eof;
};

void csv_reader_init(struct csv_reader *rd, int fd);
void csv_reader_free(struct csv_reader *rd);
/* The next record. CSV_INCOMPLETE only at end of file: a torn last record. */
enum csv_result csv_reader_next(struct csv_reader *rd, struct csv_record *rec);
/* File offset just past the last complete record returned (where a torn
 * tail starts). */
off_t csv_reader_offset(const struct csv_reader *rd);

#endif /* SANTA_CSV_H */
