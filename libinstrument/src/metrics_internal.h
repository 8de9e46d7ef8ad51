/*
 * metrics_internal.h - the registry's tables, for the exporters
 * (prometheus.c, statsd.c). Not installed.
 */
#ifndef INST_METRICS_INTERNAL_H
#define INST_METRICS_INTERNAL_H

#include <stdatomic.h>

#include "instrument/metrics.h"

struct inst_family {
    char name[128];
    char help[256];
    enum inst_metric_type type;
    struct inst_family *next;   /* registration order */
    struct inst_metric *first;  /* its label sets, registration order */
};

struct inst_metric {
    unsigned id;
    enum inst_metric_type type;
    struct inst_family *family;
    struct inst_metric *next_in_family;
    char labels[512];    /* Prometheus form, escaped: route="/x",method="GET" ("" for none) */
    char statsd[512];    /* statsd name: family name then .value per label, sanitised */
    _Atomic int64_t base; /* gauges: the last inst_gauge_set() */
};

/* Metrics registered so far: ids 0..count-1 (acquire load). */
size_t inst_metrics_count(void);
struct inst_metric *inst_metric_at(size_t id);
/* The families, under the registration lock (which recording threads take only on their
   first observation): walk them, then unlock. */
struct inst_family *inst_families_lock(void);
void inst_families_unlock(void);

#endif
