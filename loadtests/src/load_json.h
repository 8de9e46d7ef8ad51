/*
 * load_json.h - the load generator's JSON, in and out. This file's .c is the
 * only one of loadtests that includes jansson.h (STYLE.md rule 4).
 *
 * In: string members of an API answer (ids, tokens, invite codes).
 * Out: summary.json, the results contract read by santa-report
 * (loadtests/README.md, "The results folder").
 */
#ifndef SANTA_LOAD_JSON_H
#define SANTA_LOAD_JSON_H

#include <stddef.h>

struct load_summary;

/* Copies the top-level string members keys[i] of the JSON object in body into
   outs[i] (each cap bytes). Returns 0 when every one was there and fitted. */
int load_json_strings(const char *body, size_t len, const char *const *keys, char *const *outs,
                      size_t cap, unsigned n);

/* Writes path (summary.json) from s. Returns 0 or -1 with a message in err. */
int load_json_write_summary(const char *path, const struct load_summary *s, char *err,
                            size_t errn);

#endif /* SANTA_LOAD_JSON_H */
