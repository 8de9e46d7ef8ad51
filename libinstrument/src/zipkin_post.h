/*
 * zipkin_post.h - POSTing a batch of spans to a Zipkin collector (libcurl,
 * the only file that includes curl.h). Used by the exporter thread only.
 */
#ifndef INST_ZIPKIN_POST_H
#define INST_ZIPKIN_POST_H

#include <stdbool.h>
#include <stddef.h>

struct inst_zipkin_post;

struct inst_zipkin_post *inst_zipkin_post_open(const char *url);
/* Sends body (a JSON array); false on a transport error or a non-2xx answer. Bounded by a
   2-second timeout so a dead collector costs drops, never a stuck exporter. */
bool inst_zipkin_post_send(struct inst_zipkin_post *p, const char *body, size_t len);
void inst_zipkin_post_close(struct inst_zipkin_post *p);

#endif
