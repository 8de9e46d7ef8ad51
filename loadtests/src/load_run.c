/*
 * load_run.c - the run from start to end (see load_run.h). The main thread
 * seeds, starts the workers, then only watches: a progress line once a second
 * on a terminal, a /metrics scrape every results_ts_interval seconds; at the
 * end it merges the workers' stats and writes the results.
 */
#include "load_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "load_assert.h"
#include "load_client.h"
#include "load_config.h"
#include "load_metrics.h"
#include "load_pool.h"
#include "load_results.h"
#include "load_worker.h"

#define METRICS_BODY_MAX (8u << 20)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
    uint64_t now = now_ns();
    if (t > now) {
        struct timespec ts = {.tv_sec = (time_t)((t - now) / 1000000000u),
                              .tv_nsec = (long)((t - now) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

static void *worker_main(void *arg)
{
    load_worker_run(arg);
    return NULL;
}

static void progress(const struct load_worker *w, unsigned n, uint64_t now,
                     const struct load_clock *clk, uint64_t *last_req, uint64_t *last_t)
{
    uint64_t req = 0, err = 0, p99 = 0;
    for (unsigned i = 0; i < n; i++) {
        req += atomic_load_explicit(&w[i].stats.live_requests, memory_order_relaxed);
        err += atomic_load_explicit(&w[i].stats.live_errors, memory_order_relaxed);
        uint64_t p = atomic_load_explicit(&w[i].stats.live_p99_ns, memory_order_relaxed);
        p99 = p > p99 ? p : p99;
    }
    double dt = (double)(now - *last_t) / 1e9;
    if (now < clk->meas) {
        fprintf(stderr, "\r  warm-up %4.1fs ...                                          ",
                (double)(clk->meas - now) / 1e9);
    } else {
        fprintf(stderr, "\r  %5.1fs/%.0fs  %9.0f req/s  errors %llu  p99 %.2f ms     ",
                (double)(now - clk->meas) / 1e9, (double)(clk->end - clk->meas) / 1e9,
                dt > 0 ? (double)(req - *last_req) / dt : 0, (unsigned long long)err,
                (double)p99 / 1e6);
    }
    *last_req = req;
    *last_t = now;
}

/* Main thread while the workers run: progress and scrapes until the end. */
static void watch(const struct load_config *cfg, const struct load_worker *w, unsigned n,
                  const struct load_clock *clk, struct load_client *mc)
{
    bool tty = cfg->progress && isatty(2);
    uint64_t last_req = 0, last_t = now_ns();
    bool before = false;
    unsigned next_scrape = 0;
    for (uint64_t tick = now_ns();; tick += 1000000000u) {
        uint64_t now = now_ns();
        if (!before && now >= clk->meas) {
            before = true;
            if (mc) {
                load_metrics_scrape(mc, cfg, cfg->out_dir, "before.prom");
            }
        }
        if (before && mc && now < clk->end) {
            unsigned sec = (unsigned)((now - clk->meas) / 1000000000u);
            if (sec >= next_scrape) {
                char name[32];
                snprintf(name, sizeof(name), "t%05u.prom", sec);
                load_metrics_scrape(mc, cfg, cfg->out_dir, name);
                next_scrape = sec + cfg->sc.ts_interval;
            }
        }
        if (tty) {
            progress(w, n, now, clk, &last_req, &last_t);
        }
        if (now >= clk->end) {
            break;
        }
        uint64_t next = tick + 1000000000u;
        if (!before && clk->meas < next) {
            next = clk->meas;
        }
        sleep_until(next < clk->end ? next : clk->end);
    }
    if (tty) {
        fputc('\n', stderr);
    }
}

static void judge(struct load_summary *s, const struct load_worker *w, unsigned n)
{
    uint64_t cpu = 0, wall = 0;
    for (unsigned i = 0; i < n; i++) {
        cpu += w[i].cpu_ns;
        wall += w[i].loop_ns;
    }
    s->cpu_s = (double)cpu / 1e9;
    s->cpu_percent = wall ? 100.0 * (double)cpu / (double)wall : 0;
    double lag = load_ms(s->st->lag, 99);
    if (s->cpu_percent >= LOAD_BOTTLENECK_CPU_PERCENT) {
        s->bottleneck = true;
        snprintf(s->note, sizeof(s->note),
                 "the generator was the bottleneck: its threads were %.0f%% busy (limit %.0f%%);"
                 " add threads or machines", s->cpu_percent, LOAD_BOTTLENECK_CPU_PERCENT);
    } else if (lag > LOAD_BOTTLENECK_LAG_MS) {
        s->bottleneck = true;
        snprintf(s->note, sizeof(s->note),
                 "the generator was the bottleneck: send lag p99 %.1f ms (limit %.0f ms), "
                 "requests left late; the machine may be short of CPU", lag,
                 LOAD_BOTTLENECK_LAG_MS);
    } else {
        snprintf(s->note, sizeof(s->note),
                 "the generator kept up: threads %.0f%% busy, send lag p99 %.3f ms",
                 s->cpu_percent, lag);
    }
}

static void print_summary(const struct load_config *cfg, const struct load_summary *s)
{
    const struct load_stats *st = s->st;
    printf("santa-load: %s %s, %u threads, %u connections%s, %.1f s measured\n",
           cfg->sc.name, cfg->url, cfg->threads, load_scenario_users(&cfg->sc),
           s->rate > 0 ? " (open loop)" : "", s->duration_s);
    printf("  requests %llu  errors %llu  %.1f req/s", (unsigned long long)st->requests,
           (unsigned long long)st->errors, s->duration_s > 0 ? st->requests / s->duration_s : 0);
    if (s->rate > 0 && !cfg->scenario_path) {
        printf("\n  open loop: target %.1f/s, scheduled %.2f%%, answered within the "
               "period %.1f/s = %.2f%% of target", s->rate,
               100.0 * st->requests / s->duration_s / s->rate, st->in_time / s->duration_s,
               100.0 * st->in_time / s->duration_s / s->rate);
    } else if (s->rate > 0) {
        /* Scenarios schedule transactions, which may have several requests each. */
        uint64_t txns = 0;
        for (unsigned t = 0; t < st->ntxns; t++) {
            txns += st->txn_count[t];
        }
        printf("\n  open loop: target %.1f transactions/s, %.1f/s completed = %.2f%% of target",
               s->rate, txns / s->duration_s, 100.0 * txns / s->duration_s / s->rate);
    }
    printf("\n  latency ms: mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
           inst_hist_mean(st->all) / 1e6, load_ms(st->all, 50), load_ms(st->all, 90),
           load_ms(st->all, 99), load_ms(st->all, 99.9), load_ms(st->all, 100));
    printf("  generator: %s\n", s->note);
    if (cfg->out_dir) {
        printf("  results: %s/summary.json\n", cfg->out_dir);
    }
}

/* Merges, writes and judges; returns the exit code. */
static int finish(const struct load_config *cfg, struct load_worker *w, unsigned n,
                  const struct load_asserts *asserts, const char *started_at)
{
    struct load_stats total;
    char err[512];
    const struct load_scenario *sc = &cfg->sc;
    if (load_stats_init(&total, sc->ntimers, sc->ntxns, w[0].stats.nsec,
                        w[0].stats.step_s) != 0) {
        fprintf(stderr, "santa-load: out of memory merging the results\n");
        return LOAD_EXIT_ERROR;
    }
    int rc = LOAD_EXIT_OK;
    for (unsigned i = 0; i < n && rc == LOAD_EXIT_OK; i++) {
        if (load_stats_merge(&total, &w[i].stats) != 0) {
            fprintf(stderr, "santa-load: out of memory merging the results\n");
            rc = LOAD_EXIT_ERROR;
        }
    }
    struct load_summary s = {.cfg = cfg, .st = &total, .duration_s = sc->run_time,
                             .warmup_s = sc->warmup, .rampup_s = sc->rampup,
                             .rate = load_scenario_rate(sc),
                             .seed_exchanges = sc->seed_exchanges,
                             .seed_participants = sc->seed_participants};
    snprintf(s.started_at, sizeof(s.started_at), "%s", started_at);
    judge(&s, w, n);
    if (rc == LOAD_EXIT_OK && cfg->out_dir &&
        load_results_write(cfg->out_dir, &s, &total, err, sizeof(err)) != 0) {
        fprintf(stderr, "santa-load: %s\n", err);
        rc = LOAD_EXIT_ERROR;
    }
    print_summary(cfg, &s);
    if (rc == LOAD_EXIT_OK) {
        struct load_assert_input in = {
            .latency_ms = {inst_hist_mean(total.all) / 1e6, load_ms(total.all, 50),
                           load_ms(total.all, 90), load_ms(total.all, 99),
                           load_ms(total.all, 99.9), load_ms(total.all, 100)},
            .requests = (double)total.requests, .errors = (double)total.errors,
            .rps = (double)total.requests / s.duration_s};
        if (load_assert_check(asserts, &in) > 0) {
            rc = LOAD_EXIT_ASSERT;
        } else if (s.bottleneck) {
            fprintf(stderr, "santa-load: %s\n", s.note);
            rc = LOAD_EXIT_BOTTLENECK;
        }
    }
    load_stats_release(&total);
    return rc;
}

/* One descriptor per user plus a few: raise the soft limit as far as the hard
   one allows, and refuse a run that could not open its connections. */
static int enough_fds(unsigned users)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)users + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 0;
    }
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need) {
        fprintf(stderr, "santa-load: %u connections need %llu file descriptors; the limit is "
                        "%llu (ulimit -n)\n", users, (unsigned long long)need,
                (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

int load_run(const struct load_config *cfg)
{
    const struct load_scenario *sc = &cfg->sc;
    struct load_asserts asserts;
    struct load_pool pool;
    struct load_client mc;
    char err[512];
    bool have_mc = false;
    if (load_assert_parse(cfg->assert_expr, &asserts, err, sizeof(err)) != 0 ||
        (cfg->out_dir && load_results_mkdir(cfg->out_dir, err, sizeof(err)) != 0)) {
        fprintf(stderr, "santa-load: %s\n", err);
        return LOAD_EXIT_ERROR;
    }
    if (enough_fds(load_scenario_users(sc)) != 0) {
        return LOAD_EXIT_ERROR;
    }
    if (load_client_probe(&cfg->addr, 3000) != 0) {
        fprintf(stderr, "santa-load: cannot connect to %s: %s (is the server running?)\n",
                cfg->host_port, strerror(errno));
        return LOAD_EXIT_ERROR;
    }
    if (load_pool_seed(&pool, cfg, sc->seed_exchanges, sc->seed_participants,
                       cfg->threads * 4 > 16 ? 16 : cfg->threads * 4, !cfg->progress, err,
                       sizeof(err)) != 0) {
        fprintf(stderr, "santa-load: %s\n", err);
        return LOAD_EXIT_ERROR;
    }
    if (cfg->out_dir && cfg->scrape_metrics) {
        have_mc = load_client_init(&mc, &cfg->addr, METRICS_BODY_MAX, 2000) == 0;
    }
    unsigned n = cfg->threads;
    struct load_worker *w = calloc(n, sizeof(*w));
    struct load_clock clk;
    uint64_t t0 = now_ns() + 100000000u; /* time for the workers to set up */
    clk.t0 = t0;
    clk.meas = t0 + (uint64_t)((sc->rampup + sc->warmup) * 1e9);
    clk.end = clk.meas + (uint64_t)(sc->run_time * 1e9);
    clk.stop = clk.end + (uint64_t)cfg->timeout_ms * 1000000u;
    int rc = LOAD_EXIT_OK;
    unsigned started = 0;
    for (unsigned i = 0; w && i < n && rc == LOAD_EXIT_OK; i++) {
        if (load_worker_init(&w[i], i, n, cfg, &pool, &clk) != 0) {
            fprintf(stderr, "santa-load: cannot set up worker %u (out of memory?)\n", i);
            load_worker_release(&w[i]);
            memset(&w[i], 0, sizeof(w[i]));
            rc = LOAD_EXIT_ERROR;
        }
    }
    if (!w) {
        fprintf(stderr, "santa-load: out of memory\n");
        rc = LOAD_EXIT_ERROR;
    }
    for (; rc == LOAD_EXIT_OK && started < n; started++) {
        if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0) {
            fprintf(stderr, "santa-load: cannot start thread %u\n", started);
            rc = LOAD_EXIT_ERROR;
            break;
        }
    }
    char started_at[32] = "";
    if (rc == LOAD_EXIT_OK) {
        /* The wall-clock time at which the measured period starts. */
        uint64_t now = now_ns();
        time_t wall = time(NULL) + (time_t)((clk.meas > now ? clk.meas - now : 0) / 1000000000u);
        struct tm tm;
        gmtime_r(&wall, &tm);
        strftime(started_at, sizeof(started_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
        watch(cfg, w, n, &clk, have_mc ? &mc : NULL);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
    }
    if (have_mc) {
        load_metrics_scrape(&mc, cfg, cfg->out_dir, "after.prom");
        load_client_release(&mc);
    }
    if (rc == LOAD_EXIT_OK) {
        rc = finish(cfg, w, n, &asserts, started_at);
    }
    for (unsigned i = 0; w && i < n; i++) {
        load_worker_release(&w[i]);
    }
    free(w);
    load_pool_release(&pool);
    return rc;
}
