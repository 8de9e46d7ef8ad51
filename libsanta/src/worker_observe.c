/*
 * worker_observe.c - traces and metrics of a worker (worker_observe.h).
 *
 * A job is traced as a request of the worker's own: inst_request_begin()
 * with the traceparent the enqueuing request stored beside the job, so its
 * root span ("reminder") is a child of the web request's store span, and
 * the SMTP exchange is a child span ("smtp") of it: one trace shows
 * request -> enqueue -> dequeue -> SMTP. The gap between the enqueue span's
 * end and the "reminder" span's start is the time the job waited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument/instrument.h"
#include "instrument/metrics.h"
#include "instrument/prometheus.h"
#include "instrument/request.h"
#include "instrument/trace.h"
#include "santa/alloc.h"
#include "santa/api.h"
#include "santa/http.h"
#include "worker_observe.h"

/* Written once by worker_observe_start() before the loops start. */
static struct {
    struct inst_metric *depth, *oldest, *latency, *sent, *retries, *dead;
    struct santa_http *http;
    char host[64];
} wo;

/* The per-thread SMTP span of the job in hand. */
static _Thread_local struct inst_span *smtp_span;

static void metrics_handler(void *ctx, const struct santa_request *req,
                            struct santa_response *resp)
{
    (void)ctx;
    if (strcmp(req->path, "/metrics") != 0) {
        santa_api_problem(resp, SANTA_NOT_FOUND, "a worker serves /metrics only");
        return;
    }
    size_t n = 0;
    char *text = inst_prometheus_render(&n);
    char *body = text ? santa_malloc(n + 1) : NULL;
    if (!body) {
        free(text);
        santa_api_problem(resp, SANTA_UNAVAILABLE, "out of memory for /metrics");
        return;
    }
    memcpy(body, text, n + 1);
    free(text);
    resp->status = 200;
    resp->body = body;
    resp->body_len = n;
    resp->content_type = INST_PROMETHEUS_CONTENT_TYPE;
}

static int start_http(const char *listen, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    unsigned long port = colon ? strtoul(colon + 1, NULL, 10) : 0;
    if (!colon || (size_t)(colon - listen) >= sizeof wo.host || port == 0 || port > 65535) {
        snprintf(err, errlen, "--listen must be HOST:PORT, not '%s'", listen);
        return -1;
    }
    memcpy(wo.host, listen, (size_t)(colon - listen));
    wo.host[colon - listen] = '\0';
    struct santa_http_options o = {
        .host = wo.host,
        .port = (uint16_t)port,
        .threads = 2,
        .request_timeout_ms = 5000,
        .handler = metrics_handler,
    };
    wo.http = santa_http_start(&o, err, errlen);
    return wo.http ? 0 : -1;
}

int worker_observe_start(const struct worker_observe_options *o, char *err, size_t errlen)
{
    struct inst_label l[] = {{"worker", o->name}};
    wo.depth = inst_metric_register(INST_GAUGE, "santa_reminder_queue_depth",
                                    "Reminders queued and neither sent nor dead-lettered.", NULL,
                                    0);
    wo.oldest = inst_metric_register(INST_GAUGE, "santa_reminder_oldest_job_age_seconds",
                                     "Age of the oldest reminder not yet sent.", NULL, 0);
    wo.latency = inst_metric_register(INST_HISTOGRAM, "santa_reminder_enqueue_to_sent_seconds",
                                      "From POST .../reminders to the SMTP server's 250.", NULL,
                                      0);
    wo.sent = inst_metric_register(INST_COUNTER, "santa_reminders_sent_total",
                                   "Reminders the SMTP server accepted, per worker.", l, 1);
    wo.retries = inst_metric_register(INST_COUNTER, "santa_reminder_retries_total",
                                      "Failed attempts that will be retried, per worker.", l, 1);
    wo.dead = inst_metric_register(INST_COUNTER, "santa_reminder_dead_letters_total",
                                   "Reminders given up on, per worker.", l, 1);
    struct inst_options io = {
        .service = "santa-worker",
        .statsd = o->statsd[0] ? o->statsd : NULL,
        .trace_file = o->trace_file[0] ? o->trace_file : NULL,
        .trace_sample = o->trace_sample,
    };
    if (inst_start(&io, err, errlen) != 0)
        return -1;
    if (o->listen[0] && start_http(o->listen, err, errlen) != 0) {
        inst_stop();
        return -1;
    }
    return 0;
}

void worker_observe_stop(void)
{
    if (wo.http)
        santa_http_stop(wo.http);
    wo.http = NULL;
    inst_stop(); /* the last spans reach the trace file */
}

void worker_observe_job_begin(const struct santa_job *j)
{
    inst_request_begin("reminder", j->traceparent[0] ? j->traceparent : NULL);
    smtp_span = inst_span_start("smtp");
    inst_span_attr(smtp_span, "message_key", j->key);
}

void worker_observe_job_end(const struct santa_job *j, enum santa_status send_status, bool dead)
{
    bool ok = send_status == SANTA_OK;
    inst_span_end(smtp_span, !ok);
    smtp_span = NULL;
    struct inst_request_result r;
    inst_request_end(ok ? 200 : 503, &r);
    if (ok) {
        inst_counter_add(wo.sent, 1);
        int64_t waited = santa_wall_ms() - j->queued_ms;
        if (j->queued_ms > 0 && waited >= 0)
            inst_observe_ns(wo.latency, (uint64_t)waited * 1000000u);
    } else {
        inst_counter_add(dead ? wo.dead : wo.retries, 1);
    }
}

void worker_observe_queue(uint64_t depth, uint64_t oldest_age_ms)
{
    inst_gauge_set(wo.depth, (int64_t)depth);
    inst_gauge_set(wo.oldest, (int64_t)(oldest_age_ms / 1000));
}

void santa_worker_expand_begin(struct santa_expand_trace *t, const char *traceparent,
                               const char *step, const char *exchange_id)
{
    inst_request_begin("expand", traceparent && traceparent[0] ? traceparent : NULL);
    struct inst_span *sp = inst_span_start(step);
    inst_span_attr(sp, "exchange_id", exchange_id);
    t->span = sp;
}

void santa_worker_expand_end(struct santa_expand_trace *t, long long mails, bool ok)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", mails);
    inst_span_attr(t->span, "mails", text);
    inst_span_end(t->span, !ok);
    t->span = NULL;
    struct inst_request_result res;
    inst_request_end(ok ? 200 : 503, &res); /* the trace is exported or dropped here */
}
