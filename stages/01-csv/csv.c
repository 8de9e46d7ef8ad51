/*
 * csv.c - RFC 4180 records in and out, with the reversible formula guard.
 * See csv.h for the contract.
 */
#include "csv.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "santa/alloc.h"

#define CSV_GUARD '\''

/* ---- output ------------------------------------------------------------ */

void csv_buf_init(struct csv_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void csv_buf_free(struct csv_buf *b)
{
    santa_free(b->data);
    csv_buf_init(b);
}

void csv_buf_clear(struct csv_buf *b)
{
    b->len = 0;
}

static bool csv_buf_reserve(struct csv_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *p = santa_realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool csv_field_needs_guard(const char *field, size_t len)
{
    if (len == 0)
        return false;
    switch (field[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
    case CSV_GUARD:
        return true;
    default:
        return false;
    }
}

static bool csv_field_needs_quotes(const char *field, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = field[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return true;
    }
    return false;
}

/* Worst case a field doubles (every byte a quote) plus guard, two quotes and
 * a separator; reserving that up front keeps the copy loop free of checks. */
static bool csv_buf_add_field(struct csv_buf *b, const char *field, bool last)
{
    size_t len = strlen(field);
    if (len > (SIZE_MAX - 8) / 2 || !csv_buf_reserve(b, 2 * len + 8))
        return false;
    bool quoted = csv_field_needs_quotes(field, len);
    char *o = b->data + b->len;
    if (quoted)
        *o++ = '"';
    if (csv_field_needs_guard(field, len))
        *o++ = CSV_GUARD;
    for (size_t i = 0; i < len; i++) {
        if (field[i] == '"')
            *o++ = '"';
        *o++ = field[i];
    }
    if (quoted)
        *o++ = '"';
    if (last) {
        *o++ = '\r';
        *o++ = '\n';
    } else {
        *o++ = ',';
    }
    b->len = (size_t)(o - b->data);
    return true;
}

bool csv_buf_add_record(struct csv_buf *b, const char *const *fields, size_t n)
{
    size_t mark = b->len;
    for (size_t i = 0; i < n; i++) {
        if (!csv_buf_add_field(b, fields[i] ? fields[i] : "", i + 1 == n)) {
            b->len = mark;
            return false;
        }
    }
    if (n == 0) { /* a record of no fields still needs its terminator */
        if (!csv_buf_reserve(b, 2))
            return false;
        b->data[b->len++] = '\r';
        b->data[b->len++] = '\n';
    }
    return true;
}

/* ---- records ----------------------------------------------------------- */

void csv_record_init(struct csv_record *r)
{
    memset(r, 0, sizeof *r);
}

void csv_record_free(struct csv_record *r)
{
    santa_free(r->text);
    santa_free(r->offs);
    csv_record_init(r);
}

size_t csv_record_count(const struct csv_record *r)
{
    return r->count;
}

const char *csv_record_field(const struct csv_record *r, size_t i)
{
    return i < r->count ? r->text + r->offs[i] : NULL;
}

static bool rec_reserve_text(struct csv_record *r, size_t extra)
{
    if (extra <= r->text_cap - r->text_len)
        return true;
    size_t cap = r->text_cap ? r->text_cap : 256;
    while (cap - r->text_len < extra) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *p = santa_realloc(r->text, cap);
    if (!p)
        return false;
    r->text = p;
    r->text_cap = cap;
    return true;
}

static bool rec_begin_field(struct csv_record *r)
{
    if (r->count == r->offs_cap) {
        size_t cap = r->offs_cap ? 2 * r->offs_cap : 16;
        size_t *p = santa_realloc(r->offs, cap * sizeof *p);
        if (!p)
            return false;
        r->offs = p;
        r->offs_cap = cap;
    }
    r->offs[r->count++] = r->text_len;
    return true;
}

/* Terminates the current field and undoes the guard: exactly one leading '
 * is the writer's, everything after it is the stored text. */
static bool rec_end_field(struct csv_record *r)
{
    if (!rec_reserve_text(r, 1))
        return false;
    size_t start = r->offs[r->count - 1];
    if (r->text_len > start && r->text[start] == CSV_GUARD) {
        memmove(r->text + start, r->text + start + 1, r->text_len - start - 1);
        r->text_len--;
    }
    r->text[r->text_len++] = '\0';
    return true;
}

/* ---- parsing ----------------------------------------------------------- */

/* After a field: a comma (more fields), or a terminator (record done). */
enum sep { SEP_COMMA, SEP_END, SEP_SHORT, SEP_BAD };

static enum sep read_separator(const char *buf, size_t len, size_t *i)
{
    if (*i >= len)
        return SEP_SHORT;
    char c = buf[*i];
    if (c == ',') {
        (*i)++;
        return SEP_COMMA;
    }
    if (c == '\n') {
        (*i)++;
        return SEP_END;
    }
    if (c == '\r') {
        if (*i + 1 >= len)
            return SEP_SHORT;
        if (buf[*i + 1] != '\n')
            return SEP_BAD;
        *i += 2;
        return SEP_END;
    }
    return SEP_BAD;
}

enum csv_result csv_parse_record(const char *buf, size_t len, size_t *pos, struct csv_record *rec)
{
    size_t i = *pos;
    if (i >= len)
        return CSV_END;
    rec->count = 0;
    rec->text_len = 0;
    for (;;) {
        if (!rec_begin_field(rec))
            return CSV_NOMEM;
        if (i < len && buf[i] == '"') {
            i++;
            for (;;) {
                /* Copy the run up to the next quote in one go. */
                const char *q = i < len ? memchr(buf + i, '"', len - i) : NULL;
                if (!q)
                    return CSV_INCOMPLETE;
                size_t run = (size_t)(q - (buf + i));
                if (!rec_reserve_text(rec, run + 1))
                    return CSV_NOMEM;
                memcpy(rec->text + rec->text_len, buf + i, run);
                rec->text_len += run;
                i += run + 1;
                if (i >= len)
                    return CSV_INCOMPLETE; /* "" or the closing quote? not yet known */
                if (buf[i] != '"')
                    break; /* closing quote */
                rec->text[rec->text_len++] = '"';
                i++;
            }
        } else {
            size_t start = i;
            while (i < len && buf[i] != ',' && buf[i] != '\r' && buf[i] != '\n') {
                if (buf[i] == '"')
                    return CSV_MALFORMED; /* a quote inside an unquoted field */
                i++;
            }
            if (!rec_reserve_text(rec, i - start + 1))
                return CSV_NOMEM;
            memcpy(rec->text + rec->text_len, buf + start, i - start);
            rec->text_len += i - start;
        }
        if (!rec_end_field(rec))
            return CSV_NOMEM;
        switch (read_separator(buf, len, &i)) {
        case SEP_COMMA:
            continue;
        case SEP_END:
            *pos = i;
            return CSV_OK;
        case SEP_SHORT:
            return CSV_INCOMPLETE;
        case SEP_BAD:
            return CSV_MALFORMED;
        }
    }
}

/* ---- reading a file ---------------------------------------------------- */

#define CSV_READ_CHUNK 65536

void csv_reader_init(struct csv_reader *rd, int fd)
{
    memset(rd, 0, sizeof *rd);
    rd->fd = fd;
}

void csv_reader_free(struct csv_reader *rd)
{
    santa_free(rd->buf);
    rd->buf = NULL;
    rd->cap = rd->len = rd->pos = 0;
}

off_t csv_reader_offset(const struct csv_reader *rd)
{
    return rd->base + (off_t)rd->pos;
}

/* Makes room for one more chunk: first drop what was parsed already, then
 * grow (a single record larger than the buffer doubles it). */
static bool reader_make_room(struct csv_reader *rd)
{
    if (rd->pos > 0) {
        memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
        rd->base += (off_t)rd->pos;
        rd->len -= rd->pos;
        rd->pos = 0;
    }
    if (rd->cap - rd->len >= CSV_READ_CHUNK)
        return true;
    size_t cap = rd->cap ? rd->cap : CSV_READ_CHUNK;
    while (cap - rd->len < CSV_READ_CHUNK) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *p = santa_realloc(rd->buf, cap);
    if (!p)
        return false;
    rd->buf = p;
    rd->cap = cap;
    return true;
}

enum csv_result csv_reader_next(struct csv_reader *rd, struct csv_record *rec)
{
    for (;;) {
        enum csv_result r = CSV_END;
        if (rd->pos < rd->len) {
            r = csv_parse_record(rd->buf, rd->len, &rd->pos, rec);
            if (r != CSV_INCOMPLETE)
                return r;
        }
        if (rd->eof)
            return r; /* CSV_END, or CSV_INCOMPLETE: a torn tail */
        if (!reader_make_room(rd))
            return CSV_NOMEM;
        ssize_t n;
        do {
            n = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            return CSV_IO;
        if (n == 0)
            rd->eof = true;
        rd->len += (size_t)n;
    }
}
