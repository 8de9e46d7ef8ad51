/*
 * report_prom.c - Prometheus text format parser (see report_prom.h).
 *
 * Grammar per line (after leading blanks):
 *   metric_name [ "{" label_name "=" '"' value '"' { "," ... } [","] "}" ] value [timestamp]
 * Label values may hold \\, \" and \n escapes. Values are floats, +Inf,
 * -Inf or NaN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_prom.h"
#include "santa/alloc.h"
#include "santa/arena.h"

enum { PROM_MAX_FILE = 16 << 20, PROM_MAX_LABELS = 32, PROM_MAX_LINE = 64 * 1024 };

struct prom_sample {
    const char *name;
    const char **keys;
    const char **values;
    size_t nlabels;
    double value;
};

struct report_prom {
    struct santa_arena arena; /* every string and label array */
    struct prom_sample *samples;
    size_t n, cap;
};

/* One line being parsed: a cursor, its end, and where we are for errors. */
struct cursor {
    const char *p, *end;
    const char *file;
    long line;
};

static bool name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':';
}

static bool name_char(char ch)
{
    return name_start(ch) || (ch >= '0' && ch <= '9');
}

static void skip_blanks(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static int fail(const struct cursor *c, struct report_error *err, const char *what)
{
    return report_error_set(err, "%s:%ld: %s", c->file, c->line, what);
}

/* Copies an identifier into the arena. */
static const char *read_name(struct cursor *c, struct santa_arena *a)
{
    const char *start = c->p;
    if (c->p >= c->end || !name_start(*c->p))
        return NULL;
    while (c->p < c->end && name_char(*c->p))
        c->p++;
    return santa_arena_strndup(a, start, (size_t)(c->p - start));
}

/* Reads '"' ... '"' with escapes into the arena; NULL with err set. */
static const char *read_label_value(struct cursor *c, struct santa_arena *a,
                                    struct report_error *err)
{
    if (c->p >= c->end || *c->p != '"') {
        fail(c, err, "expected '\"' to open a label value");
        return NULL;
    }
    c->p++;
    char *out = santa_arena_alloc(a, (size_t)(c->end - c->p) + 1);
    if (out == NULL) {
        fail(c, err, "out of memory");
        return NULL;
    }
    size_t n = 0;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\\') {
            if (c->p >= c->end)
                break;
            ch = *c->p++;
            if (ch == 'n')
                ch = '\n';
            else if (ch != '\\' && ch != '"') {
                fail(c, err, "bad escape in a label value (only \\\\, \\\" and \\n)");
                return NULL;
            }
        }
        out[n++] = ch;
    }
    if (c->p >= c->end) {
        fail(c, err, "unterminated label value");
        return NULL;
    }
    c->p++;
    out[n] = '\0';
    return out;
}

static int read_labels(struct cursor *c, struct santa_arena *a, struct prom_sample *s,
                       struct report_error *err)
{
    const char *keys[PROM_MAX_LABELS], *values[PROM_MAX_LABELS];
    size_t n = 0;
    c->p++; /* '{' */
    for (;;) {
        skip_blanks(c);
        if (c->p < c->end && *c->p == '}')
            break;
        if (n == PROM_MAX_LABELS)
            return fail(c, err, "too many labels");
        keys[n] = read_name(c, a);
        if (keys[n] == NULL)
            return fail(c, err, "expected a label name or '}'");
        skip_blanks(c);
        if (c->p >= c->end || *c->p != '=')
            return fail(c, err, "expected '=' after a label name");
        c->p++;
        skip_blanks(c);
        values[n] = read_label_value(c, a, err);
        if (values[n] == NULL)
            return -1;
        n++;
        skip_blanks(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p >= c->end || *c->p != '}')
            return fail(c, err, "expected ',' or '}' after a label value");
        break;
    }
    c->p++; /* '}' */
    s->nlabels = n;
    s->keys = santa_arena_alloc(a, (n ? n : 1) * sizeof *s->keys);
    s->values = santa_arena_alloc(a, (n ? n : 1) * sizeof *s->values);
    if (s->keys == NULL || s->values == NULL)
        return fail(c, err, "out of memory");
    memcpy(s->keys, keys, n * sizeof *keys);
    memcpy(s->values, values, n * sizeof *values);
    return 0;
}

/* Parses a float token: strtod handles Inf/NaN spellings; we allow +Inf. */
static int read_value(struct cursor *c, double *out, struct report_error *err)
{
    char tok[64];
    const char *start = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        c->p++;
    size_t n = (size_t)(c->p - start);
    if (n == 0)
        return fail(c, err, "expected a sample value");
    if (n >= sizeof tok)
        return fail(c, err, "sample value too long");
    memcpy(tok, start, n);
    tok[n] = '\0';
    char *end = NULL;
    errno = 0;
    *out = strtod(tok, &end);
    if (end == tok || *end != '\0')
        return report_error_set(err, "%s:%ld: '%s' is not a number", c->file, c->line, tok);
    return 0;
}

static int parse_line(struct report_prom *p, struct cursor *c, struct report_error *err)
{
    skip_blanks(c);
    if (c->p == c->end || *c->p == '#')
        return 0;
    struct prom_sample s = {0};
    s.name = read_name(c, &p->arena);
    if (s.name == NULL)
        return fail(c, err, "expected a metric name");
    if (c->p < c->end && *c->p == '{') {
        if (read_labels(c, &p->arena, &s, err) < 0)
            return -1;
    }
    skip_blanks(c);
    if (read_value(c, &s.value, err) < 0)
        return -1;
    skip_blanks(c);
    if (c->p < c->end) { /* an optional integer timestamp, then nothing */
        double ts;
        if (read_value(c, &ts, err) < 0)
            return -1;
        skip_blanks(c);
        if (c->p < c->end)
            return fail(c, err, "unexpected text after the timestamp");
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct prom_sample *ns = santa_realloc(p->samples, cap * sizeof *ns);
        if (ns == NULL)
            return fail(c, err, "out of memory");
        p->samples = ns;
        p->cap = cap;
    }
    p->samples[p->n++] = s;
    return 0;
}

int report_prom_parse(struct report_prom **out, const char *name, const char *text, size_t len,
                      struct report_error *err)
{
    *out = NULL;
    struct report_prom *p = santa_calloc(1, sizeof *p);
    if (p == NULL)
        return report_error_set(err, "%s: out of memory", name);
    santa_arena_init(&p->arena, (size_t)PROM_MAX_FILE * 4);
    const char *line = text, *end = text + len;
    long lineno = 0;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        lineno++;
        struct cursor c = {.p = line, .end = stop, .file = name, .line = lineno};
        if (stop > line && stop[-1] == '\r')
            c.end--;
        if (memchr(line, '\0', (size_t)(stop - line)) != NULL) {
            report_prom_free(p);
            return fail(&c, err, "NUL byte in a text file");
        }
        if (stop - line > PROM_MAX_LINE || parse_line(p, &c, err) < 0) {
            if (stop - line > PROM_MAX_LINE)
                fail(&c, err, "line too long");
            report_prom_free(p);
            return -1;
        }
        line = nl ? nl + 1 : end;
    }
    *out = p;
    return 0;
}

int report_prom_load(struct report_prom **out, const char *path, struct report_error *err)
{
    struct stat st;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return report_error_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0 || st.st_size > PROM_MAX_FILE) {
        fclose(f);
        return report_error_set(err, "%s: unreadable or larger than %d bytes", path,
                                PROM_MAX_FILE);
    }
    /* One byte more than stat said, so a file that grew meanwhile is noticed. */
    size_t want = (size_t)st.st_size + 1;
    char *text = santa_malloc(want);
    if (text == NULL) {
        fclose(f);
        return report_error_set(err, "%s: out of memory", path);
    }
    size_t len = fread(text, 1, want, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = report_error_set(err, "%s: read error", path);
    else if (len == want)
        rc = report_error_set(err, "%s: changed while being read", path);
    else
        rc = report_prom_parse(out, path, text, len, err);
    santa_free(text);
    return rc;
}

void report_prom_free(struct report_prom *p)
{
    if (p == NULL)
        return;
    santa_arena_release(&p->arena);
    santa_free(p->samples);
    santa_free(p);
}

size_t report_prom_count(const struct report_prom *p)
{
    return p ? p->n : 0;
}

static bool has_label(const struct prom_sample *s, const char *label, const char *value)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->keys[i], label) == 0)
            return strcmp(s->values[i], value) == 0;
    return false;
}

size_t report_prom_sum(const struct report_prom *p, const char *name, const char *label,
                       const char *value, double *sum)
{
    const char *const pairs[] = {label, value};
    return report_prom_sum_match(p, name, pairs, label ? 1 : 0, sum);
}

const char *report_prom_name(const struct report_prom *p, size_t i)
{
    return p->samples[i].name;
}

const char *report_prom_label(const struct report_prom *p, size_t i, const char *label)
{
    const struct prom_sample *s = &p->samples[i];
    for (size_t k = 0; k < s->nlabels; k++)
        if (strcmp(s->keys[k], label) == 0)
            return s->values[k];
    return "";
}

size_t report_prom_sum_match(const struct report_prom *p, const char *name,
                             const char *const *pairs, size_t npairs, double *sum)
{
    size_t matched = 0;
    *sum = 0;
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct prom_sample *s = &p->samples[i];
        if (strcmp(s->name, name) != 0)
            continue;
        bool all = true;
        for (size_t k = 0; k < npairs && all; k++)
            all = has_label(s, pairs[2 * k], pairs[2 * k + 1]);
        if (!all)
            continue;
        *sum += s->value;
        matched++;
    }
    return matched;
}
