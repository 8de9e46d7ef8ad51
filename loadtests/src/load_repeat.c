/*
 * load_repeat.c - --repeat K: is a difference real? (see load_search.h)
 *
 * One run's percentiles carry noise from everything else on the machine; K
 * runs of the same settings give the spread, so a mean with a confidence
 * interval says whether two stages (or two commits) differ by more than the
 * machine does. The set-up (seeding) is shared; each run is complete.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "load_config.h"
#include "load_json.h"
#include "load_run.h"
#include "load_search.h"

#define LOAD_REPEAT_MAX 20

/* Two-sided 95 % Student t for df = 1..19 (K runs give K-1). */
static double t95(unsigned df)
{
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                               2.306,  2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
                               2.131,  2.120, 2.110, 2.101, 2.093};
    return df >= 1 && df <= 19 ? t[df - 1] : 1.96;
}

static void mean_ci(const double *v, unsigned n, double *mean, double *half)
{
    double s = 0, ss = 0;
    for (unsigned i = 0; i < n; i++) {
        s += v[i];
    }
    *mean = s / n;
    for (unsigned i = 0; i < n; i++) {
        ss += (v[i] - *mean) * (v[i] - *mean);
    }
    *half = n > 1 ? t95(n - 1) * sqrt(ss / (n - 1) / n) : 0;
}

int load_repeat(const struct load_config *cfg, struct load_env *env)
{
    struct load_config *c = malloc(sizeof(*c));
    struct load_ladder_step runs[LOAD_REPEAT_MAX];
    unsigned n = 0, k = cfg->repeat < LOAD_REPEAT_MAX ? cfg->repeat : LOAD_REPEAT_MAX;
    int rc = LOAD_EXIT_OK;
    char dir[1024], err[512] = "";
    if (!c) {
        return LOAD_EXIT_ERROR;
    }
    printf("santa-load: %u runs of %s on %s\n", k, cfg->sc.name, cfg->url);
    for (; n < k; n++) {
        *c = *cfg;
        c->repeat = 0;
        c->no_summary = true;
        c->progress = false;
        snprintf(dir, sizeof(dir), "%s/repeat-%02u", cfg->out_dir, n + 1);
        c->out_dir = dir;
        struct load_outcome o;
        int r = load_run_measure(c, env, NULL, &o);
        if (r == LOAD_EXIT_ERROR || o.interrupted) {
            rc = r == LOAD_EXIT_ERROR ? r : LOAD_EXIT_INTERRUPTED;
            break;
        }
        runs[n] = (struct load_ladder_step){.rate = load_scenario_rate(&cfg->sc),
                                            .offered_rps = o.offered_rps,
                                            .achieved_rps = o.achieved_rps, .p50_ms = o.p50_ms,
                                            .p99_ms = o.p99_ms, .requests = o.requests,
                                            .errors = o.errors, .held = true,
                                            .bottleneck = o.bottleneck};
        snprintf(runs[n].dir, sizeof(runs[n].dir), "repeat-%02u", n + 1);
        printf("  run %-3u achieved %10.1f req/s  p50 %8.3f ms  p99 %8.3f ms  errors %llu%s\n",
               n + 1, o.achieved_rps, o.p50_ms, o.p99_ms, (unsigned long long)o.errors,
               o.bottleneck ? "  (generator-bound)" : "");
        fflush(stdout);
    }
    if (n > 0 && rc != LOAD_EXIT_ERROR) {
        struct load_repeat_result res = {.runs = runs, .nruns = n};
        double v[3][LOAD_REPEAT_MAX];
        for (unsigned i = 0; i < n; i++) {
            v[0][i] = runs[i].achieved_rps;
            v[1][i] = runs[i].p50_ms;
            v[2][i] = runs[i].p99_ms;
        }
        for (int m = 0; m < 3; m++) {
            mean_ci(v[m], n, &res.mean[m], &res.half[m]);
        }
        /* OUT shows the run with the median achieved rate: a typical one. */
        for (unsigned i = 0; i < n; i++) {
            unsigned below = 0;
            for (unsigned j = 0; j < n; j++) {
                below += runs[j].achieved_rps < runs[i].achieved_rps;
            }
            if (below == (n - 1) / 2) {
                res.chosen = i;
            }
        }
        char from[1100], src[1200], dst[1200];
        snprintf(from, sizeof(from), "%s/%s", cfg->out_dir, runs[res.chosen].dir);
        snprintf(src, sizeof(src), "%s/summary.json", from);
        snprintf(dst, sizeof(dst), "%s/summary.json", cfg->out_dir);
        if (load_search_adopt(from, cfg->out_dir) != 0) {
            snprintf(err, sizeof(err), "cannot copy the median run into %.400s", cfg->out_dir);
        }
        if (err[0] || load_json_add_repeats(src, dst, &res, err, sizeof(err)) != 0) {
            fprintf(stderr, "santa-load: %s\n", err);
            rc = LOAD_EXIT_ERROR;
        } else {
            printf("santa-load: over %u runs (95%% intervals): achieved %.1f +- %.1f req/s, p50 "
                   "%.3f +- %.3f ms, p99 %.3f +- %.3f ms; results: %s/summary.json\n", n,
                   res.mean[0], res.half[0], res.mean[1], res.half[1], res.mean[2], res.half[2],
                   cfg->out_dir);
        }
    }
    free(c);
    return rc;
}
