/*
 * load_search.c - the saturation search (see load_search.h).
 *
 * Why a ladder of separate open-loop runs and not one ramp: at a fixed
 * offered rate the server reaches a steady state (or visibly does not), so
 * each step's achieved rate and p99 describe that rate alone; a ramp mixes
 * the queue built at one rate into the next. Geometric steps find the
 * order of magnitude in a few runs, bisection then narrows the knee.
 */
#include "load_search.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load_config.h"
#include "load_json.h"
#include "load_run.h"

#define PAUSE_NS 500000000L /* between steps: let the server drain what was left */

/* Three significant digits: 1234.5 -> 1230, so the ladder reads well. */
static double round3(double r)
{
    if (r <= 0) {
        return r;
    }
    double mag = pow(10, floor(log10(r)) - 2);
    return round(r / mag) * mag;
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return errno == ENOENT ? 0 : -1; /* an optional file (a scrape) may be missing */
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char buf[65536];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    }
    close(in);
    int rc = out >= 0 && n == 0 ? 0 : -1;
    if (out >= 0 && close(out) != 0) {
        rc = -1;
    }
    return rc;
}

int load_search_adopt(const char *step_dir, const char *out)
{
    static const char *const files[] = {"samples.csv", "timeseries.csv"};
    char a[1200], b[1200];
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(a, sizeof(a), "%s/%s", step_dir, files[i]);
        snprintf(b, sizeof(b), "%s/%s", out, files[i]);
        if (copy_file(a, b) != 0) {
            return -1;
        }
    }
    snprintf(a, sizeof(a), "%s/metrics", step_dir);
    DIR *d = opendir(a);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".prom") == 0) {
            snprintf(a, sizeof(a), "%s/metrics/%s", step_dir, e->d_name);
            snprintf(b, sizeof(b), "%s/metrics/%s", out, e->d_name);
            if (copy_file(a, b) != 0) {
                closedir(d);
                return -1;
            }
        }
    }
    if (d) {
        closedir(d);
    }
    return 0;
}

/* Achieved counts answers that completed within the period: the few still in
   flight at its end (balanced by the warm-up's, give or take) are allowed as
   two requests' slack, which only matters at rates of a few per second. */
static bool keeps_up(const struct load_outcome *o)
{
    double slack = o->duration_s > 0 ? 2 / o->duration_s : 0;
    return o->achieved_rps >= LOAD_SEARCH_ACHIEVED * o->offered_rps - slack;
}

static bool holds(const struct load_outcome *o, double slo)
{
    return o->requests > 0 && keeps_up(o) && o->p99_ms <= slo;
}

/* The next rate to try, or 0 to stop. lo: the highest rate that held (0: none
   yet); hi: the lowest that failed (0: none yet). */
static double next_rate(double rate, double lo, double hi)
{
    if (hi == 0) {
        return rate * 2;
    }
    if (lo == 0) {
        return rate / 2 >= 0.5 ? rate / 2 : 0;
    }
    if (hi / lo <= LOAD_SEARCH_PRECISION) {
        return 0;
    }
    double mid = round3(sqrt(lo * hi));
    return mid > lo && mid < hi ? mid : 0;
}

int load_search(const struct load_config *cfg, struct load_env *env)
{
    struct load_config *c = malloc(sizeof(*c));
    struct load_ladder_step ladder[LOAD_SEARCH_MAX_STEPS];
    unsigned n = 0;
    int best = -1, rc = LOAD_EXIT_OK;
    double rate = round3(load_scenario_rate(&cfg->sc)), lo = 0, hi = 0;
    char dir[1024], err[512] = "";
    if (!c) {
        fprintf(stderr, "santa-load: out of memory\n");
        return LOAD_EXIT_ERROR;
    }
    printf("santa-load: saturation search on %s: %s, p99 <= %g ms, achieved >= %.0f%% of "
           "offered, %.0f s per step\n", cfg->url, cfg->sc.name, cfg->slo_p99_ms,
           100 * LOAD_SEARCH_ACHIEVED, cfg->sc.run_time);
    printf("  %-4s %12s %12s %12s %10s %10s %8s  %s\n", "step", "rate", "offered/s",
           "achieved/s", "p50 ms", "p99 ms", "errors", "verdict");
    while (rate > 0 && n < LOAD_SEARCH_MAX_STEPS) {
        *c = *cfg;
        c->find_max = false;
        c->no_summary = true;
        c->progress = false;
        c->sc.ts_interval = 1; /* short steps: scrape each second, so CPU has points */
        load_scenario_override(&c->sc, 0, rate);
        snprintf(dir, sizeof(dir), "%s/steps/%02u", cfg->out_dir, n + 1);
        c->out_dir = dir;
        struct load_outcome o;
        int r = load_run_measure(c, env, NULL, &o);
        if (r == LOAD_EXIT_ERROR) {
            rc = r;
            break;
        }
        if (o.interrupted) {
            rc = LOAD_EXIT_INTERRUPTED;
            break;
        }
        bool ok = holds(&o, cfg->slo_p99_ms);
        struct load_ladder_step *s = &ladder[n];
        *s = (struct load_ladder_step){.rate = rate, .offered_rps = o.offered_rps,
                                       .achieved_rps = o.achieved_rps, .p50_ms = o.p50_ms,
                                       .p99_ms = o.p99_ms, .requests = o.requests,
                                       .errors = o.errors, .held = ok,
                                       .bottleneck = o.bottleneck};
        snprintf(s->dir, sizeof(s->dir), "steps/%02u", n + 1);
        const char *why = ok ? "held"
                          : !keeps_up(&o)
                              ? "FAILED: achieved < 98% of offered"
                              : "FAILED: p99 over the SLO";
        printf("  %-4u %12.1f %12.1f %12.1f %10.3f %10.3f %8llu  %s%s\n", n + 1, rate,
               o.offered_rps, o.achieved_rps, o.p50_ms, o.p99_ms, (unsigned long long)o.errors,
               why, o.bottleneck ? " (generator-bound: add -t or connections)" : "");
        fflush(stdout);
        if (ok && rate > lo) {
            lo = rate;
            best = (int)n;
        } else if (!ok && (hi == 0 || rate < hi)) {
            hi = rate;
        }
        n++;
        rate = next_rate(rate, lo, hi);
        if (rate > 0) {
            nanosleep(&(struct timespec){.tv_nsec = PAUSE_NS}, NULL);
        }
    }
    if (n > 0 && rc != LOAD_EXIT_ERROR) {
        /* OUT shows the highest step that held (the lowest one tried when none did). */
        unsigned pick = best >= 0 ? (unsigned)best : 0;
        if (best < 0) {
            for (unsigned i = 1; i < n; i++) {
                pick = ladder[i].rate < ladder[pick].rate ? i : pick;
            }
        }
        char from[1100], src[1200], dst[1200];
        snprintf(from, sizeof(from), "%s/%s", cfg->out_dir, ladder[pick].dir);
        snprintf(src, sizeof(src), "%s/summary.json", from);
        snprintf(dst, sizeof(dst), "%s/summary.json", cfg->out_dir);
        struct load_search_result res = {.max_rps = best >= 0 ? ladder[best].achieved_rps : 0,
                                         .max_rate = best >= 0 ? ladder[best].rate : 0,
                                         .slo_p99_ms = cfg->slo_p99_ms, .steps = ladder,
                                         .nsteps = n, .chosen = pick,
                                         .partial = rc == LOAD_EXIT_INTERRUPTED};
        if (load_search_adopt(from, cfg->out_dir) != 0) {
            snprintf(err, sizeof(err), "cannot copy the chosen step into %.400s", cfg->out_dir);
        }
        if (err[0] || load_json_add_search(src, dst, &res, err, sizeof(err)) != 0) {
            fprintf(stderr, "santa-load: %s\n", err);
            rc = LOAD_EXIT_ERROR;
        } else if (best >= 0) {
            unsigned bound = 0;
            for (unsigned i = 0; i < n; i++) {
                bound += ladder[i].bottleneck;
            }
            if (bound > 0) {
                /* The figures of a starved generator describe the machine, not the stage. */
                printf("santa-load: warning: %u of %u steps were generator-bound (the machine "
                       "was short of CPU): read the rate as a lower bound\n", bound, n);
            }
            printf("santa-load: max sustainable rate %.1f req/s (offered %.1f/s) at p99 %.3f ms "
                   "<= %g ms; results: %s/summary.json\n", res.max_rps, ladder[best].offered_rps,
                   ladder[best].p99_ms, cfg->slo_p99_ms, cfg->out_dir);
        } else {
            fprintf(stderr, "santa-load: no step held (even %.1f/s failed the SLO): "
                            "max_sustainable_rps 0\n", ladder[pick].rate);
        }
    }
    free(c);
    return rc;
}
