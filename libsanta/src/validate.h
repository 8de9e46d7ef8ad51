/*
 * validate.h - the content rules of docs/API.md, one function each.
 *
 * Inputs are byte strings that jansson has already checked to be valid UTF-8
 * without NUL. Lengths in the contract are in characters (code points), so
 * "100 chars" admits 100 emoji as readily as 100 ASCII letters. Every
 * function is pure and thread-safe.
 */
#ifndef SANTA_VALIDATE_H
#define SANTA_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "santa/arena.h"

/* Number of code points in valid UTF-8. */
size_t santa_utf8_chars(const char *s, size_t len);
/* A name: 1..100 characters, not only blanks, no control characters. */
bool santa_valid_name(const char *s, size_t len);
/* An address: <= 254 characters, local@domain, local part 1..64, a domain
 * with a dot inside, no blanks or control characters. */
bool santa_valid_email(const char *s, size_t len);
/* A real calendar date written YYYY-MM-DD. */
bool santa_valid_date(const char *s, size_t len);
/* Free text of at most max_chars characters (wishlist, budget). */
bool santa_valid_text(const char *s, size_t len, size_t max_chars);
/* The email with ASCII letters lowercased: the uniqueness key. NULL on OOM. */
char *santa_email_key(struct santa_arena *a, const char *email, size_t len);

#endif /* SANTA_VALIDATE_H */
