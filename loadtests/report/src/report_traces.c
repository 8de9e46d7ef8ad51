/*
 * report_traces.c - Zipkin v2 spans of chosen traces (see report_traces.h).
 * With report_summary.c, one of the two files that include jansson.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_traces.h"

enum { LINE_MAX_BYTES = 1 << 20 };

static struct report_trace *wanted(struct report_trace *t, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (id != NULL && strcmp(t[i].trace_id, id) == 0)
            return &t[i];
    return NULL;
}

static int add_span(json_t *o, struct report_trace *t, size_t n, struct santa_arena *a)
{
    if (!json_is_object(o))
        return -1;
    struct report_trace *tr = wanted(t, n, json_string_value(json_object_get(o, "traceId")));
    if (tr == NULL || tr->nspans == REPORT_TRACE_SPANS)
        return 0;
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *parent = json_string_value(json_object_get(o, "parentId"));
    const char *name = json_string_value(json_object_get(o, "name"));
    json_t *ts = json_object_get(o, "timestamp"), *dur = json_object_get(o, "duration");
    if (id == NULL || !json_is_number(ts))
        return -1;
    struct report_span *s = &tr->spans[tr->nspans];
    s->id = santa_arena_strdup(a, id);
    s->parent = santa_arena_strdup(a, parent ? parent : "");
    s->name = santa_arena_strdup(a, name ? name : "?");
    if (s->id == NULL || s->parent == NULL || s->name == NULL)
        return -1;
    s->start_us = json_number_value(ts);
    s->dur_us = json_is_number(dur) ? json_number_value(dur) : 0;
    tr->nspans++;
    return 0;
}

static int by_start(const void *a, const void *b)
{
    double x = ((const struct report_span *)a)->start_us;
    double y = ((const struct report_span *)b)->start_us;
    return (x > y) - (x < y);
}

/* Depth by the parent chain (a missing parent counts as a root). */
static void depths(struct report_trace *t)
{
    qsort(t->spans, t->nspans, sizeof t->spans[0], by_start);
    for (size_t i = 0; i < t->nspans; i++) {
        struct report_span *s = &t->spans[i];
        s->depth = 0;
        for (size_t j = 0; j < i && s->parent[0] != '\0'; j++)
            if (strcmp(t->spans[j].id, s->parent) == 0)
                s->depth = t->spans[j].depth + 1;
    }
}

int report_traces_read(const char *path, const char *const *ids, size_t n,
                       struct report_trace *traces, struct santa_arena *arena,
                       struct report_error *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return report_error_set(err, "%s: cannot open the trace file", path);
    for (size_t i = 0; i < n; i++)
        traces[i] = (struct report_trace){.trace_id = ids[i]};
    char *line = malloc(LINE_MAX_BYTES);
    long lineno = 0;
    int rc = line ? 0 : report_error_set(err, "%s: out of memory", path);
    while (rc == 0 && fgets(line, LINE_MAX_BYTES, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ',' || line[len - 1] == ' '))
            line[--len] = '\0';
        if (len == 0 || strcmp(line, "[") == 0 || strcmp(line, "]") == 0)
            continue;
        json_error_t je;
        json_t *j = json_loadb(line, len, 0, &je);
        size_t k;
        json_t *e;
        if (json_is_array(j)) {
            json_array_foreach(j, k, e) {
                if (add_span(e, traces, n, arena) < 0)
                    rc = -1;
            }
        } else if (j == NULL || add_span(j, traces, n, arena) < 0) {
            rc = -1;
        }
        json_decref(j);
        if (rc < 0)
            report_error_set(err, "%s:%ld: not a Zipkin v2 span (traceId, id, timestamp)", path,
                             lineno);
    }
    free(line);
    fclose(f);
    for (size_t i = 0; rc == 0 && i < n; i++)
        depths(&traces[i]);
    return rc;
}
