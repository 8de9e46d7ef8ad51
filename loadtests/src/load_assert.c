/*
 * load_assert.c - parsing and checking --assert thresholds (see load_assert.h).
 */
#include "load_assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_MEAN, M_P50, M_P90, M_P99, M_P999, M_MAX, M_ERRORS, M_RPS, M_REQUESTS, M_MIN_RPS,
       M_OFFERED_RPS, M_TIMEOUTS };
enum { OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const metric_names[] = {"mean", "p50", "p90", "p99", "p999", "max",
                                           "errors", "rps", "requests", "min_rps",
                                           "offered_rps", "timeouts"};

static int term(const char *s, size_t n, struct load_assert_term *t, char *err, size_t errn)
{
    char buf[48];
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    if (n == 0 || n >= sizeof(buf)) {
        snprintf(err, errn, "--assert: empty or too long term '%.*s'", (int)n, s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    snprintf(t->text, sizeof(t->text), "%s", buf);
    size_t m = strcspn(buf, "<>");
    if (buf[m] == '\0') {
        snprintf(err, errn, "--assert: '%s' has no < or > (like p99<50ms)", buf);
        return -1;
    }
    t->op = buf[m] == '<' ? OP_LT : OP_GT;
    char *v = buf + m + 1;
    if (*v == '=') {
        t->op++;
        v++;
    }
    buf[m] = '\0';
    for (size_t k = m; k > 0 && buf[k - 1] == ' '; k--) {
        buf[k - 1] = '\0'; /* "p50 <= 8": spaces around the operator are fine */
    }
    while (*v == ' ') {
        v++;
    }
    t->metric = -1;
    for (int i = 0; i < (int)(sizeof(metric_names) / sizeof(*metric_names)); i++) {
        if (strcmp(buf, metric_names[i]) == 0) {
            t->metric = i;
        }
    }
    if (t->metric < 0) {
        snprintf(err, errn, "--assert: unknown metric '%s' in '%s' (mean, p50, p90, p99, p999, "
                            "max, errors, rps, requests, min_rps, offered_rps, timeouts)",
                 buf, t->text);
        return -1;
    }
    char *end;
    t->value = strtod(v, &end);
    if (end == v) {
        snprintf(err, errn, "--assert: '%s' has no number after the operator", t->text);
        return -1;
    }
    bool latency = t->metric <= M_MAX;
    t->percent = false;
    if (latency && (strcmp(end, "ms") == 0 || *end == '\0')) {
        /* milliseconds */
    } else if (latency && strcmp(end, "us") == 0) {
        t->value /= 1000;
    } else if (latency && strcmp(end, "s") == 0) {
        t->value *= 1000;
    } else if (t->metric == M_ERRORS && strcmp(end, "%") == 0) {
        t->percent = true;
        t->value /= 100;
    } else if (*end != '\0') {
        snprintf(err, errn, "--assert: unit '%s' does not fit %s in '%s'", end,
                 metric_names[t->metric], t->text);
        return -1;
    }
    return 0;
}

int load_assert_parse(const char *expr, struct load_asserts *a, char *err, size_t errn)
{
    a->n = 0;
    while (expr && *expr) {
        size_t n = strcspn(expr, ",");
        if (a->n == LOAD_ASSERT_MAX) {
            snprintf(err, errn, "--assert: more than %d terms", LOAD_ASSERT_MAX);
            return -1;
        }
        if (term(expr, n, &a->t[a->n++], err, errn) != 0) {
            return -1;
        }
        expr += n + (expr[n] == ',');
    }
    return 0;
}

unsigned load_assert_check(const struct load_asserts *a, const struct load_assert_input *in)
{
    unsigned failed = 0;
    for (unsigned i = 0; i < a->n; i++) {
        const struct load_assert_term *t = &a->t[i];
        double v;
        if (t->metric <= M_MAX) {
            v = in->latency_ms[t->metric];
        } else if (t->metric == M_ERRORS) {
            v = t->percent ? (in->requests > 0 ? in->errors / in->requests : 0) : in->errors;
        } else if (t->metric == M_RPS) {
            v = in->rps;
        } else if (t->metric == M_MIN_RPS) {
            v = in->min_rps;
        } else if (t->metric == M_OFFERED_RPS) {
            v = in->offered_rps;
        } else if (t->metric == M_TIMEOUTS) {
            v = in->timeouts;
        } else {
            v = in->requests;
        }
        bool ok = t->op == OP_LT ? v < t->value : t->op == OP_LE ? v <= t->value
                : t->op == OP_GT ? v > t->value : v >= t->value;
        if (!ok) {
            failed++;
            fprintf(stderr, "santa-load: assert FAILED: %s (measured %s = %.4g%s)\n", t->text,
                    metric_names[t->metric], t->percent ? v * 100 : v,
                    t->percent ? "%" : t->metric <= M_MAX ? " ms" : "");
        }
    }
    return failed;
}
