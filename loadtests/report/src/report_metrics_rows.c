/*
 * report_metrics_rows.c - per-route and per-store-operation figures of a run,
 * from the /metrics scrapes before and after it.
 *
 * santa_http_request_duration_seconds{method,route} and
 * santa_store_operation_duration_seconds{op} are histograms: the deltas of
 * their _sum and _count give calls and mean time during the run; the
 * deltas of santa_http_requests_total{method,route,status_class} give the
 * 4xx and 5xx answers. A route or operation that was not called during the
 * run is left out.
 */
#include <stdio.h>
#include <string.h>

#include "report_prom.h"
#include "report_run.h"

static const char ROUTE_METRIC[] = "santa_http_request_duration_seconds";
static const char OP_METRIC[] = "santa_store_operation_duration_seconds";

/* after - before of name{pairs}; before may be NULL (no scrape: from zero). */
static double delta(const struct report_prom *before, const struct report_prom *after,
                    const char *name, const char *const *pairs, size_t npairs)
{
    double a, b;
    report_prom_sum_match(after, name, pairs, npairs, &a);
    report_prom_sum_match(before, name, pairs, npairs, &b);
    return a - b;
}

/* Fills row from the histogram base{pairs}; false when it saw no calls. */
static bool histogram_row(const struct report_prom *before, const struct report_prom *after,
                          const char *base, const char *const *pairs, size_t npairs,
                          struct report_server_row *row)
{
    char sum_name[96], count_name[96];
    snprintf(sum_name, sizeof sum_name, "%s_sum", base);
    snprintf(count_name, sizeof count_name, "%s_count", base);
    double count = delta(before, after, count_name, pairs, npairs);
    double sum = delta(before, after, sum_name, pairs, npairs);
    if (!(count > 0) || !(sum >= 0))
        return false;
    row->count = count;
    row->mean_ms = sum / count * 1000.0;
    return true;
}

static int add_route(struct report_run *r, const struct report_prom *before,
                     const struct report_prom *after, const char *method, const char *route)
{
    const char *pairs[] = {"method", method, "route", route, "status_class", ""};
    struct report_server_row row = {0};
    char name[512];
    if (r->nroutes == REPORT_MAX_SERVER_ROWS ||
        !histogram_row(before, after, ROUTE_METRIC, pairs, 2, &row))
        return 0;
    pairs[5] = "4xx";
    row.errors = delta(before, after, "santa_http_requests_total", pairs, 3);
    pairs[5] = "5xx";
    row.errors += delta(before, after, "santa_http_requests_total", pairs, 3);
    snprintf(name, sizeof name, "%s %s", method, route);
    row.name = santa_arena_strdup(&r->arena, name);
    if (row.name == NULL)
        return report_error_set(NULL, "out of memory");
    r->routes[r->nroutes++] = row;
    return 0;
}

static int add_op(struct report_run *r, const struct report_prom *before,
                  const struct report_prom *after, const char *op)
{
    const char *pairs[] = {"op", op};
    struct report_server_row row = {0};
    if (r->nops == REPORT_MAX_SERVER_ROWS ||
        !histogram_row(before, after, OP_METRIC, pairs, 1, &row))
        return 0;
    row.name = santa_arena_strdup(&r->arena, op);
    if (row.name == NULL)
        return -1;
    r->ops[r->nops++] = row;
    return 0;
}

/* True when an earlier sample i of the same metric had the same labels. */
static bool seen_before(const struct report_prom *p, size_t i, const char *l1, const char *l2)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(report_prom_name(p, j), report_prom_name(p, i)) == 0 &&
            strcmp(report_prom_label(p, j, l1), report_prom_label(p, i, l1)) == 0 &&
            (l2 == NULL || strcmp(report_prom_label(p, j, l2), report_prom_label(p, i, l2)) == 0))
            return true;
    return false;
}

int report_run_server_rows(struct report_run *r, const struct report_prom *before,
                           const struct report_prom *after, struct report_error *err)
{
    char route_count[96], op_count[96];
    snprintf(route_count, sizeof route_count, "%s_count", ROUTE_METRIC);
    snprintf(op_count, sizeof op_count, "%s_count", OP_METRIC);
    for (size_t i = 0; i < report_prom_count(after); i++) {
        const char *name = report_prom_name(after, i);
        int rc = 0;
        if (strcmp(name, route_count) == 0 && !seen_before(after, i, "method", "route"))
            rc = add_route(r, before, after, report_prom_label(after, i, "method"),
                           report_prom_label(after, i, "route"));
        else if (strcmp(name, op_count) == 0 && !seen_before(after, i, "op", NULL))
            rc = add_op(r, before, after, report_prom_label(after, i, "op"));
        if (rc < 0)
            return report_error_set(err, "%s/metrics/after.prom: out of memory", r->dir);
    }
    return 0;
}
