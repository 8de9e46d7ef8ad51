/*
 * internal.h - what libinstrument's files share: the span record, the
 * per-thread state and the global registry. Not installed.
 */
#ifndef INST_INTERNAL_H
#define INST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "instrument/instrument.h"
#include "instrument/trace.h"

struct inst_span {
    char name[INST_SPAN_NAME_MAX];
    uint8_t trace_id[16];
    uint8_t id[8];
    uint8_t parent[8];
    bool has_parent;
    bool error;
    bool ended;
    bool server; /* the request's root span: Zipkin kind SERVER */
    int16_t up;  /* index of the span that was current before this one, -1 for none */
    uint16_t attrs_len;
    int64_t start_us; /* wall clock, for Zipkin's timestamp */
    uint64_t start_ns;
    uint64_t dur_ns;
    char attrs[INST_SPAN_ATTRS_MAX]; /* "key\0value\0key\0value\0..." */
};

#define INST_RING_SPANS 512 /* per thread; a full ring drops whole requests */

/* One per thread that has served a request. Owned by that thread, except the ring's tail,
   which the exporter thread advances. Never freed before inst_stop(): a thread that exits
   leaves it for the next new thread. */
struct inst_tstate {
    struct inst_tstate *next; /* registry list, written once under the registry lock */
    atomic_bool in_use;
    bool active; /* a request is current */
    bool tracing;
    uint8_t flags; /* W3C flags of this trace */
    uint64_t t0_ns;
    uint64_t phase_ns[2];
    int nspans;
    int current; /* index of the current span, -1 for none */
    uint64_t rng[2];
    uint64_t spans_dropped; /* local count, summed on read */
    struct inst_span spans[INST_SPANS_MAX];
    /* single-producer single-consumer ring of finished spans */
    /* allocated on the thread's first request while an exporter runs; published with release
       so the exporter sees a complete ring */
    _Atomic(struct inst_span *) ring;
    _Atomic uint64_t head;  /* written by the owner */
    _Atomic uint64_t tail;  /* written by the exporter */
    _Atomic uint64_t dropped;
};

struct inst_global {
    bool started;
    bool tracing;   /* spans are recorded (whenever started) */
    bool exporting; /* an exporter thread drains the rings */
    struct inst_options opts;
    char service[64];
    pthread_mutex_t lock; /* registration of threads and metrics only */
    _Atomic(struct inst_tstate *) threads;
    pthread_key_t thread_key;
    bool key_made;
};

/* The registry (the one global, see instrument.h), defined in registry.c. */
extern struct inst_global inst_g;

/* Creates the key whose destructor frees a gone thread's state (once);
   0, or -1 when the system has no key left. */
int inst_tstate_key_init(void);

/* This thread's state, attached on first use; NULL when out of memory. */
struct inst_tstate *inst_tstate_get(void);

/* Random 64 bits from the thread's generator. */
uint64_t inst_rand64(struct inst_tstate *t);

/* Formats one span as a Zipkin v2 JSON object into buf; returns its length, or 0 when it
   does not fit in cap. */
size_t inst_zipkin_span(const struct inst_span *s, const char *service, char *buf, size_t cap);

/* Exporter thread life (export.c). */
int inst_export_start(char *err, size_t errlen);
void inst_export_stop(void);

/* statsd flusher life (statsd.c). */
int inst_statsd_start(const char *hostport, uint32_t interval_ms, char *err, size_t errlen);
void inst_statsd_stop(void);

#endif
