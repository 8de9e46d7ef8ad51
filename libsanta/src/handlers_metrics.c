/*
 * handlers_metrics.c - GET /metrics: the registry in Prometheus text format
 * 0.0.4 (docs/API.md). The body is not JSON, so the handler sets it
 * itself and tells the dispatcher there is no JSON document (has_out).
 */
#include <stdio.h>

#include "api_internal.h"
#include "observe.h"
#include "instrument/prometheus.h"

enum santa_status santa_h_metrics(struct santa_ctx *ctx)
{
    /* The queue's depth now, so the scrape carries it (santa-load samples
     * /metrics during a run; santa-report draws it). A queue that does not
     * answer leaves the last value: /metrics itself must not fail. */
    uint64_t depth = 0;
    struct santa_store *s = SANTA_STORE(ctx);
    if (s->ops->reminders_pending && s->ops->reminders_pending(s, &depth) == SANTA_OK)
        santa_observe_queue_depth(depth);
    size_t len = 0;
    char *text = santa_observe_metrics(&len);
    if (text == NULL) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s", "out of memory for /metrics");
        return SANTA_UNAVAILABLE;
    }
    ctx->has_out = false;
    ctx->resp->body = text;
    ctx->resp->body_len = len;
    ctx->resp->content_type = INST_PROMETHEUS_CONTENT_TYPE;
    return SANTA_OK;
}
