/*
 * json_syntax.c - the RFC 8259 grammar check that runs before jansson.
 *
 * Why it exists: jansson parses recursively, one C frame per nesting level,
 * and CivetWeb's worker threads have about 100 KiB of stack, so 850 nested
 * arrays killed the process. This checker is a loop with an explicit stack
 * (one bit per level: object or array), so depth costs it nothing, and it
 * tells "not JSON" (invalid_json) from "JSON we refuse" (validation_failed)
 * before jansson's error codes can blur the two: jansson reports a huge
 * number as out of range even when it sits where a member name belongs,
 * and an invalid escape before a multi-byte character as out of memory.
 *
 * It checks the grammar only. UTF-8 inside strings is left to jansson,
 * whose refusal is already reported as invalid_json.
 */
#include <string.h>

#include "santa/json.h"
#include "santa/alloc.h"

struct scan {
    const unsigned char *p, *end;
    uint8_t *stack; /* bit i: level i+1 is an object */
    size_t depth, max_depth, cap_bits;
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string from its opening quote; control characters (NUL included) must
 * be escaped, and only the eight escapes of RFC 8259 exist. */
static int scan_string(struct scan *s)
{
    s->p++;
    while (s->p < s->end) {
        unsigned char c = *s->p++;
        if (c == '"')
            return 0;
        if (c < 0x20)
            return -1;
        if (c != '\\')
            continue;
        if (s->p >= s->end)
            return -1;
        c = *s->p++;
        if (c == 'u') {
            for (int i = 0; i < 4; i++)
                if (s->p >= s->end || !is_hex(*s->p++))
                    return -1;
        } else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
            return -1;
        }
    }
    return -1; /* unterminated */
}

static int scan_digits(struct scan *s)
{
    const unsigned char *start = s->p;
    while (s->p < s->end && is_digit(*s->p))
        s->p++;
    return s->p > start ? 0 : -1;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct scan *s)
{
    if (*s->p == '-')
        s->p++;
    if (s->p >= s->end || !is_digit(*s->p))
        return -1;
    if (*s->p == '0')
        s->p++;
    else
        scan_digits(s);
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (scan_digits(s) != 0)
            return -1;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (scan_digits(s) != 0)
            return -1;
    }
    return 0;
}

static int scan_literal(struct scan *s)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
            s->p += n;
            return 0;
        }
    }
    return -1;
}

static int push(struct scan *s, int is_object)
{
    if (s->depth >= s->cap_bits)
        return -1; /* cannot happen: the stack has a bit per input byte */
    size_t i = s->depth++;
    if (is_object)
        s->stack[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        s->stack[i / 8] &= (uint8_t) ~(1u << (i % 8));
    if (s->depth > s->max_depth)
        s->max_depth = s->depth;
    return 0;
}

static int top_is_object(const struct scan *s)
{
    size_t i = s->depth - 1;
    return (s->stack[i / 8] >> (i % 8)) & 1;
}

/* The grammar as three states; returns 0 when the whole input is one value. */
static int run(struct scan *s)
{
need_value:
    skip_ws(s);
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '{':
    case '[': {
        int obj = *s->p == '{';
        if (push(s, obj) != 0)
            return -1;
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == (obj ? '}' : ']')) {
            s->p++;
            s->depth--;
            goto after_value;
        }
        if (obj)
            goto need_key;
        goto need_value;
    }
    case '"':
        if (scan_string(s) != 0)
            return -1;
        goto after_value;
    case 't':
    case 'f':
    case 'n':
        if (scan_literal(s) != 0)
            return -1;
        goto after_value;
    default:
        if (*s->p != '-' && !is_digit(*s->p))
            return -1;
        if (scan_number(s) != 0)
            return -1;
        goto after_value;
    }
need_key:
    skip_ws(s);
    if (s->p >= s->end || *s->p != '"' || scan_string(s) != 0)
        return -1;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return -1;
    s->p++;
    goto need_value;
after_value:
    skip_ws(s);
    if (s->depth == 0)
        return s->p == s->end ? 0 : -1;
    if (s->p >= s->end)
        return -1;
    if (*s->p == ',') {
        s->p++;
        if (top_is_object(s))
            goto need_key;
        goto need_value;
    }
    if (*s->p == (top_is_object(s) ? '}' : ']')) {
        s->p++;
        s->depth--;
        goto after_value;
    }
    return -1;
}

enum santa_status santa_json_syntax_check(const char *body, size_t len, size_t *depth,
                                          size_t *error_at)
{
    uint8_t small[64]; /* 512 levels without an allocation */
    struct scan s = {
        .p = (const unsigned char *)body,
        .end = (const unsigned char *)body + len,
        .stack = small,
        .cap_bits = sizeof small * 8,
    };
    /* Each level opens with a byte, so len bits always suffice. */
    if (len > s.cap_bits) {
        s.stack = santa_malloc(len / 8 + 1);
        if (s.stack == NULL)
            return SANTA_UNAVAILABLE;
        s.cap_bits = (len / 8 + 1) * 8;
    }
    int rc = run(&s);
    if (s.stack != small)
        santa_free(s.stack);
    *depth = s.max_depth;
    *error_at = (size_t)(s.p - (const unsigned char *)body);
    return rc == 0 ? SANTA_OK : SANTA_INVALID_JSON;
}
