/*
 * zipkin.c - one span as a Zipkin v2 JSON object
 * (https://zipkin.io/zipkin-api/#/default/post_spans): ids in lower-case
 * hex, timestamp and duration in microseconds, attributes as string tags,
 * the request's root span of kind SERVER.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "text.h"

static bool lit(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return true;
}

static bool tags(const struct inst_span *s, char *buf, size_t cap, size_t *len)
{
    bool first = true;
    if (s->attrs_len == 0 && !s->error)
        return true; /* no tags member at all rather than an empty one */
    if (!lit(buf, cap, len, ",\"tags\":{"))
        return false;
    for (size_t i = 0; i < s->attrs_len;) {
        const char *k = s->attrs + i, *v = k + strlen(k) + 1;
        i = (size_t)(v - s->attrs) + strlen(v) + 1;
        if (!first && !lit(buf, cap, len, ","))
            return false;
        first = false;
        if (!inst_json_str(buf, cap, len, k, strlen(k)) || !lit(buf, cap, len, ":") ||
            !inst_json_str(buf, cap, len, v, strlen(v)))
            return false;
    }
    if (s->error && !lit(buf, cap, len, first ? "\"error\":\"true\"" : ",\"error\":\"true\""))
        return false;
    return lit(buf, cap, len, "}");
}

size_t inst_zipkin_span(const struct inst_span *s, const char *service, char *buf, size_t cap)
{
    char tid[33], id[17], pid[17];
    inst_hex(s->trace_id, 16, tid);
    inst_hex(s->id, 8, id);
    inst_hex(s->parent, 8, pid);
    uint64_t dur = s->dur_ns / 1000;
    int n = snprintf(buf, cap, "{\"traceId\":\"%s\",\"id\":\"%s\"%s%s%s,\"name\":", tid, id,
                     s->has_parent ? ",\"parentId\":\"" : "", s->has_parent ? pid : "",
                     s->has_parent ? "\"" : "");
    if (n < 0 || (size_t)n >= cap)
        return 0;
    size_t len = (size_t)n;
    if (!inst_json_str(buf, cap, &len, s->name, strlen(s->name)))
        return 0;
    n = snprintf(buf + len, cap - len,
                 "%s,\"timestamp\":%lld,\"duration\":%llu,\"localEndpoint\":{\"serviceName\":",
                 s->server ? ",\"kind\":\"SERVER\"" : "", (long long)s->start_us,
                 (unsigned long long)(dur ? dur : 1)); /* Zipkin wants duration >= 1 us */
    if (n < 0 || (size_t)n >= cap - len)
        return 0;
    len += (size_t)n;
    if (!inst_json_str(buf, cap, &len, service, strlen(service)) || !lit(buf, cap, &len, "}") ||
        !tags(s, buf, cap, &len) || !lit(buf, cap, &len, "}"))
        return 0;
    return len;
}
