/*
 * config.h - the stage binaries' configuration: one table, read once.
 *
 * Every option has a flag (--listen), an environment variable
 * (SANTA_LISTEN), a default, bounds and a help line, all in one table in
 * config.c (STYLE.md rule 15); the same table prints --help. Values are
 * read in this order, later winning: default, environment, command line.
 * After santa_config_load() the struct is immutable by convention: it is
 * passed around as const.
 *
 * An option may belong to some stages only (a mask), so `santa-01-csv
 * --help` lists what stage 01 understands and nothing else.
 */
#ifndef SANTA_CONFIG_H
#define SANTA_CONFIG_H

#include <stdint.h>
#include <stdio.h>

/* Which stage binary is asking: a bit per stage. */
enum santa_stage {
    SANTA_STAGE_CSV = 1u << 0,
    SANTA_STAGE_SQLITE = 1u << 1,
    SANTA_STAGE_POSTGRES = 1u << 2,
    SANTA_STAGE_CACHE = 1u << 3,
    SANTA_STAGE_BASELINE = 1u << 7,
};

#define SANTA_CONFIG_STR 256

/* A numeric IPv4 HOST:PORT option other than --listen (e.g. --redis). */
struct santa_addr {
    char host[64];
    uint16_t port;
};

struct santa_config {
    const char *program;                 /* argv[0]'s base name */
    char listen_host[SANTA_CONFIG_STR];  /* numeric IPv4 address */
    uint16_t listen_port;
    char data_dir[SANTA_CONFIG_STR];
    uint32_t threads;                    /* CivetWeb worker threads */
    uint32_t request_timeout_ms;         /* CivetWeb per read/write timeout */
    char pg_conninfo[SANTA_CONFIG_STR];  /* libpq conninfo; "" = PGHOST, PGPORT, ... */
    uint32_t migrate;                    /* 1: apply schema migrations and exit */
    struct santa_addr redis;             /* stage 04: the Redis cache */
    uint32_t cache_ttl_ms;               /* stage 04: lifetime of a cached value */
    uint32_t redis_timeout_ms;           /* stage 04: connect and command timeout */
    /* instrumentation (libinstrument; see libinstrument/README.md) */
    char statsd[SANTA_CONFIG_STR];       /* "HOST:PORT", "" for none */
    uint32_t statsd_interval_ms;
    char trace_file[SANTA_CONFIG_STR];   /* "" for none */
    char zipkin_url[SANTA_CONFIG_STR];   /* "" for none */
    double trace_sample;                 /* 0..1 */
    uint32_t slow_ms;                    /* 0: no slow-request log */
    uint32_t no_instrument;              /* 1: metrics, tracing and statsd off */
    /* stage 01: reminders sent inside the request (santa/mail.h) */
    char smtp_url[SANTA_CONFIG_STR];     /* "smtp://HOST:PORT", "" for the Maildir */
    char maildir[SANTA_CONFIG_STR];
    char public_url[SANTA_CONFIG_STR];   /* "" for none */
    uint32_t smtp_timeout_ms;
};

enum santa_config_result {
    SANTA_CONFIG_OK = 0,      /* run */
    SANTA_CONFIG_EXIT_OK = 1, /* --help was printed: exit 0 */
    SANTA_CONFIG_ERROR = 2,   /* a message was printed: exit 2 */
};

/* Fills cfg from defaults, environment and argv. Messages (errors, --help)
 * go to `out` (stderr for errors, stdout for help when out is NULL). */
enum santa_config_result santa_config_load(struct santa_config *cfg, unsigned stage_mask, int argc,
                                           char **argv, FILE *out);

/* Prints the option table for this stage (the --help text). */
void santa_config_usage(FILE *f, const char *program, unsigned stage_mask);

#endif /* SANTA_CONFIG_H */
