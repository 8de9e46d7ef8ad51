/*
 * instrument/trace.h - spans and W3C trace-context propagation.
 *
 * A span is one timed piece of work: a name, a start, a duration, a few
 * attributes, an error flag and a parent. Spans live inside the current
 * request (instrument/request.h): the request's root span is opened by
 * inst_request_begin() and every inst_span_start() on the same thread nests
 * under the span that is current, so a store call made inside a handler
 * becomes a child of the request without passing anything around.
 *
 * Spans are fixed-size records in a per-thread array (INST_SPANS_MAX per
 * request; more are dropped and counted), so starting one allocates nothing.
 * Finished, sampled requests are handed to the exporter thread through a
 * bounded per-thread ring (instrument/instrument.h); nothing is written or
 * sent on the request path.
 *
 * Every function accepts NULL and then does nothing, so callers never test
 * whether tracing is on. A span pointer belongs to the thread and request
 * that started it: it is valid until inst_span_end() or the end of the
 * request, whichever comes first, and only on that thread.
 */
#ifndef INST_TRACE_H
#define INST_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INST_SPANS_MAX 32       /* spans per request, root included */
#define INST_SPAN_NAME_MAX 64   /* longer names are cut */
#define INST_SPAN_ATTRS_MAX 200 /* bytes of "key\0value\0" per span; more are dropped */
#define INST_TRACEPARENT_LEN 55 /* "00-" 32 hex "-" 16 hex "-" 2 hex */

struct inst_span; /* opaque */

/* Starts a child of the current thread's current span (NULL when tracing is off or no trace
   is current). The new span becomes current until ended. name is copied. */
struct inst_span *inst_span_start(const char *name);

/* Adds an attribute (a Zipkin tag); key and value are copied, cut to fit. */
void inst_span_attr(struct inst_span *s, const char *key, const char *value);

/* Ends s; error marks it failed (tag error=true). Its parent becomes current again. Ending a
   span that is not current also ends the open spans started inside it. */
void inst_span_end(struct inst_span *s, bool error);

/* Writes the W3C traceparent of the current span ("00-<32hex>-<16hex>-<2hex>", 55 chars +
   NUL) for an outgoing call; returns false (and writes "") when no trace is current. */
bool inst_trace_current_traceparent(char out[56]);

/* A sqlcommenter comment carrying the current traceparent, to append to an SQL statement
   sent to a database server: traceparent='00-...-01' inside the SQL comment delimiters
   slash-star and star-slash, 73 chars + NUL (so cap >= 74). Returns false (and writes "")
   when no trace is current or cap is too small. */
#define INST_SQL_COMMENT_LEN 73
bool inst_trace_sql_comment(char *out, size_t cap);

/* The current trace id as 32 lowercase hex digits + NUL; false (and "") when none. */
bool inst_trace_current_id(char out[33]);

/* A parsed traceparent header. */
struct inst_trace_context {
    uint8_t trace_id[16];
    uint8_t parent_id[8];
    uint8_t flags; /* bit 0: the caller sampled this trace */
};

/* Parses a traceparent header strictly (W3C Trace Context level 1): version 00 must be
   exactly 55 characters; a higher version may carry more after a '-'; version ff, upper-case
   or non-hex digits, wrong lengths or separators, and all-zero ids are refused. Returns false
   for anything malformed - the caller then starts a new trace, it never fails the request. */
bool inst_traceparent_parse(const char *header, struct inst_trace_context *out);

/* Formats a traceparent (version 00) into out[56]. */
void inst_traceparent_format(const uint8_t trace_id[16], const uint8_t span_id[8], uint8_t flags,
                             char out[56]);

#endif
