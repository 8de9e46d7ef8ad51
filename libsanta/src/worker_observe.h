/*
 * worker_observe.h - what a worker reports (worker.c): one trace per mail
 * continuing the enqueuing request's trace, and the queue's metrics, served
 * on GET /metrics when the worker has --listen. Internal to the worker.
 *
 * Metrics (Prometheus names; rate() of the counters per worker label gives
 * each worker's throughput):
 *   santa_reminder_queue_depth               jobs neither sent nor dead
 *   santa_reminder_oldest_job_age_seconds    age of the oldest of them
 *   santa_reminder_enqueue_to_sent_seconds   histogram, queue time + send
 *   santa_reminders_sent_total{worker}       mails the SMTP server accepted
 *   santa_reminder_retries_total{worker}     failed attempts to be retried
 *   santa_reminder_dead_letters_total{worker}
 */
#ifndef SANTA_WORKER_OBSERVE_H
#define SANTA_WORKER_OBSERVE_H

#include <stdint.h>

#include "santa/status.h"
#include "santa/worker.h"

struct worker_observe_options {
    const char *name;       /* the worker label */
    const char *trace_file; /* "" for none */
    const char *statsd;     /* "" for none */
    const char *listen;     /* "HOST:PORT" for GET /metrics, "" for none */
    double trace_sample;
};

/* Starts libinstrument and the metrics endpoint. -1 with a sentence in err. */
int worker_observe_start(const struct worker_observe_options *o, char *err, size_t errlen);
void worker_observe_stop(void);

/* Around one job: begin opens the trace (the job's traceparent continued)
 * and returns the SMTP span's start; end records the outcome. */
void worker_observe_job_begin(const struct santa_job *j);
void worker_observe_job_end(const struct santa_job *j, enum santa_status send_status, bool dead);
/* The queue's depth and oldest age, sampled by one loop about once a second. */
void worker_observe_queue(uint64_t depth, uint64_t oldest_age_ms);

#endif /* SANTA_WORKER_OBSERVE_H */
