/*
 * load_trace.h - a fast per-thread random generator and W3C trace context ids.
 *
 * Every request carries a fresh traceparent so a slow request in the report can
 * be found in the server's traces. The ids need to be unique, not secret:
 * xoshiro256** seeded from getrandom(2) once per thread is plenty and costs a
 * few nanoseconds, where a CSPRNG call per request would not.
 */
#ifndef SANTA_LOAD_TRACE_H
#define SANTA_LOAD_TRACE_H

#include <stdint.h>

struct load_rng {
    uint64_t s[4];
};

/* Seeds from the kernel's random source (or the clock if that fails). */
void load_rng_seed(struct load_rng *r);
uint64_t load_rng_next(struct load_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t load_rng_below(struct load_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double load_rng_unit(struct load_rng *r);

#define LOAD_TRACEPARENT_LEN 55 /* "00-" 32 hex "-" 16 hex "-" 2 hex flags */

/* Writes a fresh traceparent (55 chars, no NUL) into out and its trace id into trace_id.
   The flags are 01 (sampled: the server should record and export the trace) with
   probability `sample` (0 to 1), else 00: a load test must not make the server export
   every request's spans, which would measure the exporter (santa-load --trace-sample). */
void load_traceparent(struct load_rng *r, double sample, char out[LOAD_TRACEPARENT_LEN],
                      uint8_t trace_id[16]);

/* 32 lower-case hex digits and a NUL. */
void load_trace_hex(const uint8_t trace_id[16], char out[33]);

#endif /* SANTA_LOAD_TRACE_H */
