/*
 * handlers_metrics.c - GET /metrics: the registry in Prometheus text format
 * 0.0.4 (docs/API.md). The body is not JSON, so the handler sets it
 * itself and tells the dispatcher there is no JSON document (has_out).
 */
#include <stdio.h>

#include "api_internal.h"
#include "instrument/prometheus.h"

enum santa_status santa_h_metrics(struct santa_ctx *ctx)
{
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
