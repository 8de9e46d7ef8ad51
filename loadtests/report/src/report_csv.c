/*
 * report_csv.c - streaming CSV reader with precise errors (see report_csv.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_csv.h"
#include "santa/alloc.h"

enum { CSV_MAX_LINE = 64 * 1024, CSV_MAX_FIELDS = 64 };

struct report_csv {
    FILE *f;
    char *path;
    long line;
    char buf[CSV_MAX_LINE + 2];          /* the current line, split in place */
    char *fields[CSV_MAX_FIELDS];        /* the current row */
    size_t nfields;
    char *header[CSV_MAX_FIELDS];        /* copies, alive until close */
    size_t ncols;
};

/* Reads one physical line into c->buf without its newline. 1, 0 at EOF, -1. */
static int read_line(struct report_csv *c, struct report_error *err)
{
    if (fgets(c->buf, sizeof c->buf, c->f) == NULL) {
        if (ferror(c->f))
            return report_error_set(err, "%s:%ld: read error: %s", c->path, c->line + 1,
                                    strerror(errno));
        return 0;
    }
    c->line++;
    size_t n = strlen(c->buf);
    if (n > 0 && c->buf[n - 1] == '\n')
        c->buf[--n] = '\0';
    else if (!feof(c->f))
        return report_error_set(err, "%s:%ld: line longer than %d bytes", c->path, c->line,
                                CSV_MAX_LINE);
    if (n > 0 && c->buf[n - 1] == '\r')
        c->buf[--n] = '\0';
    return 1;
}

/* Splits c->buf into fields in place, undoing quotes. 0 or -1. */
static int split(struct report_csv *c, struct report_error *err)
{
    char *r = c->buf, *w = c->buf;
    c->nfields = 0;
    for (;;) {
        if (c->nfields == CSV_MAX_FIELDS)
            return report_error_set(err, "%s:%ld: more than %d fields", c->path, c->line,
                                    CSV_MAX_FIELDS);
        c->fields[c->nfields++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0')
                    return report_error_set(err, "%s:%ld: field %zu: unterminated quote",
                                            c->path, c->line, c->nfields);
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            if (*r != ',' && *r != '\0')
                return report_error_set(err, "%s:%ld: field %zu: text after closing quote",
                                        c->path, c->line, c->nfields);
        } else {
            while (*r != ',' && *r != '\0') {
                if (*r == '"')
                    return report_error_set(err, "%s:%ld: field %zu: quote inside an unquoted "
                                            "field", c->path, c->line, c->nfields);
                *w++ = *r++;
            }
        }
        if (*r == '\0') {
            *w = '\0';
            return 0;
        }
        *w++ = '\0';
        r++;
    }
}

int report_csv_open(struct report_csv **out, const char *path, struct report_error *err)
{
    *out = NULL;
    struct report_csv *c = santa_calloc(1, sizeof *c);
    if (c == NULL)
        return report_error_set(err, "%s: out of memory", path);
    c->path = santa_strdup(path);
    if (c->path == NULL) {
        santa_free(c);
        return report_error_set(err, "%s: out of memory", path);
    }
    c->f = fopen(path, "r");
    if (c->f == NULL) {
        report_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    int rc = read_line(c, err);
    if (rc == 0)
        report_error_set(err, "%s:1: empty file, expected a header row", path);
    if (rc <= 0 || split(c, err) < 0)
        goto fail;
    for (size_t i = 0; i < c->nfields; i++) {
        c->header[i] = santa_strdup(c->fields[i]);
        if (c->header[i] == NULL) {
            report_error_set(err, "%s: out of memory", path);
            goto fail;
        }
        c->ncols = i + 1;
    }
    *out = c;
    return 0;
fail:
    report_csv_close(c);
    return -1;
}

void report_csv_close(struct report_csv *c)
{
    if (c == NULL)
        return;
    if (c->f != NULL)
        fclose(c->f);
    for (size_t i = 0; i < c->ncols; i++)
        santa_free(c->header[i]);
    santa_free(c->path);
    santa_free(c);
}

int report_csv_columns(const struct report_csv *c, const char *const *names, size_t n,
                       int *idx, struct report_error *err)
{
    for (size_t i = 0; i < n; i++) {
        idx[i] = -1;
        for (size_t j = 0; j < c->ncols; j++)
            if (strcmp(c->header[j], names[i]) == 0)
                idx[i] = (int)j;
        if (idx[i] < 0)
            return report_error_set(err, "%s:1: missing column '%s'", c->path, names[i]);
    }
    return 0;
}

int report_csv_next(struct report_csv *c, struct report_error *err)
{
    for (;;) {
        int rc = read_line(c, err);
        if (rc <= 0)
            return rc;
        if (c->buf[0] == '\0')
            continue;
        if (split(c, err) < 0)
            return -1;
        if (c->nfields != c->ncols)
            return report_error_set(err, "%s:%ld: %zu fields, the header has %zu", c->path,
                                    c->line, c->nfields, c->ncols);
        return 1;
    }
}

const char *report_csv_field(const struct report_csv *c, int col)
{
    if (col < 0 || (size_t)col >= c->nfields)
        return "";
    return c->fields[col];
}

long report_csv_line(const struct report_csv *c)
{
    return c->line;
}

int report_csv_number(const struct report_csv *c, int col, double *out, bool *present,
                      struct report_error *err)
{
    const char *s = report_csv_field(c, col);
    const char *name = (col >= 0 && (size_t)col < c->ncols) ? c->header[col] : "?";
    *out = 0;
    if (present != NULL)
        *present = false;
    if (*s == '\0') {
        if (present != NULL)
            return 0;
        return report_error_set(err, "%s:%ld: column '%s': empty, expected a number", c->path,
                                c->line, name);
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return report_error_set(err, "%s:%ld: column '%s': '%.40s' is not a finite number",
                                c->path, c->line, name, s);
    *out = v;
    if (present != NULL)
        *present = true;
    return 0;
}
