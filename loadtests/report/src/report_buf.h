/*
 * report_buf.h - a growable text buffer with a ceiling, for building pages.
 *
 * Appends never fail loudly: the first failure (out of memory, or the
 * ceiling reached) sets `failed` and every later append is ignored, so page
 * code stays a straight list of appends and checks once at the end.
 * report_buf_escape is the only way text read from input reaches a page: it
 * HTML-escapes & < > " ' so a transaction named "<script>" is only text.
 */
#ifndef REPORT_BUF_H
#define REPORT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct report_buf {
    char *data;   /* NUL-terminated once anything was appended; NULL before */
    size_t len;   /* bytes used, without the NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* ceiling on len */
    bool failed;  /* sticky: an append was dropped */
};

/* Caller-owned struct; allocates nothing until the first append. */
void report_buf_init(struct report_buf *b, size_t limit);
/* Frees the text; the buffer may be used again after report_buf_init. */
void report_buf_release(struct report_buf *b);

void report_buf_append(struct report_buf *b, const char *s, size_t n);
void report_buf_puts(struct report_buf *b, const char *s);
void report_buf_printf(struct report_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s with & < > " ' replaced by entities; NULL appends nothing. */
void report_buf_escape(struct report_buf *b, const char *s);

/* A number with as many digits as it deserves: 1234, 12.3, 1.23, 0.123
 * (pages and charts print every figure through it, so they agree). */
void report_fmt(char *out, size_t n, double v);

#endif /* REPORT_BUF_H */
