/*
 * observe.c - libsanta's metrics and spans (see observe.h).
 *
 * Handles are bound at start-up for every route x status class, every
 * store operation and every phase, so recording a request is a few array
 * lookups and shard writes. Label values are route templates and operation
 * names only - never a raw path, an id or a client-chosen method (unknown
 * methods count as "other") - so the number of series is fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "observe.h"
#include "santa/alloc.h"
#include "store_observed.h"

#include "instrument/instrument.h"
#include "instrument/metrics.h"
#include "instrument/prometheus.h"
#include "instrument/request.h"
#include "instrument/trace.h"

#define ROUTES_MAX 64
#define CLASSES 5

/* Requests that matched no route, by method. */
static const char *const other_methods[] = {"GET", "POST", "PUT", "DELETE", "other"};
#define OTHER_METHODS (sizeof other_methods / sizeof other_methods[0])

/* Handles, written by santa_observe_start() before any worker thread exists. */
static struct {
    bool on;
    size_t nroutes;
    struct inst_metric *requests[ROUTES_MAX + OTHER_METHODS][CLASSES];
    struct inst_metric *duration[ROUTES_MAX + OTHER_METHODS];
    struct inst_metric *in_flight;
    struct inst_metric *queue_depth; /* NULL: the stage has no queue */
    struct inst_metric *phase[3];    /* app, store, cache */
    struct {
        char span[48]; /* "store.exchange_get" */
        struct inst_metric *hist;
    } ops[SANTA_STORE_OP_COUNT]; /* SANTA_STORE_OPS (santa/store.h), in ops-table order */
} ob;

static void register_route(size_t slot, const char *method, const char *route)
{
    static const char *const classes[CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int c = 0; c < CLASSES; c++) {
        struct inst_label l[] = {
            {"method", method}, {"route", route}, {"status_class", classes[c]}};
        ob.requests[slot][c] = inst_metric_register(
            INST_COUNTER, "santa_http_requests_total",
            "HTTP requests answered, by route template and status class.", l, 3);
    }
    struct inst_label l[] = {{"method", method}, {"route", route}};
    ob.duration[slot] = inst_metric_register(
        INST_HISTOGRAM, "santa_http_request_duration_seconds",
        "Time from reading the request to having the answer ready, by route template.", l, 2);
}

static void register_all(void)
{
    ob.nroutes = santa_route_count();
    if (ob.nroutes > ROUTES_MAX)
        ob.nroutes = ROUTES_MAX;
    for (size_t i = 0; i < ob.nroutes; i++) {
        const char *method, *pattern;
        santa_route_get(i, &method, &pattern);
        register_route(i, method, pattern);
    }
    for (size_t i = 0; i < OTHER_METHODS; i++)
        register_route(ROUTES_MAX + i, other_methods[i], "unmatched");
    ob.in_flight = inst_metric_register(INST_GAUGE, "santa_http_requests_in_flight",
                                        "Requests being served right now.", NULL, 0);
    for (int op = 0; op < SANTA_STORE_OP_COUNT; op++) {
        const char *name = santa_store_op_name((enum santa_store_op)op);
        snprintf(ob.ops[op].span, sizeof ob.ops[op].span, "store.%s", name);
        struct inst_label l[] = {{"op", name}};
        ob.ops[op].hist = inst_metric_register(
            INST_HISTOGRAM, "santa_store_operation_duration_seconds",
            "Time of each store operation, by operation (the store.h ops member).", l, 1);
    }
    static const char *const phases[] = {"app", "store", "cache"};
    for (int i = 0; i < 3; i++) {
        struct inst_label l[] = {{"phase", phases[i]}};
        ob.phase[i] = inst_metric_register(
            INST_HISTOGRAM, "santa_request_phase_duration_seconds",
            "Per request: time in our own code (app), in the store excluding the cache (store), "
            "and talking to the cache (cache, only requests that used one).",
            l, 1);
    }
}

int santa_observe_start(const struct santa_config *cfg, const char *service, char *err,
                        size_t errlen)
{
    if (cfg->no_instrument)
        return 0;
    struct inst_options o = {
        .service = service,
        .statsd = cfg->statsd[0] ? cfg->statsd : NULL,
        .statsd_interval_ms = cfg->statsd_interval_ms,
        .trace_file = cfg->trace_file[0] ? cfg->trace_file : NULL,
        .zipkin_url = cfg->zipkin_url[0] ? cfg->zipkin_url : NULL,
        .trace_sample = cfg->trace_sample,
        .trace_trust_parent = cfg->trace_trust_parent != 0,
        .slow_ms = cfg->slow_ms,
    };
    register_all();
    if (inst_start(&o, err, errlen) != 0)
        return -1;
    ob.on = true;
    return 0;
}

void santa_observe_stop(void)
{
    if (!ob.on)
        return;
    inst_stop();
    ob.on = false;
}

void santa_observe_begin(const char *traceparent)
{
    inst_request_begin("request", traceparent);
    if (ob.on)
        inst_gauge_add(ob.in_flight, 1);
}

/* Appends "<name>;dur=<ms with 3 decimals>" to the buffer at *at (sep
 * first, if any), never past end. Integer digits instead of "%.3f":
 * printf's floating-point path was most of santa_observe_end's time in a
 * perf profile of a cheap read, and this header is built for every
 * request, instrumented or not. */
static void timing_add(char **at, char *end, const char *sep, const char *name, uint64_t ns)
{
    uint64_t us = (ns + 500) / 1000; /* rounded to the microsecond shown */
    char digits[24];
    size_t n = 0;
    uint64_t ms = us / 1000;
    do {
        digits[n++] = (char)('0' + ms % 10);
        ms /= 10;
    } while (ms && n < sizeof digits);
    char text[64];
    size_t len = 0;
    for (const char *s = sep; *s; s++)
        text[len++] = *s;
    for (const char *s = name; *s && len < 32; s++)
        text[len++] = *s;
    memcpy(text + len, ";dur=", 5);
    len += 5;
    while (n)
        text[len++] = digits[--n];
    text[len++] = '.';
    text[len++] = (char)('0' + us % 1000 / 100);
    text[len++] = (char)('0' + us % 100 / 10);
    text[len++] = (char)('0' + us % 10);
    if (len >= (size_t)(end - *at)) /* no room: the header stops short, never overflows */
        return;
    memcpy(*at, text, len);
    *at += len;
    **at = '\0';
}

static size_t route_slot(const char *method, const struct santa_response *resp)
{
    if (resp->route_id > 0 && (size_t)resp->route_id <= ob.nroutes)
        return (size_t)resp->route_id - 1;
    for (size_t i = 0; i + 1 < OTHER_METHODS; i++)
        if (method && strcmp(method, other_methods[i]) == 0)
            return ROUTES_MAX + i;
    return ROUTES_MAX + OTHER_METHODS - 1;
}

void santa_observe_end(const char *method, const struct santa_response *resp,
                       struct santa_observed *out)
{
    size_t slot = route_slot(method, resp);
    if (ob.on)
        inst_request_rename(resp->route ? resp->route : "unmatched");
    struct inst_request_result r;
    inst_request_end(resp->status, &r);
    /* Server-Timing in ms: store first, as libsanta has always sent it; cache is left out
       when no cache layer took part. */
    char *at = out->server_timing, *end = at + sizeof out->server_timing;
    *at = '\0';
    timing_add(&at, end, "", "store", r.store_ns);
    if (r.cache_ns)
        timing_add(&at, end, ", ", "cache", r.cache_ns);
    timing_add(&at, end, ", ", "app", r.app_ns);
    memcpy(out->trace_id, r.trace_id, sizeof out->trace_id);
    if (!ob.on)
        return;
    int c = resp->status / 100 - 1;
    if (c >= 0 && c < CLASSES)
        inst_counter_add(ob.requests[slot][c], 1);
    inst_observe_ns(ob.duration[slot], r.total_ns);
    inst_observe_ns(ob.phase[0], r.app_ns);
    inst_observe_ns(ob.phase[1], r.store_ns);
    if (r.cache_ns)
        inst_observe_ns(ob.phase[2], r.cache_ns);
    inst_gauge_add(ob.in_flight, -1);
}

void santa_store_probe_begin(struct santa_store_call *c)
{
    c->data = NULL; /* the span */
    if (ob.on)
        c->data = inst_span_start(ob.ops[c->op].span);
    c->t0 = santa_now_ns();
}

enum santa_status santa_store_probe_end(struct santa_store_call *c, enum santa_status st)
{
    uint64_t dt = santa_now_ns() - c->t0;
    inst_phase_add(INST_PHASE_STORE, dt);
    if (ob.on) {
        inst_observe_ns(ob.ops[c->op].hist, dt);
        inst_span_end(c->data, santa_status_http(st) >= 500);
    }
    return st;
}

void santa_observe_queue_register(void)
{
    if (ob.on && !ob.queue_depth)
        ob.queue_depth = inst_metric_register(
            INST_GAUGE, "santa_reminder_queue_depth",
            "Reminders queued and neither sent nor dead-lettered (read from the queue at each "
            "scrape).",
            NULL, 0);
}

void santa_observe_queue_depth(uint64_t depth)
{
    if (ob.queue_depth)
        inst_gauge_set(ob.queue_depth, depth > INT64_MAX ? INT64_MAX : (int64_t)depth);
}

char *santa_observe_metrics(size_t *len)
{
    size_t n = 0;
    char *text = inst_prometheus_render(&n);
    if (text == NULL)
        return NULL;
    /* copied into santa_malloc memory: the response owns and santa_free()s its body */
    char *body = santa_malloc(n + 1);
    if (body)
        memcpy(body, text, n + 1);
    free(text);
    *len = n;
    return body;
}
