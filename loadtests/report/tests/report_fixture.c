/*
 * report_fixture.c - a deterministic, realistic results folder (see report_fixture.h).
 *
 * Two transactions of the Secret Santa API, "organiser" (create, invite,
 * draw) and "participant" (join, reveal), with latencies that have a
 * plausible shape: a tight body, a long tail, a slow patch in the middle of
 * the run. The figures in summary.json and the CSV files agree with each
 * other only roughly; the report never cross-checks them.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report_fixture.h"

struct fx {
    struct report_fixture_opts o;
    const char *dir;
    uint64_t rng;
};

static double rnd(struct fx *f)
{
    f->rng = f->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(f->rng >> 11) / 9007199254740992.0;
}

static FILE *open_in(const struct fx *f, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return fopen(path, "w");
}

static int close_ok(FILE *fp)
{
    int bad = ferror(fp);
    return (fclose(fp) != 0 || bad) ? -1 : 0;
}

/* JSON string body: only the odd name needs escaping, and only " and \. */
static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void latency_named(FILE *fp, const char *name, double base)
{
    fprintf(fp, "\"%s\":{\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
                "\"p999\":%.3f,\"max\":%.3f", name,
            base * 1.2, base, base * 2.1, base * 5.3, base * 11.8, base * 24.0);
}

/* What santa-load writes since issue 14, and a saturation search's ladder. */
static void throughput(struct fx *f, FILE *fp)
{
    fprintf(fp, "\"achieved_rps\":1000.0,\"offered_rps\":1000.0,\"min_second_rps\":%.1f,"
                "\"retries\":3,\"partial\":false,\n", f->o.seconds >= 6 ? 400.0 : 1000.0);
    latency_named(fp, "service_time_ms", 0.8 * f->o.scale);
    fputs("},\n", fp);
    latency_named(fp, "failed_latency_ms", 3.0 * f->o.scale);
    fputs(",\"count\":32},\n", fp);
    latency_named(fp, "timeouts", 5000);
    fputs(",\"count\":4},\n\"service_time_distribution\":[", fp);
    static const double p[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        fprintf(fp, "%s{\"p\":%g,\"ms\":%.3f}", i ? "," : "", p[i],
                f->o.scale * (0.25 + 0.8 * -log(1 - fmin(p[i], 99.995) / 100.0)));
    fputs("],\n", fp);
    if (!f->o.search)
        return;
    /* Rates 500 .. 8000 doubling, then bisection, around a knee at cap. */
    double cap = 4000 / f->o.scale, rates[8] = {500, 1000, 2000, 4000, 8000, 0, 0, 0};
    int n = 5;
    double lo = 0, hi = 0;
    for (int i = 0; i < 5; i++)
        if (rates[i] * 1.0 <= cap * 0.97)
            lo = rates[i];
        else if (hi == 0)
            hi = rates[i];
    while (n < 8 && hi / lo > 1.1) {
        double mid = sqrt(lo * hi);
        rates[n++] = mid;
        if (mid <= cap * 0.97)
            lo = mid;
        else
            hi = mid;
    }
    fputs("\"search\":{\"ladder\":[", fp);
    double best = 0;
    for (int i = 0; i < n; i++) {
        double r = rates[i], rho = fmin(r / cap, 0.99), ach = fmin(r, cap);
        double p99 = 1.2 * f->o.scale * 5.3 / (1 - rho);
        bool held = ach >= 0.98 * r && p99 <= 50;
        if (held && ach > best)
            best = ach;
        fprintf(fp, "%s{\"rate\":%.1f,\"offered_rps\":%.1f,\"achieved_rps\":%.1f,"
                    "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"requests\":%.0f,\"errors\":0,"
                    "\"held\":%s,\"bottleneck\":false,\"dir\":\"steps/%02d\"}",
                i ? "," : "", r, r, ach, 1.2 * f->o.scale / (1 - rho * 0.8), p99, r * 5,
                held ? "true" : "false", i + 1);
    }
    fprintf(fp, "],\"max_sustainable_rps\":%.1f,\"slo_p99_ms\":50,\"chosen_step\":1,"
                "\"partial\":false},\n\"max_sustainable_rps\":%.1f,\n", best, best);
}

static void latency(FILE *fp, double base)
{
    fprintf(fp, "\"latency_ms\":{\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
                "\"p999\":%.3f,\"max\":%.3f}",
            base * 1.2, base, base * 2.1, base * 5.3, base * 11.8, base * 24.0);
}

static void step(FILE *fp, const char *name, double req, double base, bool last)
{
    json_str(fp, name);
    fprintf(fp, ":{\"requests\":%.0f,\"errors\":%.0f,\"rps\":%.2f,", req, floor(req / 900),
            req / 30);
    latency(fp, base);
    fprintf(fp, "}%s", last ? "" : ",");
}

static void transactions(struct fx *f, FILE *fp)
{
    double s = f->o.scale;
    fputs("\"transactions\":{\"organiser\":{\"requests\":6000,\"errors\":6,\"rps\":200.0,", fp);
    latency(fp, 2.4 * s);
    fputs(",\"steps\":{", fp);
    step(fp, "create", 2000, 1.9 * s, false);
    step(fp, "invite", 3000, 2.2 * s, false);
    step(fp, "draw", 1000, 4.1 * s, true);
    fputs("}},\"participant\":{\"requests\":24000,\"errors\":30,\"rps\":800.0,", fp);
    latency(fp, 1.1 * s);
    fputs(",\"steps\":{", fp);
    step(fp, "join", 12000, 1.3 * s, false);
    step(fp, "reveal", 12000, 0.9 * s, true);
    fputs("}}", fp);
    if (f->o.odd_txn != NULL) {
        fputc(',', fp);
        json_str(fp, f->o.odd_txn);
        fputs(":{\"requests\":10,\"errors\":0,\"rps\":0.33,", fp);
        latency(fp, 3.0 * s);
        fputs(",\"steps\":{", fp);
        step(fp, f->o.odd_txn, 10, 3.0 * s, true);
        fputs("}}", fp);
    }
    fputs("},\n", fp);
}

static void distribution(struct fx *f, FILE *fp)
{
    static const double p[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};
    fputs("\"latency_distribution\":[", fp);
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        double ms = f->o.scale * (0.3 + 1.2 * -log(1 - fmin(p[i], 99.995) / 100.0));
        fprintf(fp, "%s{\"p\":%g,\"ms\":%.3f}", i ? "," : "", p[i], ms);
    }
    fputs("],\n", fp);
}

static void slowest(struct fx *f, FILE *fp)
{
    fputs("\"slowest\":[", fp);
    for (int i = 0; i < 20; i++) {
        uint64_t a = (uint64_t)(rnd(f) * 9e15), b = (uint64_t)(rnd(f) * 9e15);
        fprintf(fp, "%s{\"trace_id\":\"%016llx%016llx\",\"transaction\":\"organiser\","
                    "\"step\":\"draw\",\"status\":%d,\"latency_ms\":%.3f,\"t_s\":%.3f}",
                i ? "," : "", (unsigned long long)a, (unsigned long long)b, i == 3 ? 503 : 200,
                f->o.scale * (90.0 - i * 3), rnd(f) * f->o.seconds);
    }
    fputs("]\n", fp);
}

static int summary(struct fx *f)
{
    FILE *fp = open_in(f, "summary.json");
    if (fp == NULL)
        return -1;
    fputs("{\"meta\":{\"stage\":", fp);
    json_str(fp, f->o.stage);
    fprintf(fp, ",\"url\":\"http://127.0.0.1:40123\",\"scenario\":\"read-mostly\","
                "\"mode\":\"closed\",\"threads\":2,\"connections\":32,\"rate\":0,"
                "\"duration_s\":%d,\"warmup_s\":5,\"rampup_s\":0,"
                "\"started_at\":\"2026-11-29T17:00:00Z\","
                "\"seed\":{\"exchanges\":%.0f,\"participants\":%.0f}},\n",
            f->o.seconds, f->o.participants / 10, f->o.participants);
    fprintf(fp, "\"requests\":30000,\"errors\":36,\"rps\":1000.0,\"duration_s\":%d,",
            f->o.seconds);
    latency(fp, 1.2 * f->o.scale);
    fputs(",\n", fp);
    throughput(f, fp);
    distribution(f, fp);
    fputs("\"errors_by_kind\":{\"connect\":0,\"timeout\":4,\"http_4xx\":20,\"http_5xx\":12,"
          "\"parse\":0,\"assert\":0},\n", fp);
    transactions(f, fp);
    /* santa-load sums the phases from the same Server-Timing headers as the
       samples' server_*_us columns: without those, none. */
    if (f->o.no_server_timing)
        fputs("\"server_timing_ms\":{},\n", fp);
    else
        fprintf(fp, "\"server_timing_ms\":{\"app\":{\"mean\":0.21,\"p50\":0.18,\"p99\":0.9},"
                    "\"store\":{\"mean\":0.64,\"p50\":0.5,\"p99\":3.1}%s},\n",
                f->o.cache ? ",\"cache\":{\"mean\":0.12,\"p50\":0.1,\"p99\":0.4}" : "");
    fprintf(fp, "\"generator\":{\"cpu_s\":21.5,\"cpu_percent\":%.1f,\"send_lag_ms\":{\"p50\":0.02,"
                "\"p99\":0.4,\"max\":3.0},\"bottleneck\":%s,\"note\":\"%s\"},\n",
            f->o.bottleneck ? 97.0 : 41.0, f->o.bottleneck ? "true" : "false",
            f->o.bottleneck ? "generator CPU near 100% on its threads" : "");
    slowest(f, fp);
    fputs("}\n", fp);
    return close_ok(fp);
}

/* A slow patch in the middle third of the run makes the charts move. */
static double slowdown(const struct fx *f, int sec)
{
    return (sec > f->o.seconds / 3 && sec < f->o.seconds / 2) ? 2.5 : 1.0;
}

static int timeseries(struct fx *f)
{
    FILE *fp = open_in(f, "timeseries.csv");
    if (fp == NULL)
        return -1;
    fputs("second,requests,errors,rps,p50_ms,p90_ms,p99_ms,max_ms,send_lag_p99_ms,offered_rps,"
          "completed\n", fp);
    for (int s = 0; s < f->o.seconds; s++) {
        double k = slowdown(f, s) * f->o.scale;
        double req = floor(1000 / slowdown(f, s) + rnd(f) * 60);
        fprintf(fp, "%d,%.0f,%d,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,1000.0,%.0f\n", s, req,
                s % 7 == 3 ? 2 : 0, req, 1.1 * k, 2.3 * k, 6.0 * k + rnd(f),
                14.0 * k + 5 * rnd(f), 0.3 * rnd(f), req);
    }
    return close_ok(fp);
}

static int samples(struct fx *f)
{
    static const char *const txn[] = {"organiser", "participant"};
    static const char *const steps[2][3] = {{"create", "invite", "draw"},
                                            {"join", "reveal", "join"}};
    FILE *fp = open_in(f, "samples.csv");
    if (fp == NULL)
        return -1;
    fputs("t_ms,transaction,step,status,latency_us,server_app_us,server_store_us,"
          "server_cache_us,trace_id,error\n", fp);
    for (int i = 0; i < f->o.seconds * 20; i++) {
        int t = i % 2;
        double lat = f->o.scale * slowdown(f, i / 20) * (600 + 2000 * rnd(f));
        double app = lat * 0.15, store = lat * (f->o.cache ? 0.35 : 0.5), cache = lat * 0.1;
        bool err = i % 97 == 5;
        fprintf(fp, "%d,%s,%s,%d,%.0f,", i * 50, txn[t], steps[t][i % 3], err ? 500 : 200, lat);
        if (f->o.no_server_timing)
            fputs(",,,", fp);
        else if (f->o.cache)
            fprintf(fp, "%.0f,%.0f,%.0f,", app, store, cache);
        else
            fprintf(fp, "%.0f,%.0f,,", app, store);
        fprintf(fp, "%08x%024x,%s\n", (unsigned)i, 7u, err ? "http_5xx" : "");
    }
    if (f->o.odd_txn != NULL) {
        fputs("100,\"", fp);
        for (const char *s = f->o.odd_txn; *s; s++)
            fprintf(fp, "%s%c", *s == '"' ? "\"" : "", *s);
        fputs("\",x,200,", fp);
        fprintf(fp, "1500%s,,\n", f->o.no_server_timing ? ",,," : ",300,700,");
    }
    return close_ok(fp);
}

/* Per-route and per-operation histograms: share of the done requests, and
 * a mean that the tests can recompute (route i: 1 + i ms; op i: 0.1 + 0.1 i). */
static void routes_and_ops(FILE *fp, double done)
{
    static const char *const routes[][2] = {{"GET", "/api/exchanges/{id}/assignment"},
                                            {"POST", "/api/exchanges/{id}/participants"},
                                            {"POST", "/api/exchanges"}};
    static const char *const ops[] = {"get_assignment", "add_participant", "create_exchange",
                                      "get_exchange"};
    for (int i = 0; i < 3; i++) {
        double n = done / (i + 2);
        fprintf(fp, "santa_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} "
                    "%.6f\n", routes[i][0], routes[i][1], n * (1 + i) / 1000);
        fprintf(fp, "santa_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
                    "%.0f\n", routes[i][0], routes[i][1], n);
        fprintf(fp, "santa_http_requests_total{method=\"%s\",route=\"%s\","
                    "status_class=\"4xx\"} %.0f\n", routes[i][0], routes[i][1], n / 100);
    }
    for (int i = 0; i < 4; i++) {
        double n = done / (i + 1);
        fprintf(fp, "santa_store_operation_duration_seconds_count{op=\"%s\"} %.0f\n", ops[i], n);
        fprintf(fp, "santa_store_operation_duration_seconds_sum{op=\"%s\"} %.6f\n", ops[i],
                n * (0.1 + 0.1 * i) / 1000);
    }
}

/* One scrape: cumulative counters as of second sec (-1: before the run). */
static int scrape(struct fx *f, const char *name, int sec)
{
    char rel[64];
    snprintf(rel, sizeof rel, "metrics/%s", name);
    FILE *fp = open_in(f, rel);
    if (fp == NULL)
        return -1;
    double done = sec < 0 ? 5000 : 5000 + 1000.0 * sec;
    fputs("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
          "# TYPE process_cpu_seconds_total counter\n", fp);
    fprintf(fp, "process_cpu_seconds_total %.3f\n", 3.0 + (sec < 0 ? 0 : sec * 0.62));
    fprintf(fp, "process_resident_memory_bytes %.0f\n", 2.0e7 + (sec < 0 ? 0 : sec * 3.1e5));
    fputs("process_open_fds 41\nprocess_threads 34\nprocess_start_time_seconds 1.79e+09\n", fp);
    fputs("# TYPE santa_http_requests_total counter\n", fp);
    fprintf(fp, "santa_http_requests_total{method=\"POST\",route=\"/api/exchanges\","
                "status_class=\"2xx\"} %.0f\n", done / 5);
    fputs("# TYPE santa_request_phase_duration_seconds histogram\n", fp);
    const char *phases[] = {"app", "store", "cache"};
    const double mean_s[] = {0.0002, f->o.cache ? 0.0006 : 0.0009, 0.00011};
    /* Like libinstrument, a stage without a cache exports the cache phase empty. */
    if (!f->o.cache)
        fputs("santa_request_phase_duration_seconds_sum{phase=\"cache\"} 0\n"
              "santa_request_phase_duration_seconds_count{phase=\"cache\"} 0\n", fp);
    for (int p = 0; p < (f->o.cache ? 3 : 2); p++) {
        fprintf(fp, "santa_request_phase_duration_seconds_bucket{phase=\"%s\",le=\"0.001\"} "
                    "%.0f\n", phases[p], done * 0.9);
        fprintf(fp, "santa_request_phase_duration_seconds_bucket{phase=\"%s\",le=\"+Inf\"} %.0f\n",
                phases[p], done);
        fprintf(fp, "santa_request_phase_duration_seconds_sum{phase=\"%s\"} %.6f\n", phases[p],
                done * mean_s[p]);
        fprintf(fp, "santa_request_phase_duration_seconds_count{phase=\"%s\"} %.0f\n", phases[p],
                done);
    }
    routes_and_ops(fp, done);
    if (f->o.cache)
        fprintf(fp, "santa_cache_requests_total{result=\"hit\"} %.0f\n"
                    "santa_cache_requests_total{result=\"local_hit\"} %.0f\n"
                    "santa_cache_requests_total{result=\"miss\"} %.0f\n"
                    "santa_cache_requests_total{result=\"error\"} 0\n",
                done * 0.7, done * 0.1, done * 0.2);
    return close_ok(fp);
}

static int metrics(struct fx *f)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics", f->dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
    if (scrape(f, "before.prom", -1) < 0 || scrape(f, "after.prom", f->o.seconds) < 0)
        return -1;
    for (int i = 0; i < f->o.scrapes; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%05d.prom", i * 2);
        if (scrape(f, name, i * 2) < 0)
            return -1;
    }
    return 0;
}

int report_fixture_write(const char *dir, const struct report_fixture_opts *o)
{
    struct fx f = {.o = *o, .dir = dir, .rng = 42};
    if (f.o.stage == NULL)
        f.o.stage = "02-sqlite";
    if (f.o.participants <= 0)
        f.o.participants = 1000;
    if (f.o.seconds <= 0)
        f.o.seconds = 30;
    if (f.o.scale <= 0)
        f.o.scale = 1;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    if (summary(&f) < 0 || timeseries(&f) < 0 || samples(&f) < 0)
        return -1;
    return f.o.no_metrics ? 0 : metrics(&f);
}

int report_fixture_put(const char *dir, const char *name, const char *text)
{
    struct fx f = {.dir = dir};
    FILE *fp = open_in(&f, name);
    if (fp == NULL)
        return -1;
    fputs(text, fp);
    return close_ok(fp);
}
