/*
 * text.h - text for the span writers: hex ids and JSON string literals.
 *
 * Leaf of libinstrument: it includes nothing of ours, so trace.c,
 * request.c and zipkin.c all use it without reaching into each other (they
 * used to take inst_hex from trace.c and inst_json_str from instrument.c,
 * a circle of includes through internal.h).
 */
#ifndef INST_TEXT_H
#define INST_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of n bytes into out (2n chars + NUL). */
void inst_hex(const uint8_t *bytes, size_t n, char *out);

/* Appends a JSON string literal (quotes included) to buf at *len, escaped;
 * false when it does not fit in cap (then *len is unchanged). */
bool inst_json_str(char *buf, size_t cap, size_t *len, const char *s, size_t n);

#endif /* INST_TEXT_H */
