/*
 * load_config.h - one run's settings, filled by the command line (load_cli.c)
 * and read-only once the run starts.
 */
#ifndef SANTA_LOAD_CONFIG_H
#define SANTA_LOAD_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>

#include "load_scenario.h"

struct load_config {
    char url[512];          /* as given */
    char host_port[80];     /* for the Host header */
    char base_path[256];    /* the URL's path: plain mode GETs it, scenarios prefix it */
    struct sockaddr_in addr;
    unsigned threads;
    unsigned timeout_ms;    /* per request */
    unsigned setup_timeout_s; /* the whole set-up (seeding) phase */
    double think_ms;        /* closed loop: pause between transactions (besides the txn's own) */
    double trace_sample;    /* share of requests sent with traceparent sampled=01 (0) */
    bool open_loop;         /* some group has a rate */
    const char *out_dir;    /* results folder, NULL for none */
    const char *stage;      /* meta.stage */
    const char *assert_expr;
    const char *scenario_path; /* NULL in plain mode */
    bool progress;          /* live line on stderr */
    bool scrape_metrics;    /* GET /metrics before, during, after */
    bool find_max;          /* --find-max: the saturation search (load_search.c) */
    double slo_p99_ms;      /* its SLO: p99 of successful answers at most this */
    bool no_summary;        /* do not print the summary (the search prints its ladder) */
    unsigned repeat;        /* --repeat K: K runs and their spread (load_repeat.c); 0 = one */
    struct load_scenario sc;
};

#endif /* SANTA_LOAD_CONFIG_H */
