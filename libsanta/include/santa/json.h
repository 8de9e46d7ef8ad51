/*
 * santa/json.h - strict JSON in and out, with jansson kept behind this one
 * header. Public (stage 04 caches values as JSON through it); the code lives
 * in the santa library.
 *
 * Input: santa_json_read_object() parses a request body strictly (RFC 8259,
 * valid UTF-8, duplicate members rejected, unknown members rejected) into a
 * table of expected fields, copying strings into the request's arena.
 *
 * Output: a small builder (struct santa_jb) that assembles one document and
 * renders it compactly. Any allocation failure inside the builder is sticky:
 * santa_jb_finish() then returns NULL and the caller answers 503.
 *
 * jansson.h is included only by json.c.
 */
#ifndef SANTA_JSON_H
#define SANTA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/status.h"

enum santa_field_type { SANTA_FIELD_STRING, SANTA_FIELD_BOOL };

/* One expected member. Optional members may be absent or null; then
 * *present stays false. */
struct santa_field {
    const char *name;
    enum santa_field_type type;
    bool required;
    const char **str_out; /* STRING: arena copy */
    size_t *len_out;      /* STRING: its length in bytes (may be NULL) */
    bool *bool_out;       /* BOOL */
    bool present;         /* set by the reader */
};

/* Why a body was refused: which member, and a sentence for people. */
struct santa_json_error {
    const char *field; /* static or a field name; NULL when not about a member */
    char detail[160];
};

/*
 * Parses body[0..len) as one JSON object and fills fields[].
 * Returns SANTA_OK, SANTA_INVALID_JSON (not JSON, by RFC 8259's grammar),
 * SANTA_VALIDATION_FAILED (JSON, but nested deeper than SANTA_JSON_MAX_DEPTH,
 * not an object, wrong type, missing member, duplicate member, a number out
 * of range, a \u0000 in a string), SANTA_UNKNOWN_FIELD, or SANTA_UNAVAILABLE
 * (out of memory). An empty body with allow_empty counts as {}.
 */
enum santa_status santa_json_read_object(const char *body, size_t len, bool allow_empty,
                                         struct santa_field *fields, size_t nfields,
                                         struct santa_arena *a, struct santa_json_error *err);

#define SANTA_JB_DEPTH 8

struct santa_jb {
    void *stack[SANTA_JB_DEPTH]; /* json_t *, root first */
    int depth;
    bool failed;
};

/* Starts a document whose root is an object. */
void santa_jb_init(struct santa_jb *jb);
/* Members of the innermost open object; key is ignored inside arrays.
 * santa_jb_str with val == NULL writes null. */
void santa_jb_str(struct santa_jb *jb, const char *key, const char *val);
void santa_jb_bool(struct santa_jb *jb, const char *key, bool val);
void santa_jb_uint(struct santa_jb *jb, const char *key, uint64_t val);
void santa_jb_null(struct santa_jb *jb, const char *key);
void santa_jb_begin_object(struct santa_jb *jb, const char *key);
void santa_jb_begin_array(struct santa_jb *jb, const char *key);
void santa_jb_end(struct santa_jb *jb);
/* Renders the document (santa_malloc'ed, NUL-terminated) and frees the
 * builder's tree. NULL when anything failed; *len gets the byte count. */
char *santa_jb_finish(struct santa_jb *jb, size_t *len);
/* Frees the tree without rendering (on an error path). */
void santa_jb_discard(struct santa_jb *jb);

/* Deepest nesting a request body may have. Our bodies are flat objects
 * (depth 1); 32 leaves room and keeps any parser's recursion small. */
#define SANTA_JSON_MAX_DEPTH 32

/*
 * The RFC 8259 grammar check santa_json_read_object() runs before jansson
 * (json_syntax.c): no recursion, any depth. Returns SANTA_OK with *depth the
 * deepest nesting (0 for a scalar), SANTA_INVALID_JSON with *error_at the
 * byte offset where the grammar broke, or SANTA_UNAVAILABLE (out of memory).
 */
enum santa_status santa_json_syntax_check(const char *body, size_t len, size_t *depth,
                                          size_t *error_at);

/* Routes jansson's allocations through santa_malloc (call once at start). */
void santa_json_init(void);

#endif /* SANTA_JSON_H */
