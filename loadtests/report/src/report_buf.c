/*
 * report_buf.c - growable, bounded text buffer and HTML escaping (see report_buf.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_buf.h"
#include "report_err.h"
#include "santa/alloc.h"

int report_error_set(struct report_error *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void report_buf_init(struct report_buf *b, size_t limit)
{
    *b = (struct report_buf){.limit = limit};
}

void report_buf_release(struct report_buf *b)
{
    santa_free(b->data);
    *b = (struct report_buf){.limit = b->limit};
}

/* Makes room for n more bytes plus the NUL; false (and failed set) if not. */
static bool reserve(struct report_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > b->limit - b->len) {
        b->failed = true;
        return false;
    }
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *d = santa_realloc(b->data, cap);
    if (d == NULL) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void report_buf_append(struct report_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void report_buf_puts(struct report_buf *b, const char *s)
{
    report_buf_append(b, s, strlen(s));
}

void report_buf_printf(struct report_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        report_buf_append(b, small, (size_t)n);
        return;
    }
    /* Longer than the stack buffer: format straight into the buffer. */
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void report_buf_escape(struct report_buf *b, const char *s)
{
    if (s == NULL)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *ent = NULL;
        switch (*s) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: continue;
        }
        report_buf_append(b, run, (size_t)(s - run));
        report_buf_puts(b, ent);
        run = s + 1;
    }
    report_buf_append(b, run, (size_t)(s - run));
}

void report_fmt(char *out, size_t n, double v)
{
    double a = fabs(v);
    /* Integers, give or take the last bits of a division, print as integers. */
    if (a >= 100 || fabs(v - round(v)) < 1e-9 * fmax(1, a))
        snprintf(out, n, "%.0f", v);
    else if (a >= 10)
        snprintf(out, n, "%.1f", v);
    else if (a >= 1)
        snprintf(out, n, "%.2f", v);
    else
        snprintf(out, n, "%.3f", v);
}
