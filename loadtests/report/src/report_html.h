/*
 * report_html.h - the shared frame of santa-report's pages.
 *
 * The head with the one inline style sheet (no external CSS, fonts or
 * script: a report opens the same offline, from a mail attachment or a CI
 * artifact), number formatting that reads at a glance, table helpers that
 * escape every cell, and writing a page to disk atomically.
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stddef.h>

#include "report_buf.h"
#include "report_err.h"

void report_html_begin(struct report_buf *b, const char *title);
void report_html_end(struct report_buf *b);

/* <tr> cells: the first text (escaped), then numbers formatted by report_fmt. */
void report_html_row(struct report_buf *b, const char *cls, const char *label,
                     const double *v, size_t n);
/* <thead> from column names (escaped). */
void report_html_head_row(struct report_buf *b, const char *const *names, size_t n);
/* <p class="note">text</p>, escaped. */
void report_html_note(struct report_buf *b, const char *text);

/* Writes b to path via path.tmp + rename, so a reader never sees half a page.
 * 0, or -1 with err set (also when b->failed: the page outgrew its ceiling). */
int report_html_write(const struct report_buf *b, const char *path, struct report_error *err);

#endif /* REPORT_HTML_H */
