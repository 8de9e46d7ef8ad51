/*
 * load_run.c - the run from start to end (see load_run.h). The main thread
 * seeds, starts the workers, then only watches: a progress line once a second
 * on a terminal, a /metrics scrape every results_ts_interval seconds; at the
 * end it merges the workers' stats and writes the results. Ctrl-C stops the
 * workers at once and writes what was measured, marked partial (as wrk2 and
 * Locust do). --find-max runs many measurements (load_search.c).
 */
#include "load_run.h"

#include <errno.h>
#include <signal.h>
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
#include "load_search.h"
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

/* The one piece of global state in santa-load: a signal handler can reach
   nothing else. Set by SIGINT; the main thread reads it and tells the workers
   through load_clock.halt. */
static volatile sig_atomic_t g_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

bool load_run_interrupted(void)
{
    return g_interrupted != 0;
}

/* Ctrl-C once: stop and write the partial results; twice: the default (quit). */
static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sa.sa_flags = (int)SA_RESETHAND; /* no SA_RESTART: the main thread's sleep ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
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
                  const struct load_clock *clk, struct load_client *mc, uint64_t *halted_at)
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
        if (g_interrupted) {
            *halted_at = now;
            atomic_store(clk->halt, 1);
            if (tty) {
                fputs("\n  interrupted: writing what was measured (Ctrl-C again quits)", stderr);
            }
            break;
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

/* Judged per thread: one saturated event loop delays its share of the requests
   even when the others idle, so the busiest thread counts, not the average. */
static void judge(struct load_summary *s, const struct load_worker *w, unsigned n)
{
    uint64_t cpu = 0, wall = 0;
    double worst = 0;
    unsigned worst_id = 0;
    for (unsigned i = 0; i < n; i++) {
        cpu += w[i].cpu_ns;
        wall += w[i].loop_ns;
        double p = w[i].loop_ns ? 100.0 * (double)w[i].cpu_ns / (double)w[i].loop_ns : 0;
        if (p > worst) {
            worst = p;
            worst_id = i;
        }
    }
    s->cpu_s = (double)cpu / 1e9;
    s->cpu_percent = worst;
    s->cpu_percent_mean = wall ? 100.0 * (double)cpu / (double)wall : 0;
    double lag = load_ms(s->st->lag, 99);
    double p99 = load_ms(s->st->all, 99);
    double limit = LOAD_BOTTLENECK_LAG_SHARE * p99;
    if (limit < LOAD_BOTTLENECK_LAG_FLOOR_MS) {
        limit = LOAD_BOTTLENECK_LAG_FLOOR_MS;
    }
    s->lag_limit_ms = limit;
    if (worst >= LOAD_BOTTLENECK_CPU_PERCENT) {
        s->bottleneck = true;
        snprintf(s->note, sizeof(s->note),
                 "the generator was the bottleneck: its thread %u was %.0f%% busy (limit %.0f%% "
                 "per thread; mean over threads %.0f%%); add threads or machines", worst_id,
                 worst, LOAD_BOTTLENECK_CPU_PERCENT, s->cpu_percent_mean);
    } else if (lag > limit) {
        s->bottleneck = true;
        snprintf(s->note, sizeof(s->note),
                 "the generator was the bottleneck: send lag p99 %.2f ms is more than %.0f%% of "
                 "the latency p99 (%.2f ms; limit %.2f ms), requests left late; the machine may "
                 "be short of CPU", lag, 100 * LOAD_BOTTLENECK_LAG_SHARE, p99, limit);
    } else {
        snprintf(s->note, sizeof(s->note),
                 "the generator kept up: busiest thread %.0f%% busy, send lag p99 %.3f ms "
                 "(limit %.2f ms)", worst, lag, limit);
    }
}

static void print_summary(const struct load_config *cfg, const struct load_summary *s)
{
    const struct load_stats *st = s->st;
    printf("santa-load: %s %s, %u threads, %u connections%s, %.1f s measured%s\n",
           cfg->sc.name, cfg->url, cfg->threads, load_scenario_users(&cfg->sc),
           s->rate > 0 ? " (open loop)" : "", s->duration_s,
           s->partial ? " (PARTIAL: interrupted)" : "");
    double secs = s->duration_s > 0 ? s->duration_s : 1;
    printf("  requests %llu  errors %llu (timeouts %llu)  retries %llu\n",
           (unsigned long long)st->requests, (unsigned long long)st->errors,
           (unsigned long long)st->err_kind[LOAD_ERR_TIMEOUT], (unsigned long long)st->retries);
    double offered = s->rate > 0 && !cfg->scenario_path ? s->rate : st->requests / secs;
    printf("  throughput: achieved %.1f req/s (answers by completion), offered %.1f req/s%s; "
           "lowest second %.1f req/s\n", st->in_time / secs, offered,
           s->rate > 0 ? (cfg->scenario_path ? " (requests of the scheduled transactions)"
                                             : " (the schedule)")
                       : " (requests started)",
           load_stats_min_rps(st, s->duration_s));
    if (s->rate > 0 && cfg->scenario_path) {
        uint64_t txns = 0;
        for (unsigned t = 0; t < st->ntxns; t++) {
            txns += st->txn_count[t];
        }
        printf("  open loop: target %.1f transactions/s, %.1f/s completed = %.2f%% of target\n",
               s->rate, txns / secs, 100.0 * txns / secs / s->rate);
    }
    printf("  response time ms (OK answers, from the intended start): mean %.3f  p50 %.3f  "
           "p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
           inst_hist_mean(st->all) / 1e6, load_ms(st->all, 50), load_ms(st->all, 90),
           load_ms(st->all, 99), load_ms(st->all, 99.9), load_ms(st->all, 100));
    printf("  service time ms  (OK answers, from the actual send):   mean %.3f  p50 %.3f  "
           "p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
           inst_hist_mean(st->service) / 1e6, load_ms(st->service, 50),
           load_ms(st->service, 90), load_ms(st->service, 99), load_ms(st->service, 99.9),
           load_ms(st->service, 100));
    if (s->rate > 0) {
        printf("  waiting for a free connection (the generator's queue): p50 %.3f  p99 %.3f  "
               "max %.3f ms\n", load_ms(st->wait, 50), load_ms(st->wait, 99),
               load_ms(st->wait, 100));
    }
    if (inst_hist_count(st->fail) > 0) {
        printf("  failed requests ms: p50 %.3f  p99 %.3f  max %.3f (%llu)\n",
               load_ms(st->fail, 50), load_ms(st->fail, 99), load_ms(st->fail, 100),
               (unsigned long long)inst_hist_count(st->fail));
    }
    printf("  generator: %s\n", s->note);
    if (cfg->out_dir) {
        printf("  results: %s/summary.json\n", cfg->out_dir);
    }
    fflush(stdout);
}

/* Merges, writes and judges; returns the exit code and fills *out. */
static int finish(const struct load_config *cfg, struct load_worker *w, unsigned n,
                  const struct load_asserts *asserts, const char *started_at, double measured_s,
                  bool partial, struct load_outcome *out)
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
    struct load_summary s = {.cfg = cfg, .st = &total, .duration_s = measured_s,
                             .warmup_s = sc->warmup, .rampup_s = sc->rampup,
                             .rate = load_scenario_rate(sc), .partial = partial,
                             .seed_exchanges = sc->seed_exchanges,
                             .seed_participants = sc->seed_participants};
    snprintf(s.started_at, sizeof(s.started_at), "%s", started_at);
    judge(&s, w, n);
    if (rc == LOAD_EXIT_OK && cfg->out_dir &&
        load_results_write(cfg->out_dir, &s, &total, err, sizeof(err)) != 0) {
        fprintf(stderr, "santa-load: %s\n", err);
        rc = LOAD_EXIT_ERROR;
    }
    if (!cfg->no_summary) {
        print_summary(cfg, &s);
    }
    double secs = measured_s > 0 ? measured_s : 1;
    *out = (struct load_outcome){
        .offered_rps = total.requests / secs,
        .achieved_rps = total.in_time / secs, .p50_ms = load_ms(total.all, 50),
        .p99_ms = load_ms(total.all, 99), .duration_s = measured_s,
        .requests = total.requests, .errors = total.errors, .bottleneck = s.bottleneck,
        .interrupted = partial};
    if (rc == LOAD_EXIT_OK && partial) {
        rc = LOAD_EXIT_INTERRUPTED;
    } else if (rc == LOAD_EXIT_OK) {
        struct load_assert_input in = {
            .latency_ms = {inst_hist_mean(total.all) / 1e6, load_ms(total.all, 50),
                           load_ms(total.all, 90), load_ms(total.all, 99),
                           load_ms(total.all, 99.9), load_ms(total.all, 100)},
            .requests = (double)total.requests, .errors = (double)total.errors,
            .rps = total.in_time / secs,
            .min_rps = load_stats_min_rps(&total, measured_s),
            .offered_rps = out->offered_rps,
            .timeouts = (double)total.err_kind[LOAD_ERR_TIMEOUT]};
        if (asserts && load_assert_check(asserts, &in) > 0) {
            rc = LOAD_EXIT_ASSERT;
        } else if (s.bottleneck) {
            if (!cfg->no_summary) {
                fprintf(stderr, "santa-load: %s\n", s.note);
            }
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

/* Starts the workers with SIGINT blocked, so the main thread is the one the
   signal wakes. Returns how many started. */
static unsigned start_workers(struct load_worker *w, unsigned n)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    unsigned started = 0;
    for (; started < n; started++) {
        if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0) {
            fprintf(stderr, "santa-load: cannot start thread %u\n", started);
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

int load_run_measure(const struct load_config *cfg, struct load_env *env,
                     const struct load_asserts *asserts, struct load_outcome *out)
{
    const struct load_scenario *sc = &cfg->sc;
    char err[512];
    if (cfg->out_dir && load_results_mkdir(cfg->out_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "santa-load: %s\n", err);
        return LOAD_EXIT_ERROR;
    }
    unsigned n = cfg->threads;
    struct load_worker *w = calloc(n, sizeof(*w));
    struct load_clock clk;
    _Atomic int halt = 0;
    uint64_t t0 = now_ns() + 100000000u; /* time for the workers to set up */
    clk.t0 = t0;
    clk.meas = t0 + (uint64_t)((sc->rampup + sc->warmup) * 1e9);
    clk.end = clk.meas + (uint64_t)(sc->run_time * 1e9);
    clk.stop = clk.end + (uint64_t)cfg->timeout_ms * 1000000u;
    clk.halt = &halt;
    int rc = LOAD_EXIT_OK;
    unsigned started = 0;
    for (unsigned i = 0; w && i < n && rc == LOAD_EXIT_OK; i++) {
        if (load_worker_init(&w[i], i, n, cfg, &env->pool, &clk) != 0) {
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
    if (rc == LOAD_EXIT_OK) {
        started = start_workers(w, n);
        rc = started == n ? LOAD_EXIT_OK : LOAD_EXIT_ERROR;
        if (rc != LOAD_EXIT_OK) {
            atomic_store(&halt, 1);
        }
    }
    char started_at[32] = "";
    uint64_t halted_at = 0;
    if (rc == LOAD_EXIT_OK) {
        /* The wall-clock time at which the measured period starts. */
        uint64_t now = now_ns();
        time_t wall = time(NULL) + (time_t)((clk.meas > now ? clk.meas - now : 0) / 1000000000u);
        struct tm tm;
        gmtime_r(&wall, &tm);
        strftime(started_at, sizeof(started_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
        watch(cfg, w, n, &clk, env->have_mc ? &env->mc : NULL, &halted_at);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
    }
    if (env->have_mc && cfg->out_dir && !halted_at) {
        load_metrics_scrape(&env->mc, cfg, cfg->out_dir, "after.prom");
    }
    if (rc == LOAD_EXIT_OK) {
        double measured_s = sc->run_time;
        if (halted_at) {
            /* Interrupted: the period that ran, and no more. */
            measured_s = halted_at > clk.meas ? (double)(halted_at - clk.meas) / 1e9 : 0;
            measured_s = measured_s < sc->run_time ? measured_s : sc->run_time;
        }
        rc = finish(cfg, w, n, asserts, started_at, measured_s, halted_at != 0, out);
    }
    for (unsigned i = 0; w && i < n; i++) {
        load_worker_release(&w[i]);
    }
    free(w);
    return rc;
}

int load_run(const struct load_config *cfg)
{
    const struct load_scenario *sc = &cfg->sc;
    struct load_asserts asserts;
    struct load_env env;
    char err[512];
    memset(&env, 0, sizeof(env));
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
    if (load_pool_seed(&env.pool, cfg, sc->seed_exchanges, sc->seed_participants,
                       cfg->threads * 4 > 16 ? 16 : cfg->threads * 4, !cfg->progress, err,
                       sizeof(err)) != 0) {
        fprintf(stderr, "santa-load: %s\n", err);
        return LOAD_EXIT_ERROR;
    }
    if (cfg->out_dir && cfg->scrape_metrics) {
        env.have_mc = load_client_init(&env.mc, &cfg->addr, METRICS_BODY_MAX, 2000) == 0;
    }
    g_interrupted = 0;
    catch_sigint();
    struct load_outcome out;
    int rc = cfg->find_max     ? load_search(cfg, &env)
             : cfg->repeat > 1 ? load_repeat(cfg, &env)
                               : load_run_measure(cfg, &env, &asserts, &out);
    signal(SIGINT, SIG_DFL);
    if (env.have_mc) {
        load_client_release(&env.mc);
    }
    load_pool_release(&env.pool);
    return rc;
}
