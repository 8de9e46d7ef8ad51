/*
 * report_summary.c - summary.json reader on jansson (see report_summary.h).
 *
 * With report_traces.c, one of the two files that include jansson.h. Each reader helper takes the
 * JSON path of the member it reads, so any complaint says exactly where.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "report_summary.h"

enum { SUMMARY_MAX_BYTES = 64 << 20, PATH_MAX_LEN = 256 };

const char *const report_phase_names[REPORT_PHASES] = {"app", "store", "cache"};

struct ctx {
    const char *file;
    struct santa_arena *arena;
    struct report_error *err;
};

static int bad(struct ctx *c, const char *path, const char *key, const char *what)
{
    return report_error_set(c->err, "%s: %s%s%s: %s", c->file, path, key ? "." : "",
                            key ? key : "", what);
}

/* out = path + sep + key, cut to fit: a path only ever labels a message. */
static void join3(char out[PATH_MAX_LEN], const char *path, const char *sep, const char *key)
{
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", path, sep, key) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

static void join(char out[PATH_MAX_LEN], const char *path, const char *key)
{
    join3(out, path, ".", key);
}

static void index_path(char out[PATH_MAX_LEN], const char *array, size_t i)
{
    char idx[32];
    snprintf(idx, sizeof idx, "[%zu]", i);
    join3(out, array, "", idx);
}

/* Reads obj.key as a number >= 0. Absent: error if required, else 0. */
static int num(struct ctx *c, json_t *obj, const char *path, const char *key, bool required,
               double *out)
{
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (v == NULL)
        return required ? bad(c, path, key, "missing (expected a number)") : 0;
    if (!json_is_number(v))
        return bad(c, path, key, "expected a number");
    *out = json_number_value(v);
    if (*out < 0)
        return bad(c, path, key, "expected a number >= 0");
    return 0;
}

/* Reads obj.key as a string copied into the arena; absent gives "". */
static int str(struct ctx *c, json_t *obj, const char *path, const char *key, bool required,
               const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = "";
    if (v == NULL)
        return required ? bad(c, path, key, "missing (expected a string)") : 0;
    if (!json_is_string(v))
        return bad(c, path, key, "expected a string");
    *out = santa_arena_strdup(c->arena, json_string_value(v));
    return *out ? 0 : bad(c, path, key, "out of memory");
}

/* obj.key as an object (NULL when absent and optional). */
static int object(struct ctx *c, json_t *obj, const char *path, const char *key, bool required,
                  json_t **out)
{
    *out = json_object_get(obj, key);
    if (*out == NULL)
        return required ? bad(c, path, key, "missing (expected an object)") : 0;
    if (!json_is_object(*out))
        return bad(c, path, key, "expected an object");
    return 0;
}

static void *alloc_array(struct ctx *c, size_t n, size_t size)
{
    return santa_arena_alloc(c->arena, (n ? n : 1) * size);
}

/* obj.key as a latency object {mean,p50,p90,p99,p999,max}; *present says
   whether it was there. */
static int latency_key(struct ctx *c, json_t *obj, const char *path, const char *key,
                       bool required, struct report_latency *l, bool *present)
{
    json_t *o;
    char p[PATH_MAX_LEN];
    *l = (struct report_latency){0};
    if (present)
        *present = false;
    if (object(c, obj, path, key, required, &o) < 0)
        return -1;
    if (o == NULL)
        return 0;
    if (present)
        *present = true;
    join(p, path, key);
    if (num(c, o, p, "mean", true, &l->mean) < 0 || num(c, o, p, "p50", true, &l->p50) < 0 ||
        num(c, o, p, "p90", true, &l->p90) < 0 || num(c, o, p, "p99", true, &l->p99) < 0 ||
        num(c, o, p, "p999", true, &l->p999) < 0 || num(c, o, p, "max", true, &l->max) < 0)
        return -1;
    return 0;
}

static int latency(struct ctx *c, json_t *obj, const char *path, bool required,
                   struct report_latency *l)
{
    return latency_key(c, obj, path, "latency_ms", required, l, NULL);
}

static int meta(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *m, *seed;
    const char *p = "$.meta";
    if (object(c, root, "$", "meta", true, &m) < 0 || str(c, m, p, "stage", true, &s->stage) < 0 ||
        str(c, m, p, "url", false, &s->url) < 0 ||
        str(c, m, p, "scenario", false, &s->scenario) < 0 ||
        str(c, m, p, "mode", false, &s->mode) < 0 ||
        str(c, m, p, "started_at", false, &s->started_at) < 0 ||
        num(c, m, p, "threads", false, &s->threads) < 0 ||
        num(c, m, p, "connections", false, &s->connections) < 0 ||
        num(c, m, p, "rate", false, &s->rate) < 0 ||
        num(c, m, p, "duration_s", false, &s->meta_duration_s) < 0 ||
        num(c, m, p, "warmup_s", false, &s->warmup_s) < 0 ||
        num(c, m, p, "rampup_s", false, &s->rampup_s) < 0 ||
        num(c, m, p, "cpus", false, &s->cpus) < 0 ||
        object(c, m, p, "seed", false, &seed) < 0)
        return -1;
    if (s->stage[0] == '\0')
        return bad(c, p, "stage", "empty");
    if (seed == NULL)
        return 0;
    s->has_seed = true;
    return (num(c, seed, "$.meta.seed", "exchanges", false, &s->seed_exchanges) < 0 ||
            num(c, seed, "$.meta.seed", "participants", false, &s->seed_participants) < 0)
               ? -1
               : 0;
}

/* root.key as an array of {p, ms}: a percentile plot. */
static int dist_key(struct ctx *c, json_t *root, const char *key, double **pp, double **pms,
                    size_t *n)
{
    json_t *a = json_object_get(root, key);
    char path[PATH_MAX_LEN];
    join(path, "$", key);
    if (a == NULL)
        return 0;
    if (!json_is_array(a))
        return bad(c, "$", key, "expected an array");
    double *dp = alloc_array(c, json_array_size(a), sizeof *dp);
    double *dms = alloc_array(c, json_array_size(a), sizeof *dms);
    if (dp == NULL || dms == NULL)
        return bad(c, "$", key, "out of memory");
    *pp = dp;
    *pms = dms;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char p[PATH_MAX_LEN];
        index_path(p, path, i);
        if (!json_is_object(e))
            return bad(c, p, NULL, "expected an object {\"p\", \"ms\"}");
        if (num(c, e, p, "p", true, &dp[i]) < 0 || num(c, e, p, "ms", true, &dms[i]) < 0)
            return -1;
        if (dp[i] > 100)
            return bad(c, p, "p", "expected a percentile in [0, 100]");
        if (i > 0 && dp[i] <= dp[i - 1])
            return bad(c, p, "p", "percentiles must increase");
        *n = i + 1;
    }
    return 0;
}

/* The percentile p (nearest rank) of a histogram's buckets [low, width, count],
   as the middle of its bucket kept within [min, max], in ms. */
static double hist_at(json_t *buckets, double count, double min, double max, double p)
{
    if (p <= 0 || p >= 100)
        return (p <= 0 ? min : max) / 1e6; /* exact, as the histogram keeps them */
    double rank = ceil(p / 100 * count), seen = 0;
    rank = rank < 1 ? 1 : rank;
    size_t i;
    json_t *e;
    json_array_foreach(buckets, i, e) {
        seen += json_number_value(json_array_get(e, 2));
        if (seen >= rank) {
            double v = json_number_value(json_array_get(e, 0)) +
                       json_number_value(json_array_get(e, 1)) / 2;
            v = v < min ? min : v > max ? max : v;
            return v / 1e6;
        }
    }
    return max / 1e6;
}

/* histograms.key: the whole distribution santa-load exported. Checked, then
   cut into REPORT_HIST_POINTS percentiles (more than the summary's 15). */
static int hist_curve(struct ctx *c, json_t *hs, const char *key, double **pp, double **pms,
                      size_t *n)
{
    json_t *h = json_object_get(hs, key), *b, *e;
    char path[PATH_MAX_LEN];
    double count, min, max;
    join(path, "$.histograms", key);
    if (h == NULL)
        return 0;
    if (!json_is_object(h))
        return bad(c, path, NULL, "expected an object");
    if (num(c, h, path, "count", true, &count) < 0 || num(c, h, path, "min", true, &min) < 0 ||
        num(c, h, path, "max", true, &max) < 0)
        return -1;
    b = json_object_get(h, "buckets");
    if (!json_is_array(b))
        return bad(c, path, "buckets", "expected an array");
    double total = 0;
    size_t i;
    json_array_foreach(b, i, e) {
        if (!json_is_array(e) || json_array_size(e) != 3 ||
            !json_is_number(json_array_get(e, 0)) || !json_is_number(json_array_get(e, 1)) ||
            !json_is_number(json_array_get(e, 2)) || json_number_value(json_array_get(e, 2)) < 0) {
            char p[PATH_MAX_LEN];
            index_path(p, path, i);
            return bad(c, p, NULL, "expected [low_ns, width_ns, count]");
        }
        total += json_number_value(json_array_get(e, 2));
    }
    if (total != count)
        return bad(c, path, "buckets", "their counts do not add up to count");
    if (count == 0)
        return 0;
    double *dp = alloc_array(c, REPORT_HIST_POINTS, sizeof *dp);
    double *dms = alloc_array(c, REPORT_HIST_POINTS, sizeof *dms);
    if (dp == NULL || dms == NULL)
        return bad(c, path, NULL, "out of memory");
    for (int k = 0; k < REPORT_HIST_POINTS; k++) {
        dp[k] = k == REPORT_HIST_POINTS - 1 ? 100 : 100 * (1 - pow(10, -k / 10.0));
        dms[k] = hist_at(b, count, min, max, dp[k]);
    }
    *pp = dp;
    *pms = dms;
    *n = REPORT_HIST_POINTS;
    return 1;
}

static int distribution(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *hs;
    if (dist_key(c, root, "latency_distribution", &s->dist_p, &s->dist_ms, &s->ndist) < 0 ||
        object(c, root, "$", "histograms", false, &hs) < 0)
        return -1;
    if (hs == NULL)
        return 0;
    int rc = hist_curve(c, hs, "response", &s->dist_p, &s->dist_ms, &s->ndist);
    if (rc < 0)
        return -1;
    s->dist_from_histogram = rc > 0;
    return 0;
}

/* After throughput() read service_time_distribution: the histogram's is finer. */
static int service_curve(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *hs = json_object_get(root, "histograms");
    return json_is_object(hs) && hist_curve(c, hs, "service", &s->sdist_p, &s->sdist_ms,
                                            &s->nsdist) < 0
               ? -1
               : 0;
}

static int flag(struct ctx *c, json_t *obj, const char *path, const char *key, bool *out)
{
    json_t *b = json_object_get(obj, key);
    if (b != NULL && !json_is_boolean(b))
        return bad(c, path, key, "expected true or false");
    *out = b != NULL && json_is_true(b);
    return 0;
}

/* What santa-load writes since issue 14: achieved against offered, service
   time, failures and timeouts apart. All optional (older results). */
static int throughput(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *g = json_object_get(root, "generator"), *t = json_object_get(root, "timeouts");
    json_t *f = json_object_get(root, "failed_latency_ms");
    s->has_achieved = json_object_get(root, "achieved_rps") != NULL;
    if (num(c, root, "$", "achieved_rps", false, &s->achieved_rps) < 0 ||
        num(c, root, "$", "offered_rps", false, &s->offered_rps) < 0 ||
        num(c, root, "$", "min_second_rps", false, &s->min_second_rps) < 0 ||
        num(c, root, "$", "retries", false, &s->retries) < 0 ||
        flag(c, root, "$", "partial", &s->partial) < 0 ||
        latency_key(c, root, "$", "service_time_ms", false, &s->service, &s->has_service) < 0 ||
        latency_key(c, root, "$", "failed_latency_ms", false, &s->failed, &s->has_failed) < 0 ||
        latency_key(c, root, "$", "timeouts", false, &s->timeouts, &s->has_timeouts) < 0 ||
        dist_key(c, root, "service_time_distribution", &s->sdist_p, &s->sdist_ms, &s->nsdist) < 0)
        return -1;
    if ((f && num(c, f, "$.failed_latency_ms", "count", false, &s->failed_count) < 0) ||
        (t && num(c, t, "$.timeouts", "count", false, &s->timeout_count) < 0))
        return -1;
    json_t *m = json_object_get(root, "meta");
    if (num(c, m, "$.meta", "trace_sample", false, &s->trace_sample) < 0)
        return -1;
    if (json_is_object(g) && latency_key(c, g, "$.generator", "queue_wait_ms", false,
                                         &s->queue_wait, &s->has_queue_wait) < 0)
        return -1;
    /* Older results: rps was the only rate. */
    if (!s->has_achieved)
        s->achieved_rps = s->offered_rps = s->rps;
    return 0;
}

static int ladder_step(struct ctx *c, json_t *e, const char *p, struct report_ladder_step *l)
{
    if (!json_is_object(e))
        return bad(c, p, NULL, "expected an object");
    return (num(c, e, p, "rate", false, &l->rate) < 0 ||
            num(c, e, p, "offered_rps", true, &l->offered_rps) < 0 ||
            num(c, e, p, "achieved_rps", true, &l->achieved_rps) < 0 ||
            num(c, e, p, "p50_ms", false, &l->p50_ms) < 0 ||
            num(c, e, p, "p99_ms", true, &l->p99_ms) < 0 ||
            num(c, e, p, "errors", false, &l->errors) < 0 ||
            flag(c, e, p, "held", &l->held) < 0 || flag(c, e, p, "bottleneck", &l->bottleneck) < 0)
               ? -1
               : 0;
}

/* repeats: santa-load --repeat K. */
static int repeats(struct ctx *c, json_t *root, struct report_summary *s)
{
    static const char *const names[3] = {"achieved_rps", "p50_ms", "p99_ms"};
    json_t *o, *m;
    if (object(c, root, "$", "repeats", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    s->has_repeats = true;
    s->repeat_runs = (double)json_array_size(json_object_get(o, "runs"));
    for (int k = 0; k < 3; k++) {
        char p[PATH_MAX_LEN];
        join(p, "$.repeats", names[k]);
        if (object(c, o, "$.repeats", names[k], true, &m) < 0 ||
            num(c, m, p, "mean", true, &s->repeat_mean[k]) < 0 ||
            num(c, m, p, "ci95", true, &s->repeat_ci[k]) < 0)
            return -1;
    }
    return 0;
}

/* search: the saturation search's ladder (santa-load --find-max). */
static int search(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *o, *a, *e;
    const char *p = "$.search";
    if (object(c, root, "$", "search", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    s->has_search = true;
    if (num(c, o, p, "max_sustainable_rps", true, &s->max_sustainable_rps) < 0 ||
        num(c, o, p, "max_sustainable_rate", false, &s->max_rate) < 0 ||
        num(c, o, p, "slo_p99_ms", true, &s->slo_p99_ms) < 0)
        return -1;
    a = json_object_get(o, "ladder");
    if (!json_is_array(a))
        return bad(c, p, "ladder", "expected an array");
    s->ladder = alloc_array(c, json_array_size(a), sizeof *s->ladder);
    if (s->ladder == NULL)
        return bad(c, p, "ladder", "out of memory");
    size_t i;
    json_array_foreach(a, i, e) {
        char q[PATH_MAX_LEN];
        index_path(q, "$.search.ladder", i);
        if (ladder_step(c, e, q, &s->ladder[i]) < 0)
            return -1;
        s->nladder = i + 1;
    }
    return 0;
}

static int errors_by_kind(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *o, *v;
    const char *key;
    if (object(c, root, "$", "errors_by_kind", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    s->errors_by_kind = alloc_array(c, json_object_size(o), sizeof *s->errors_by_kind);
    if (s->errors_by_kind == NULL)
        return bad(c, "$", "errors_by_kind", "out of memory");
    json_object_foreach(o, key, v) {
        struct report_count *k = &s->errors_by_kind[s->nerrors_by_kind];
        k->name = santa_arena_strdup(c->arena, key);
        if (k->name == NULL || num(c, o, "$.errors_by_kind", key, true, &k->n) < 0)
            return k->name ? -1 : bad(c, "$", "errors_by_kind", "out of memory");
        s->nerrors_by_kind++;
    }
    return 0;
}

static int steps(struct ctx *c, json_t *t, const char *path, struct report_txn *txn)
{
    json_t *o, *v;
    const char *key;
    if (object(c, t, path, "steps", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    txn->steps = alloc_array(c, json_object_size(o), sizeof *txn->steps);
    if (txn->steps == NULL)
        return bad(c, path, "steps", "out of memory");
    json_object_foreach(o, key, v) {
        char p[PATH_MAX_LEN];
        join3(p, path, ".steps.", key);
        struct report_step *st = &txn->steps[txn->nsteps];
        if (!json_is_object(v))
            return bad(c, p, NULL, "expected an object");
        st->name = santa_arena_strdup(c->arena, key);
        if (st->name == NULL)
            return bad(c, p, NULL, "out of memory");
        if (num(c, v, p, "requests", true, &st->requests) < 0 ||
            num(c, v, p, "errors", false, &st->errors) < 0 ||
            num(c, v, p, "rps", false, &st->rps) < 0 || latency(c, v, p, true, &st->latency) < 0)
            return -1;
        txn->nsteps++;
    }
    return 0;
}

static int transactions(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *o, *v;
    const char *key;
    if (object(c, root, "$", "transactions", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    s->txns = alloc_array(c, json_object_size(o), sizeof *s->txns);
    if (s->txns == NULL)
        return bad(c, "$", "transactions", "out of memory");
    json_object_foreach(o, key, v) {
        char p[PATH_MAX_LEN];
        join3(p, "$.transactions", ".", key);
        struct report_txn *t = &s->txns[s->ntxns];
        *t = (struct report_txn){0};
        if (!json_is_object(v))
            return bad(c, p, NULL, "expected an object");
        t->name = santa_arena_strdup(c->arena, key);
        if (t->name == NULL)
            return bad(c, p, NULL, "out of memory");
        if (num(c, v, p, "requests", true, &t->requests) < 0 ||
            num(c, v, p, "errors", false, &t->errors) < 0 ||
            num(c, v, p, "rps", false, &t->rps) < 0 || latency(c, v, p, true, &t->latency) < 0 ||
            steps(c, v, p, t) < 0)
            return -1;
        s->ntxns++;
    }
    return 0;
}

/* Every member of server_timing_ms, whatever its name. */
static int named_phases(struct ctx *c, json_t *o, struct report_summary *s)
{
    const char *key;
    json_t *v;
    s->phases = alloc_array(c, json_object_size(o), sizeof *s->phases);
    if (s->phases == NULL)
        return bad(c, "$", "server_timing_ms", "out of memory");
    json_object_foreach(o, key, v) {
        char p[PATH_MAX_LEN];
        struct report_named_phase *x = &s->phases[s->nphases];
        join(p, "$.server_timing_ms", key);
        if (!json_is_object(v))
            return bad(c, p, NULL, "expected an object");
        x->name = santa_arena_strdup(c->arena, key);
        if (x->name == NULL)
            return bad(c, p, NULL, "out of memory");
        if (num(c, v, p, "mean", false, &x->mean) < 0 || num(c, v, p, "p50", false, &x->p50) < 0 ||
            num(c, v, p, "p99", false, &x->p99) < 0 || num(c, v, p, "count", false, &x->count) < 0)
            return -1;
        /* Older results have no count: a phase listed is a phase seen. */
        if (json_object_get(v, "count") == NULL || x->count > 0)
            s->nphases++;
    }
    return 0;
}

static int server_timing(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *o, *ph;
    if (object(c, root, "$", "server_timing_ms", false, &o) < 0 || o == NULL)
        return o == NULL ? 0 : -1;
    if (named_phases(c, o, s) < 0)
        return -1;
    for (int i = 0; i < REPORT_PHASES; i++) {
        struct report_phase *r = &s->server_timing[i];
        if (object(c, o, "$.server_timing_ms", report_phase_names[i], false, &ph) < 0)
            return -1;
        if (ph == NULL)
            continue;
        char p[PATH_MAX_LEN];
        join(p, "$.server_timing_ms", report_phase_names[i]);
        if (num(c, ph, p, "mean", true, &r->mean) < 0 || num(c, ph, p, "p50", false, &r->p50) < 0 ||
            num(c, ph, p, "p99", false, &r->p99) < 0)
            return -1;
        r->present = true;
    }
    return 0;
}

static int generator(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *g, *lag;
    const char *p = "$.generator";
    if (object(c, root, "$", "generator", false, &g) < 0 || g == NULL)
        return g == NULL ? 0 : -1;
    s->has_generator = true;
    if (num(c, g, p, "cpu_s", false, &s->gen_cpu_s) < 0 ||
        num(c, g, p, "cpu_percent", false, &s->gen_cpu_percent) < 0 ||
        str(c, g, p, "note", false, &s->gen_note) < 0 ||
        object(c, g, p, "send_lag_ms", false, &lag) < 0)
        return -1;
    if (flag(c, g, p, "bottleneck", &s->bottleneck) < 0)
        return -1;
    if (lag == NULL)
        return 0;
    p = "$.generator.send_lag_ms";
    return (num(c, lag, p, "p50", false, &s->lag_p50) < 0 ||
            num(c, lag, p, "p99", false, &s->lag_p99) < 0 ||
            num(c, lag, p, "max", false, &s->lag_max) < 0)
               ? -1
               : 0;
}

static int slowest(struct ctx *c, json_t *root, struct report_summary *s)
{
    json_t *a = json_object_get(root, "slowest"), *e;
    size_t i;
    if (a == NULL)
        return 0;
    if (!json_is_array(a))
        return bad(c, "$", "slowest", "expected an array");
    s->slowest = alloc_array(c, json_array_size(a), sizeof *s->slowest);
    if (s->slowest == NULL)
        return bad(c, "$", "slowest", "out of memory");
    json_array_foreach(a, i, e) {
        char p[PATH_MAX_LEN];
        index_path(p, "$.slowest", i);
        struct report_slow *r = &s->slowest[i];
        if (!json_is_object(e))
            return bad(c, p, NULL, "expected an object");
        if (str(c, e, p, "trace_id", false, &r->trace_id) < 0 ||
            str(c, e, p, "transaction", false, &r->transaction) < 0 ||
            str(c, e, p, "step", false, &r->step) < 0 ||
            str(c, e, p, "error", false, &r->error) < 0 ||
            num(c, e, p, "status", false, &r->status) < 0 ||
            num(c, e, p, "latency_ms", true, &r->latency_ms) < 0 ||
            num(c, e, p, "t_s", false, &r->t_s) < 0)
            return -1;
        s->nslowest = i + 1;
    }
    return 0;
}

static int totals(struct ctx *c, json_t *root, struct report_summary *s)
{
    return (num(c, root, "$", "requests", true, &s->requests) < 0 ||
            num(c, root, "$", "errors", true, &s->errors) < 0 ||
            num(c, root, "$", "rps", true, &s->rps) < 0 ||
            num(c, root, "$", "duration_s", true, &s->duration_s) < 0 ||
            latency(c, root, "$", true, &s->latency) < 0)
               ? -1
               : 0;
}

int report_summary_read(struct report_summary *s, const char *path, struct santa_arena *arena,
                        struct report_error *err)
{
    struct ctx c = {.file = path, .arena = arena, .err = err};
    struct stat st;
    json_error_t jerr;
    *s = (struct report_summary){.stage = "", .gen_note = ""};
    if (stat(path, &st) != 0)
        return report_error_set(err, "%s: missing (a run folder needs summary.json)", path);
    if (st.st_size > SUMMARY_MAX_BYTES)
        return report_error_set(err, "%s: larger than %d bytes", path, SUMMARY_MAX_BYTES);
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return report_error_set(err, "%s:%d:%d: not valid JSON: %s", path, jerr.line,
                                jerr.column, jerr.text);
    int rc = -1;
    if (!json_is_object(root))
        bad(&c, "$", NULL, "expected an object");
    else if (meta(&c, root, s) == 0 && totals(&c, root, s) == 0 && distribution(&c, root, s) == 0 &&
             errors_by_kind(&c, root, s) == 0 && transactions(&c, root, s) == 0 &&
             server_timing(&c, root, s) == 0 && generator(&c, root, s) == 0 &&
             slowest(&c, root, s) == 0 && throughput(&c, root, s) == 0 &&
             service_curve(&c, root, s) == 0 && repeats(&c, root, s) == 0 &&
             search(&c, root, s) == 0)
        rc = 0;
    json_decref(root);
    return rc;
}
