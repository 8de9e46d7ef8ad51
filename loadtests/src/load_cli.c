/*
 * load_cli.c - santa-load's command line: one table of options (it prints
 * --help too), the URL check (loopback only), then load_run.
 *
 *   plain:     santa-load --url http://127.0.0.1:8080/healthz -t 2 -c 32 -d 10
 *   open loop: santa-load --url URL -t 2 -c 64 -d 10 --rate 5000
 *   scenario:  santa-load --scenario loadtests/scenarios/read-mostly.cfg --url BASE --out DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_config.h"
#include "load_run.h"

enum opt_id {
    O_URL, O_THREADS, O_CONNS, O_DURATION, O_RATE, O_SCENARIO, O_WARMUP, O_RAMPUP, O_THINK,
    O_TIMEOUT, O_SETUP_TIMEOUT, O_SEED_EX, O_SEED_PARTS, O_OUT, O_STAGE, O_ASSERT, O_QUIET,
    O_NO_METRICS, O_TRACE_SAMPLE, O_FIND_MAX, O_SLO_P99, O_REPEAT, O_HELP
};

struct opt {
    enum opt_id id;
    const char *lng;
    char shrt;
    const char *arg;   /* NULL: a switch */
    double lo, hi;     /* bounds of numeric values */
    const char *help;
};

static const struct opt opts[] = {
    {O_URL, "url", 'u', "URL", 0, 0,
     "target: http://127.0.0.1:PORT[/path] (loopback only); plain mode GETs it,\n"
     "                          a scenario prefixes its API paths with the path"},
    {O_THREADS, "threads", 't', "N", 1, 256, "worker threads, each with its own event loop (2)"},
    {O_CONNS, "connections", 'c', "N", 1, 100000,
     "connections = virtual users (plain: 10; scenario: scaled from its groups)"},
    {O_DURATION, "duration", 'd', "SECONDS", 1, 3600,
     "measured seconds (plain: 10; scenario: run_time)"},
    {O_RATE, "rate", 'R', "REQ/S", 0.1, 10000000,
     "open loop at this rate (plain: requests/s; scenario: transactions/s),\n"
     "                          latency from each request's intended start"},
    {O_SCENARIO, "scenario", 's', "FILE", 0, 0, "scenario mode: run FILE (loadtests/README.md)"},
    {O_WARMUP, "warmup", 'w', "SECONDS", 0, 600,
     "run but do not count (plain: 0; scenario: warmup)"},
    {O_RAMPUP, "rampup", 0, "SECONDS", 0, 600, "closed loop: start the users over this time"},
    {O_THINK, "think-ms", 0, "MS", 0, 600000, "closed loop: pause between transactions (0)"},
    {O_TIMEOUT, "timeout", 'T', "MS", 1, 600000, "per-request timeout (5000)"},
    {O_SETUP_TIMEOUT, "setup-timeout", 0, "SECONDS", 1, 3600,
     "give up when seeding takes longer (300)"},
    {O_SEED_EX, "seed-exchanges", 0, "E", 0, 100000, "set-up: create E exchanges first"},
    {O_SEED_PARTS, "seed-participants", 0, "P", 0, 10000000,
     "set-up: and P participants spread over them"},
    {O_OUT, "out", 'o', "DIR", 0, 0, "write the results folder to DIR"},
    {O_STAGE, "stage", 0, "NAME", 0, 0, "the stage under test, for the report (meta.stage)"},
    {O_ASSERT, "assert", 'a', "TERMS", 0, 0,
     "e.g. 'p99<50ms,errors<0.1%': exit 2 when one fails"},
    {O_QUIET, "quiet", 'q', NULL, 0, 0, "no progress line, no set-up messages"},
    {O_NO_METRICS, "no-metrics", 0, NULL, 0, 0, "do not scrape the server's /metrics"},
    {O_TRACE_SAMPLE, "trace-sample", 0, "R", 0, 1,
     "share of requests whose traceparent asks the server to record\n"
     "                          the trace (sampled=01); the rest send 00 (0)"},
    {O_FIND_MAX, "find-max", 0, NULL, 0, 0,
     "saturation search: open-loop steps from --rate (100) up, x2 then\n"
     "                          bisection, to the highest rate that holds (needs --out)"},
    {O_REPEAT, "repeat", 0, "K", 2, 20,
     "run K times (one set-up): mean and 95% interval of achieved rps,\n"
     "                          p50 and p99 (needs --out; OUT gets the median run)"},
    {O_SLO_P99, "slo-p99", 0, "MS", 0.001, 600000,
     "--find-max: a step holds when p99 <= MS and achieved >= 98% of offered"},
    {O_HELP, "help", 'h', NULL, 0, 0, "this text"},
};
#define NOPTS (sizeof(opts) / sizeof(*opts))

static void usage(FILE *f)
{
    fprintf(f, "usage: santa-load --url URL [-t N] [-c N] [-d S] [--rate R] [--out DIR]\n"
               "       santa-load --scenario FILE --url BASE [options]\n\noptions:\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char left[40];
        if (opts[i].shrt) {
            snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].shrt, opts[i].lng,
                     opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        } else {
            snprintf(left, sizeof(left), "    --%s%s%s", opts[i].lng, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        }
        if (strlen(left) < 24) {
            fprintf(f, "  %-24s%s\n", left, opts[i].help);
        } else {
            fprintf(f, "  %s\n  %-24s%s\n", left, "", opts[i].help);
        }
    }
    fprintf(f, "\nexit: 0 ok, 1 error, 2 an --assert failed, 3 the generator was the bottleneck,\n"
               "      130 interrupted (Ctrl-C: what was measured is written, partial)\n");
}

/* Accepts http://HOST[:PORT][/path] with HOST localhost or 127.x.x.x. */
static int parse_url(struct load_config *cfg, const char *url)
{
    const char *p = url;
    if (strncmp(p, "http://", 7) != 0) {
        fprintf(stderr, "santa-load: --url must start with http:// (got '%s')\n", url);
        return -1;
    }
    p += 7;
    size_t hn = strcspn(p, ":/");
    char host[64];
    if (hn == 0 || hn >= sizeof(host)) {
        fprintf(stderr, "santa-load: --url has no host: '%s'\n", url);
        return -1;
    }
    memcpy(host, p, hn);
    host[hn] = '\0';
    p += hn;
    unsigned long port = 80;
    if (*p == ':') {
        char *end;
        errno = 0;
        port = strtoul(p + 1, &end, 10);
        if (end == p + 1 || errno || port == 0 || port > 65535 || (*end && *end != '/')) {
            fprintf(stderr, "santa-load: --url has a bad port: '%s'\n", url);
            return -1;
        }
        p = end;
    }
    memset(&cfg->addr, 0, sizeof(cfg->addr));
    cfg->addr.sin_family = AF_INET;
    cfg->addr.sin_port = htons((uint16_t)port);
    const char *ip = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
    if (inet_pton(AF_INET, ip, &cfg->addr.sin_addr) != 1 ||
        (ntohl(cfg->addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "santa-load: refusing host '%s': load tests target this machine only "
                        "(localhost or 127.0.0.0/8)\n", host);
        return -1;
    }
    snprintf(cfg->host_port, sizeof(cfg->host_port), "%s:%lu", host, port);
    /* The path without a trailing slash: scenarios append /api/... to it. */
    size_t pn = strlen(p);
    while (pn > 0 && p[pn - 1] == '/') {
        pn--;
    }
    if (pn >= sizeof(cfg->base_path) || strchr(p, ' ') || strchr(p, '\r') || strchr(p, '\n')) {
        fprintf(stderr, "santa-load: --url path is too long or has spaces\n");
        return -1;
    }
    memcpy(cfg->base_path, p, pn);
    cfg->base_path[pn] = '\0';
    snprintf(cfg->url, sizeof(cfg->url), "%s", url);
    return 0;
}

static const struct opt *find(const char *a)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if ((a[1] == '-' && strcmp(a + 2, opts[i].lng) == 0) ||
            (a[1] != '-' && a[1] == opts[i].shrt && a[2] == '\0' && opts[i].shrt)) {
            return &opts[i];
        }
    }
    return NULL;
}

struct cli {
    const char *url;
    double num[O_HELP + 1];
    bool given[O_HELP + 1];
};

static int parse_args(int argc, char **argv, struct load_config *cfg, struct cli *cl)
{
    for (int i = 1; i < argc; i++) {
        const struct opt *o = argv[i][0] == '-' ? find(argv[i]) : NULL;
        if (!o) {
            fprintf(stderr, "santa-load: unknown option '%s' (--help lists them)\n", argv[i]);
            return -1;
        }
        cl->given[o->id] = true;
        if (!o->arg) {
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "santa-load: --%s needs %s\n", o->lng, o->arg);
            return -1;
        }
        const char *v = argv[++i];
        switch (o->id) {
        case O_URL: cl->url = v; break;
        case O_SCENARIO: cfg->scenario_path = v; break;
        case O_OUT: cfg->out_dir = v; break;
        case O_STAGE: cfg->stage = v; break;
        case O_ASSERT: cfg->assert_expr = v; break;
        default: {
            char *end;
            errno = 0;
            double d = strtod(v, &end);
            if (end == v || *end || errno || !isfinite(d) || d < o->lo || d > o->hi) {
                fprintf(stderr, "santa-load: --%s wants a number from %g to %g, not '%s'\n",
                        o->lng, o->lo, o->hi, v);
                return -1;
            }
            cl->num[o->id] = d;
        }
        }
    }
    return 0;
}

static int check_find_max(const struct load_config *cfg, const struct cli *cl)
{
    if (!cl->given[O_SLO_P99]) {
        fprintf(stderr, "santa-load: --find-max needs --slo-p99 MS (the p99 a step may have)\n");
        return -1;
    }
    if (!cfg->out_dir) {
        fprintf(stderr, "santa-load: --find-max needs --out DIR (each step is written there)\n");
        return -1;
    }
    if (cfg->assert_expr) {
        fprintf(stderr, "santa-load: --assert does not apply to --find-max: check "
                        "max_sustainable_rps in DIR/summary.json\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct load_config cfg;
    struct cli cl = {0};
    char err[512];
    if (parse_args(argc, argv, &cfg, &cl) != 0) {
        return LOAD_EXIT_ERROR;
    }
    if (cl.given[O_HELP]) {
        usage(stdout);
        return 0;
    }
    if (!cl.url) {
        usage(stderr);
        return LOAD_EXIT_ERROR;
    }
    if (parse_url(&cfg, cl.url) != 0) {
        return LOAD_EXIT_ERROR;
    }
    cfg.threads = cl.given[O_THREADS] ? (unsigned)cl.num[O_THREADS] : 2;
    cfg.timeout_ms = cl.given[O_TIMEOUT] ? (unsigned)cl.num[O_TIMEOUT] : 5000;
    cfg.setup_timeout_s = cl.given[O_SETUP_TIMEOUT] ? (unsigned)cl.num[O_SETUP_TIMEOUT] : 300;
    cfg.think_ms = cl.num[O_THINK];
    cfg.progress = !cl.given[O_QUIET];
    cfg.scrape_metrics = !cl.given[O_NO_METRICS];
    cfg.trace_sample = cl.num[O_TRACE_SAMPLE];
    cfg.find_max = cl.given[O_FIND_MAX];
    cfg.slo_p99_ms = cl.num[O_SLO_P99];
    cfg.repeat = cl.given[O_REPEAT] ? (unsigned)cl.num[O_REPEAT] : 0;
    if (cfg.repeat && (!cfg.out_dir || cfg.find_max || cfg.assert_expr)) {
        fprintf(stderr, "santa-load: --repeat needs --out DIR, and goes with neither --find-max "
                        "nor --assert\n");
        return LOAD_EXIT_ERROR;
    }
    double rate = cl.given[O_RATE] ? cl.num[O_RATE] : 0;
    if (cfg.find_max && (check_find_max(&cfg, &cl) != 0)) {
        return LOAD_EXIT_ERROR;
    }
    if (cfg.find_max) {
        /* Open loop needs connections for rate x latency, but a CivetWeb stage
           gives each kept connection one of its threads (64 by default): more
           connections than that starve. Steps are short. */
        rate = rate > 0 ? rate : 100;
        cfg.timeout_ms = cl.given[O_TIMEOUT] ? cfg.timeout_ms : 2000;
        if (!cl.given[O_CONNS]) {
            cl.given[O_CONNS] = true;
            cl.num[O_CONNS] = 48;
        }
    }
    struct load_scenario *sc = &cfg.sc;
    if (cfg.scenario_path) {
        if (load_scenario_parse_file(cfg.scenario_path, sc, err, sizeof(err)) != 0) {
            fprintf(stderr, "santa-load: %s\n", err);
            return LOAD_EXIT_ERROR;
        }
        load_scenario_override(sc, cl.given[O_CONNS] ? (unsigned)cl.num[O_CONNS] : 0, rate);
    } else {
        load_scenario_defaults(sc);
        sc->run_time = 10;
        sc->warmup = 0;
        load_scenario_plain(sc, cl.given[O_CONNS] ? (unsigned)cl.num[O_CONNS] : 10, rate);
    }
    if (cl.given[O_DURATION]) {
        sc->run_time = cl.num[O_DURATION];
    } else if (cfg.find_max) {
        sc->run_time = 5;
    }
    if (cfg.find_max && !cl.given[O_WARMUP]) {
        sc->warmup = 1; /* the drain of a step's end is balanced by the warm-up's tail */
    }
    if (cl.given[O_WARMUP]) {
        sc->warmup = cl.num[O_WARMUP];
    }
    if (cl.given[O_RAMPUP]) {
        sc->rampup = cl.num[O_RAMPUP];
    }
    if (cl.given[O_SEED_EX]) {
        sc->seed_exchanges = (unsigned)cl.num[O_SEED_EX];
    }
    if (cl.given[O_SEED_PARTS]) {
        sc->seed_participants = (unsigned)cl.num[O_SEED_PARTS];
    }
    if (sc->seed_participants && !sc->seed_exchanges) {
        fprintf(stderr, "santa-load: --seed-participants needs --seed-exchanges > 0\n");
        return LOAD_EXIT_ERROR;
    }
    if (cfg.threads > load_scenario_users(sc)) {
        cfg.threads = load_scenario_users(sc); /* a thread without users has nothing to do */
    }
    cfg.open_loop = load_scenario_rate(sc) > 0;
    return load_run(&cfg);
}
