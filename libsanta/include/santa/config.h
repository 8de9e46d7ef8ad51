/*
 * config.h - the configuration of every program: one table, read once.
 *
 * Every option has a flag (--listen), an environment variable
 * (SANTA_LISTEN), a default, bounds and a help line, all in one row
 * (options are data); the same rows print --help. Values are read in this
 * order, later winning: default, environment, command line. After
 * santa_config_load() the structs are immutable by convention: they are
 * passed around as const.
 *
 * The core's rows (config.c) fill struct santa_config: what every binary
 * serves with. A stage brings its own rows for its back end (stage 03's
 * database connection, stage 04's cache server, ...) in option sets, each
 * writing into a struct the stage owns; the core knows none of them by name. Core
 * and stage rows are parsed in one pass and listed in one --help. The tools
 * (santa-remind, santa-worker-*) pass core 0: only their own sets, each
 * filling a struct the tool owns (no file-level globals).
 */
#ifndef SANTA_CONFIG_H
#define SANTA_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which groups of core rows a binary takes: every binary serves HTTP; only
 * the file stages keep a data directory. */
enum santa_core_options {
    SANTA_CORE_SERVE = 1u << 0, /* --listen, --threads, instrumentation, ... */
    SANTA_CORE_FILES = 1u << 1, /* --data */
};

#define SANTA_CONFIG_STR 256

/* A numeric IPv4 HOST:PORT option other than --listen (e.g. a server). */
struct santa_addr {
    char host[64];
    uint16_t port;
};

enum santa_opt_type {
    SANTA_OPT_STRING,   /* 1 to 255 characters (char[SANTA_CONFIG_STR]) */
    SANTA_OPT_UINT,     /* uint32_t within [min, max] */
    SANTA_OPT_HOSTPORT, /* --listen only: listen_host and listen_port */
    SANTA_OPT_OPTIONAL, /* a string that may be empty (off) */
    SANTA_OPT_RATIO,    /* double in [0, 1] */
    SANTA_OPT_BOOL,     /* uint32_t 0/1: no value on the command line */
    SANTA_OPT_URL,      /* optional http:// or https:// URL */
    SANTA_OPT_ADDR,     /* struct santa_addr */
};

/* One option. A table of them ends with a row whose flag is NULL. */
struct santa_option {
    const char *flag; /* without the leading "--" */
    const char *env;  /* NULL: command line only (a tool's --ready-file) */
    enum santa_opt_type type;
    const char *def;     /* default, as it would be written on the command line */
    uint32_t min, max;   /* for SANTA_OPT_UINT */
    unsigned groups;     /* core rows: enum santa_core_options; stage rows: 0 */
    size_t offset;       /* where the value lands in the destination struct */
    const char *metavar;
    const char *help;
};

/* A stage's rows and the struct they fill (its own, zeroed before use). */
struct santa_option_set {
    const struct santa_option *rows; /* ends with a {NULL} row */
    void *dest;
};

/* How many option sets a stage may bring (stage 04: PostgreSQL's, the cache's). */
#define SANTA_OPTION_SETS 4

struct santa_config {
    const char *program;                 /* argv[0]'s base name */
    char listen_host[SANTA_CONFIG_STR];  /* numeric IPv4 address */
    uint16_t listen_port;
    char data_dir[SANTA_CONFIG_STR];
    uint32_t threads;                    /* CivetWeb worker threads */
    uint32_t request_timeout_ms;         /* CivetWeb: all the headers, and each read/write */
    uint32_t body_timeout_ms;            /* the whole body, from the end of the headers */
    uint32_t rate_limit;                 /* writes a minute per client address; 0: off */
    uint32_t rate_limit_loopback;        /* 1: loopback clients are limited too */
    /* instrumentation (libinstrument; see libinstrument/README.md) */
    char statsd[SANTA_CONFIG_STR];       /* "HOST:PORT", "" for none */
    uint32_t statsd_interval_ms;
    char trace_file[SANTA_CONFIG_STR];   /* "" for none */
    char zipkin_url[SANTA_CONFIG_STR];   /* "" for none */
    double trace_sample;                 /* 0..1 */
    uint32_t trace_trust_parent;         /* 1: a sampled incoming traceparent is exported */
    uint32_t slow_ms;                    /* 0: no slow-request log */
    uint32_t no_instrument;              /* 1: metrics, tracing and statsd off */
};

enum santa_config_result {
    SANTA_CONFIG_OK = 0,      /* run */
    SANTA_CONFIG_EXIT_OK = 1, /* --help was printed: exit 0 */
    SANTA_CONFIG_ERROR = 2,   /* a message was printed: exit 2 */
};

/* Fills cfg from the core rows in `core` (enum santa_core_options bits) and
 * each set's dest from its rows (sets: up to SANTA_OPTION_SETS, a set with
 * NULL rows ends the list early; may be NULL), from defaults, environment
 * and argv. Messages (errors, --help) go to `out` (stderr for errors, stdout
 * for help when out is NULL). A flag two rows share is a programming error
 * reported as SANTA_CONFIG_ERROR. */
enum santa_config_result santa_config_load(struct santa_config *cfg, unsigned core,
                                           const struct santa_option_set *sets, int argc,
                                           char **argv, FILE *out);

/* Prints the options of the core groups and the sets (the --help text). */
void santa_config_usage(FILE *f, const char *program, unsigned core,
                        const struct santa_option_set *sets);

#endif /* SANTA_CONFIG_H */
