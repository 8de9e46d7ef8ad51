/*
 * json.c - strict request parsing and response building on jansson.
 *
 * Why jansson: it is a small, well-kept C library packaged by Debian that
 * validates UTF-8, rejects duplicate keys on request (JSON_REJECT_DUPLICATES),
 * refuses NUL inside strings unless asked, bounds nesting, and reports a
 * machine-readable error code, so the strictness API.md asks for comes from
 * the parser instead of code written here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "santa/json.h"
#include "santa/alloc.h"

void santa_json_init(void)
{
    json_set_alloc_funcs(santa_malloc, santa_free);
}

__attribute__((format(printf, 3, 4))) static void
set_detail(struct santa_json_error *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->field = field;
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
}

/* jansson's error code decides between "not JSON" and "JSON we refuse". */
static enum santa_status parse_failure(const json_error_t *jerr, struct santa_json_error *err)
{
    switch (json_error_code(jerr)) {
    case json_error_out_of_memory:
        set_detail(err, NULL, "%s", "out of memory while parsing");
        return SANTA_UNAVAILABLE;
    case json_error_duplicate_key:
        set_detail(err, NULL, "%s", "an object has the same member twice");
        return SANTA_VALIDATION_FAILED;
    case json_error_numeric_overflow:
        set_detail(err, NULL, "%s", "a number is out of range");
        return SANTA_VALIDATION_FAILED;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        set_detail(err, NULL, "%s", "text may not contain the NUL character (\\u0000)");
        return SANTA_VALIDATION_FAILED;
    case json_error_stack_overflow:
        set_detail(err, NULL, "%s", "the document is nested too deeply");
        return SANTA_VALIDATION_FAILED;
    default:
        /* The parser's text says where (line, column) and what it expected. */
        set_detail(err, NULL, "%s", jerr->text);
        return SANTA_INVALID_JSON;
    }
}

static struct santa_field *find_field(struct santa_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static enum santa_status take_member(struct santa_field *f, json_t *v, struct santa_arena *a,
                                     struct santa_json_error *err)
{
    if (json_is_null(v) && !f->required)
        return SANTA_OK; /* optional and explicitly null: same as absent */
    if (f->type == SANTA_FIELD_BOOL) {
        if (!json_is_boolean(v)) {
            set_detail(err, f->name, "%s must be true or false", f->name);
            return SANTA_VALIDATION_FAILED;
        }
        *f->bool_out = json_is_true(v);
    } else {
        if (!json_is_string(v)) {
            set_detail(err, f->name, "%s must be a string", f->name);
            return SANTA_VALIDATION_FAILED;
        }
        size_t len = json_string_length(v);
        char *copy = santa_arena_strndup(a, json_string_value(v), len);
        if (copy == NULL) {
            set_detail(err, NULL, "%s", "out of memory");
            return SANTA_UNAVAILABLE;
        }
        *f->str_out = copy;
        if (f->len_out)
            *f->len_out = len;
    }
    f->present = true;
    return SANTA_OK;
}

static enum santa_status read_members(json_t *root, struct santa_field *fields, size_t nfields,
                                      struct santa_arena *a, struct santa_json_error *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        struct santa_field *f = find_field(fields, nfields, key);
        if (f == NULL) {
            /* The field name must outlive the parse tree: copy it. */
            const char *name = santa_arena_strdup(a, key);
            set_detail(err, name ? name : NULL, "unknown member \"%.100s\"", key);
            return name ? SANTA_UNKNOWN_FIELD : SANTA_UNAVAILABLE;
        }
        enum santa_status st = take_member(f, value, a, err);
        if (st != SANTA_OK)
            return st;
    }
    for (size_t i = 0; i < nfields; i++) {
        if (fields[i].required && !fields[i].present) {
            set_detail(err, fields[i].name, "%s is required", fields[i].name);
            return SANTA_VALIDATION_FAILED;
        }
    }
    return SANTA_OK;
}

enum santa_status santa_json_read_object(const char *body, size_t len, bool allow_empty,
                                         struct santa_field *fields, size_t nfields,
                                         struct santa_arena *a, struct santa_json_error *err)
{
    for (size_t i = 0; i < nfields; i++)
        fields[i].present = false;
    err->field = NULL;
    err->detail[0] = '\0';
    if (len == 0) {
        if (allow_empty)
            return read_members(NULL, fields, nfields, a, err);
        set_detail(err, NULL, "%s", "the request needs a JSON body");
        return SANTA_INVALID_JSON;
    }
    /* The grammar first, without recursion: only a well-formed document of
     * bounded depth reaches jansson (json_syntax.c says why). */
    size_t depth = 0, at = 0;
    enum santa_status syn = santa_json_syntax_check(body, len, &depth, &at);
    if (syn == SANTA_UNAVAILABLE) {
        set_detail(err, NULL, "%s", "out of memory while parsing");
        return syn;
    }
    if (syn != SANTA_OK) {
        set_detail(err, NULL, "not JSON: the grammar breaks at byte %zu", at);
        return SANTA_INVALID_JSON;
    }
    if (depth > SANTA_JSON_MAX_DEPTH) {
        set_detail(err, NULL, "the document is nested %zu levels deep; at most %d are allowed",
                   depth, SANTA_JSON_MAX_DEPTH);
        return SANTA_VALIDATION_FAILED;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL)
        return parse_failure(&jerr, err);
    enum santa_status st;
    if (!json_is_object(root)) {
        set_detail(err, NULL, "%s", "the body must be a JSON object");
        st = SANTA_VALIDATION_FAILED;
    } else {
        st = read_members(root, fields, nfields, a, err);
    }
    json_decref(root);
    return st;
}

/* ---- the builder ---- */

void santa_jb_init(struct santa_jb *jb)
{
    jb->depth = 0;
    jb->failed = false;
    json_t *root = json_object();
    if (root == NULL) {
        jb->failed = true;
        return;
    }
    jb->stack[jb->depth++] = root;
}

/* Attaches v (stealing the reference) to the innermost container. */
static void attach(struct santa_jb *jb, const char *key, json_t *v)
{
    if (v == NULL || jb->failed || jb->depth == 0) {
        jb->failed = true;
        json_decref(v);
        return;
    }
    json_t *top = jb->stack[jb->depth - 1];
    int rc = json_is_array(top) ? json_array_append_new(top, v) : json_object_set_new(top, key, v);
    if (rc != 0)
        jb->failed = true;
}

void santa_jb_str(struct santa_jb *jb, const char *key, const char *val)
{
    attach(jb, key, val ? json_string(val) : json_null());
}

void santa_jb_bool(struct santa_jb *jb, const char *key, bool val)
{
    attach(jb, key, json_boolean(val));
}

void santa_jb_uint(struct santa_jb *jb, const char *key, uint64_t val)
{
    attach(jb, key, json_integer((json_int_t)val));
}

void santa_jb_null(struct santa_jb *jb, const char *key)
{
    attach(jb, key, json_null());
}

static void begin(struct santa_jb *jb, const char *key, json_t *child)
{
    if (jb->depth >= SANTA_JB_DEPTH) {
        json_decref(child);
        jb->failed = true;
        return;
    }
    attach(jb, key, child); /* the parent owns it; the stack only borrows */
    if (!jb->failed)
        jb->stack[jb->depth++] = child;
}

void santa_jb_begin_object(struct santa_jb *jb, const char *key)
{
    begin(jb, key, json_object());
}

void santa_jb_begin_array(struct santa_jb *jb, const char *key)
{
    begin(jb, key, json_array());
}

void santa_jb_end(struct santa_jb *jb)
{
    if (jb->depth > 1)
        jb->depth--;
    else
        jb->failed = true; /* unbalanced: a programming error, fail loudly */
}

void santa_jb_discard(struct santa_jb *jb)
{
    if (jb->depth > 0)
        json_decref(jb->stack[0]);
    jb->depth = 0;
}

char *santa_jb_finish(struct santa_jb *jb, size_t *len)
{
    char *out = NULL;
    if (!jb->failed && jb->depth > 0) {
        /* Not escaping '/' and keeping UTF-8 as is: text comes back exactly
         * as it was sent. */
        out = json_dumps(jb->stack[0], JSON_COMPACT);
        if (out)
            *len = strlen(out);
    }
    santa_jb_discard(jb);
    return out;
}
