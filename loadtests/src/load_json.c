/*
 * load_json.c - JSON in (API answers) and out (summary.json); the one file of
 * loadtests that includes jansson.h. See load_json.h; the summary's shape is
 * the contract of interfaces.md section C, field for field.
 */
#include "load_json.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "load_config.h"
#include "load_results.h"
#include "load_trace.h"

int load_json_strings(const char *body, size_t len, const char *const *keys, char *const *outs,
                      size_t cap, unsigned n)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    int rc = json_is_object(root) ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        const char *v = json_string_value(json_object_get(root, keys[i]));
        if (!v || strlen(v) >= cap) {
            rc = -1;
        } else {
            memcpy(outs[i], v, strlen(v) + 1);
        }
    }
    json_decref(root);
    return rc;
}

/* Figures rounded to the microsecond: the histograms are not more precise. */
static json_t *num(double v)
{
    return json_real(round(v * 1000.0) / 1000.0);
}

static json_t *latency(const struct inst_hist *h)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "mean", num(inst_hist_mean(h) / 1e6),
                     "p50", num(load_ms(h, 50)), "p90", num(load_ms(h, 90)), "p99",
                     num(load_ms(h, 99)), "p999", num(load_ms(h, 99.9)), "max",
                     num(load_ms(h, 100)));
}

static json_t *counts(uint64_t req, uint64_t err, double secs, const struct inst_hist *h)
{
    return json_pack("{s:I, s:I, s:o, s:o}", "requests", (json_int_t)req, "errors",
                     (json_int_t)err, "rps", num(secs > 0 ? (double)req / secs : 0),
                     "latency_ms", latency(h));
}

/* A latency object with the number of values it describes. */
static json_t *latency_n(const struct inst_hist *h)
{
    json_t *o = latency(h);
    json_object_set_new(o, "count", json_integer((json_int_t)inst_hist_count(h)));
    return o;
}

static json_t *meta(const struct load_summary *s)
{
    const struct load_config *c = s->cfg;
    unsigned conns = load_scenario_users(&c->sc);
    json_t *m = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:s, s:{s:I, s:I}, s:I, s:I, s:I,"
        " s:I, s:s}",
        "stage", c->stage ? c->stage : "", "url", c->url, "scenario", c->sc.name, "mode",
        s->rate > 0 ? "open" : "closed", "threads", (json_int_t)c->threads, "connections",
        (json_int_t)conns, "rate", num(s->rate), "duration_s", num(s->duration_s), "warmup_s",
        num(s->warmup_s), "rampup_s", num(s->rampup_s), "started_at", s->started_at, "seed",
        "exchanges", (json_int_t)s->seed_exchanges, "participants",
        (json_int_t)s->seed_participants, "samples_written", (json_int_t)s->samples_written,
        "samples_every", (json_int_t)s->samples_every, "timeseries_step_s",
        (json_int_t)s->st->step_s, "timeout_ms", (json_int_t)c->timeout_ms,
        "generator", "santa-load");
    /* trace_sample: the share of requests that asked the server to record their trace */
    json_object_set_new(m, "trace_sample", num(c->trace_sample));
    json_object_set_new(m, "partial", json_boolean(s->partial));
    /* The machine's cores: a server's CPU share means something only against them. */
    json_object_set_new(m, "cpus", json_integer((json_int_t)sysconf(_SC_NPROCESSORS_ONLN)));
    return m;
}

static json_t *transactions(const struct load_summary *s, const struct load_stats *st)
{
    const struct load_scenario *sc = &s->cfg->sc;
    json_t *all = json_object();
    struct inst_hist *merged = malloc(sizeof(*merged));
    if (!merged) {
        return all;
    }
    for (unsigned t = 0; t < sc->ntxns; t++) {
        json_t *steps = json_object();
        uint64_t req = 0, err = 0;
        inst_hist_init(merged);
        for (unsigned k = 0; k < sc->ntimers; k++) {
            if (sc->timers[k].txn != t) {
                continue;
            }
            json_object_set_new(steps, sc->timers[k].name,
                                counts(st->timer_req[k], st->timer_err[k], s->duration_s,
                                       &st->timer[k]));
            req += st->timer_req[k];
            err += st->timer_err[k];
            inst_hist_merge(merged, &st->timer[k]);
        }
        /* requests/errors/latency of a transaction are those of its steps' requests,
           so they add up to the top level; count and duration_ms describe whole runs. */
        json_t *o = counts(req, err, s->duration_s, merged);
        json_object_set_new(o, "steps", steps);
        json_object_set_new(o, "count", json_integer((json_int_t)st->txn_count[t]));
        json_object_set_new(o, "failed", json_integer((json_int_t)st->txn_err[t]));
        json_object_set_new(o, "weight", num(sc->txns[t].weight));
        json_object_set_new(o, "duration_ms", latency(&st->txn[t]));
        json_object_set_new(all, sc->txns[t].name, o);
    }
    free(merged);
    return all;
}

static json_t *phase(const struct inst_hist *h)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "mean", num(inst_hist_mean(h) / 1e6),
                     "p50", num(load_ms(h, 50)), "p90", num(load_ms(h, 90)), "p99",
                     num(load_ms(h, 99)), "max", num(load_ms(h, 100)), "count",
                     (json_int_t)inst_hist_count(h));
}

/* app, store and cache always (count 0 when absent), then every other
   Server-Timing name the answers carried, in the order first seen. */
static json_t *server_timing(const struct load_stats *st)
{
    static const char *const names[3] = {"app", "store", "cache"};
    json_t *o = json_object();
    for (int i = 0; i < 3; i++) {
        json_object_set_new(o, names[i], phase(&st->st[i]));
    }
    for (unsigned i = 0; i < st->nphase; i++) {
        if (!json_object_get(o, st->phase[i].name)) {
            json_object_set_new(o, st->phase[i].name, phase(&st->phase[i].h));
        }
    }
    return o;
}

static json_t *slowest(const struct load_summary *s, const struct load_stats *st)
{
    const struct load_scenario *sc = &s->cfg->sc;
    json_t *a = json_array();
    for (unsigned i = 0; i < st->nslow; i++) {
        const struct load_slow *x = &st->slow[i];
        static const uint8_t zero[16];
        char hex[33] = ""; /* empty for a request that was never sent */
        if (memcmp(x->trace, zero, sizeof(zero)) != 0) {
            load_trace_hex(x->trace, hex);
        }
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "trace_id", hex, "transaction",
                         sc->txns[x->txn].name, "step", sc->timers[x->timer].name, "status",
                         (int)x->status, "latency_ms", num((double)x->latency_ns / 1e6), "t_s",
                         num((double)x->t_ns / 1e9), "error",
                         load_err_name((enum load_err)x->err)));
    }
    return a;
}

/* Lowest value and width of bucket i: the layout documented in instrument/hist.h
   (a value below 2^SUB_BITS is its own bucket; above, each power of two is cut
   into SUB_COUNT equal buckets), repeated here so the file says it in numbers. */
static uint64_t bucket_low(unsigned i, uint64_t *width)
{
    if (i < INST_HIST_SUB_COUNT) {
        *width = 1;
        return i;
    }
    unsigned shift = i / INST_HIST_SUB_COUNT - 1;
    *width = UINT64_C(1) << shift;
    return (uint64_t)(INST_HIST_SUB_COUNT + i % INST_HIST_SUB_COUNT) << shift;
}

/* The whole histogram: every non-empty bucket as [low_ns, width_ns, count], so
   runs can be re-cut at any percentile and merged (add the counts). */
static json_t *full_hist(const struct inst_hist *h)
{
    json_t *b = json_array();
    for (unsigned i = 0; i < INST_HIST_BUCKETS; i++) {
        uint64_t n = atomic_load_explicit(&h->buckets[i], memory_order_relaxed), w;
        if (n > 0) {
            uint64_t lo = bucket_low(i, &w);
            json_array_append_new(b, json_pack("[I, I, I]", (json_int_t)lo, (json_int_t)w,
                                               (json_int_t)n));
        }
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:o}", "count", (json_int_t)inst_hist_count(h),
                     "min", (json_int_t)inst_hist_min(h), "max", (json_int_t)inst_hist_max(h),
                     "sum", (json_int_t)inst_hist_sum(h), "buckets", b);
}

static json_t *histograms(const struct load_summary *s, const struct load_stats *st)
{
    const struct load_scenario *sc = &s->cfg->sc;
    json_t *timers = json_object();
    for (unsigned k = 0; k < sc->ntimers; k++) {
        char name[2 * LOAD_NAME_MAX + 2];
        snprintf(name, sizeof(name), "%s/%s", sc->txns[sc->timers[k].txn].name,
                 sc->timers[k].name);
        json_object_set_new(timers, name, full_hist(&st->timer[k]));
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "unit", "ns", "layout",
                     "log-linear: values below 128 exact, then 128 equal buckets per power of "
                     "two; each bucket is [low, width, count]", "response", full_hist(st->all),
                     "service", full_hist(st->service), "failed", full_hist(st->fail),
                     "timeouts", full_hist(st->tmo), "timers", timers);
}

static json_t *distribution(const struct inst_hist *h)
{
    static const double ps[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(ps) / sizeof(*ps); i++) {
        json_array_append_new(a, json_pack("{s:o, s:o}", "p", json_real(ps[i]), "ms",
                                           num(load_ms(h, ps[i]))));
    }
    return a;
}

/* Writes root to path as indented JSON and frees it: 0, or -1 with a
 * sentence in err. */
static int write_and_free(json_t *root, const char *path, char *err, size_t errn)
{
    int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (rc != 0) {
        snprintf(err, errn, "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* A summary written before, to add to: its top-level object (the caller
 * frees it), or NULL with a sentence in err. */
static json_t *read_object(const char *src, char *err, size_t errn)
{
    json_error_t je;
    json_t *root = json_load_file(src, 0, &je);
    if (!json_is_object(root)) {
        snprintf(err, errn, "%s: %s", src, je.text);
        json_decref(root);
        return NULL;
    }
    return root;
}

int load_json_write_summary(const char *path, const struct load_summary *s, char *err,
                            size_t errn)
{
    const struct load_stats *st = s->st;
    json_t *kinds = json_object();
    for (int k = LOAD_ERR_CONNECT; k < LOAD_ERR_COUNT; k++) {
        json_object_set_new(kinds, load_err_name((enum load_err)k),
                            json_integer((json_int_t)st->err_kind[k]));
    }
    json_t *gen = json_pack("{s:o, s:o, s:{s:o, s:o, s:o}, s:b, s:s}", "cpu_s", num(s->cpu_s),
                            "cpu_percent", num(s->cpu_percent), "send_lag_ms", "p50",
                            num(load_ms(st->lag, 50)), "p99", num(load_ms(st->lag, 99)), "max",
                            num(load_ms(st->lag, 100)), "bottleneck", s->bottleneck, "note",
                            s->note);
    if (gen) {
        /* cpu_percent is the busiest thread's (the limit is per thread) */
        json_object_set_new(gen, "cpu_percent_mean", num(s->cpu_percent_mean));
        json_object_set_new(gen, "send_lag_limit_ms", num(s->lag_limit_ms));
        /* Open loop: how long answered requests waited for a free connection
           after their intended start. The generator's queue, not the server's. */
        json_object_set_new(gen, "queue_wait_ms", latency(st->wait));
    }
    double secs = s->duration_s > 0 ? s->duration_s : 0;
    double achieved = secs > 0 ? (double)st->in_time / secs : 0;
    /* rps is the achieved rate: successful answers counted when they complete
       within the measured period, so a stalled server shows as a dip; offered_rps
       counts requests by their intended start (open loop: the schedule). */
    json_t *root = json_pack(
        "{s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "meta", meta(s),
        "requests", (json_int_t)st->requests, "errors", (json_int_t)st->errors, "rps",
        num(achieved), "duration_s", num(s->duration_s), "latency_ms", latency(st->all),
        "latency_distribution", distribution(st->all), "errors_by_kind", kinds,
        "transactions", transactions(s, st), "server_timing_ms", server_timing(st),
        "generator", gen, "slowest", slowest(s, st));
    if (root) {
        json_object_set_new(root, "completed_in_period", json_integer((json_int_t)st->in_time));
        json_object_set_new(root, "achieved_rps", num(achieved));
        json_object_set_new(root, "offered_rps",
                            num(secs > 0 ? (double)st->requests / secs : 0));
        json_object_set_new(root, "min_second_rps", num(load_stats_min_rps(st, s->duration_s)));
        json_object_set_new(root, "partial", json_boolean(s->partial));
        json_object_set_new(root, "retries", json_integer((json_int_t)st->retries));
        /* latency_ms is of successful answers only; failures and timeouts apart */
        json_object_set_new(root, "service_time_ms", latency(st->service));
        json_object_set_new(root, "failed_latency_ms", latency_n(st->fail));
        json_object_set_new(root, "timeouts", latency_n(st->tmo));
        json_object_set_new(root, "service_time_distribution", distribution(st->service));
        json_object_set_new(root, "histograms", histograms(s, st));
    }
    if (!root) {
        snprintf(err, errn, "%s: could not build the summary (out of memory?)", path);
        return -1;
    }
    return write_and_free(root, path, err, errn);
}

static json_t *ladder_step(const struct load_ladder_step *x)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:b, s:b, s:s}", "rate", num(x->rate),
                     "offered_rps", num(x->offered_rps), "achieved_rps", num(x->achieved_rps),
                     "p50_ms", num(x->p50_ms), "p99_ms", num(x->p99_ms), "requests",
                     (json_int_t)x->requests, "errors", (json_int_t)x->errors, "held", x->held,
                     "bottleneck", x->bottleneck, "dir", x->dir);
}

int load_json_add_repeats(const char *src, const char *dst, const struct load_repeat_result *r,
                          char *err, size_t errn)
{
    static const char *const names[3] = {"achieved_rps", "p50_ms", "p99_ms"};
    json_t *root = read_object(src, err, errn);
    if (root == NULL)
        return -1;
    json_t *runs = json_array(), *rep = json_object();
    for (unsigned i = 0; i < r->nruns; i++) {
        json_array_append_new(runs, ladder_step(&r->runs[i]));
    }
    for (int k = 0; k < 3; k++) {
        json_object_set_new(rep, names[k], json_pack("{s:o, s:o}", "mean", num(r->mean[k]),
                                                     "ci95", num(r->half[k])));
    }
    json_object_set_new(rep, "runs", runs);
    json_object_set_new(rep, "chosen_run", json_integer((json_int_t)r->chosen + 1));
    json_object_set_new(root, "repeats", rep);
    return write_and_free(root, dst, err, errn);
}

int load_json_add_search(const char *src, const char *dst, const struct load_search_result *r,
                         char *err, size_t errn)
{
    json_t *root = read_object(src, err, errn);
    if (root == NULL)
        return -1;
    json_t *steps = json_array();
    for (unsigned i = 0; i < r->nsteps; i++) {
        json_array_append_new(steps, ladder_step(&r->steps[i]));
    }
    json_t *search = json_pack("{s:o, s:o, s:o, s:I, s:b, s:o}", "max_sustainable_rps",
                               num(r->max_rps), "max_sustainable_rate", num(r->max_rate),
                               "slo_p99_ms", num(r->slo_p99_ms), "chosen_step",
                               (json_int_t)r->chosen + 1, "partial", r->partial, "ladder", steps);
    json_object_set_new(root, "max_sustainable_rps", num(r->max_rps));
    json_object_set_new(root, "search", search);
    if (search == NULL) {
        json_decref(root);
        snprintf(err, errn, "%s: could not build the search (out of memory?)", dst);
        return -1;
    }
    return write_and_free(root, dst, err, errn);
}
