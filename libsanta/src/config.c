/*
 * config.c - the one configuration table and its reader (see config.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "santa/config.h"

enum opt_type {
    OPT_STRING, OPT_UINT, OPT_HOSTPORT, OPT_OPTIONAL, OPT_RATIO, OPT_BOOL, OPT_URL, OPT_ADDR
};

struct option_def {
    const char *flag;    /* without the leading "--" */
    const char *env;
    enum opt_type type;
    const char *def;     /* default, as it would be written on the command line */
    uint32_t min, max;   /* for OPT_UINT */
    /* OPT_OPTIONAL: a string that may be empty (off); OPT_RATIO: a number in [0,1];
       OPT_BOOL: a flag without value on the command line, 1/0/true/false in the environment;
       OPT_URL: optional http:// or https:// URL */
    unsigned stages;     /* which stage binaries take it */
    size_t offset;       /* where it lands in struct santa_config */
    const char *metavar;
    const char *help;
};

#define ALL_STAGES                                                                                 \
    (SANTA_STAGE_CSV | SANTA_STAGE_SQLITE | SANTA_STAGE_POSTGRES | SANTA_STAGE_CACHE |          \
     SANTA_STAGE_BASELINE)
#define FILE_STAGES (SANTA_STAGE_CSV | SANTA_STAGE_SQLITE)
/* Stage 04 keeps its data in stage 03's PostgreSQL. */
#define PG_STAGES (SANTA_STAGE_POSTGRES | SANTA_STAGE_CACHE)

static const struct option_def options[] = {
    {"listen", "SANTA_LISTEN", OPT_HOSTPORT, "127.0.0.1:8080", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, listen_host), "HOST:PORT",
     "address to serve HTTP on (an IPv4 address; use 127.0.0.1 unless a proxy fronts it)"},
    {"data", "SANTA_DATA", OPT_STRING, "santa-data", 0, 0, FILE_STAGES,
     offsetof(struct santa_config, data_dir), "DIR",
     "directory holding the data files (created if missing)"},
    {"threads", "SANTA_THREADS", OPT_UINT, "64", 1, 1024, ALL_STAGES,
     offsetof(struct santa_config, threads), "N",
     "worker threads; each keep-alive connection holds one, so size it above the client "
     "connection count"},
    {"request-timeout-ms", "SANTA_REQUEST_TIMEOUT_MS", OPT_UINT, "10000", 100, 600000, ALL_STAGES,
     offsetof(struct santa_config, request_timeout_ms), "MS",
     "per read/write timeout, so slow clients cannot hold workers forever"},
    /* Empty by default: libpq then reads PGHOST, PGPORT, PGDATABASE, ... */
    {"pg", "SANTA_PG", OPT_OPTIONAL, "", 0, 0, PG_STAGES,
     offsetof(struct santa_config, pg_conninfo), "CONNINFO",
     "PostgreSQL connection (libpq conninfo or postgresql:// URI); empty: PGHOST, PGPORT, ..."},
    {"migrate", "SANTA_MIGRATE", OPT_BOOL, "0", 0, 0, PG_STAGES,
     offsetof(struct santa_config, migrate), "",
     "apply the schema migrations and exit (they are also applied at every start)"},
    {"redis", "SANTA_REDIS", OPT_ADDR, "127.0.0.1:6379", 0, 0, SANTA_STAGE_CACHE,
     offsetof(struct santa_config, redis), "HOST:PORT",
     "the Redis cache (an IPv4 address); while it is down, requests go to the database"},
    {"cache-ttl-ms", "SANTA_CACHE_TTL_MS", OPT_UINT, "60000", 100, 86400000, SANTA_STAGE_CACHE,
     offsetof(struct santa_config, cache_ttl_ms), "MS",
     "how long a cached value lives at most (a safety net: writes invalidate at once)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", OPT_UINT, "100", 1, 10000, SANTA_STAGE_CACHE,
     offsetof(struct santa_config, redis_timeout_ms), "MS",
     "Redis connect and command timeout; a slower Redis is bypassed (fail open)"},
    {"statsd", "SANTA_STATSD", OPT_OPTIONAL, "", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, statsd), "HOST:PORT",
     "send metrics as statsd lines over UDP to this IPv4 address (empty: off)"},
    {"statsd-interval", "SANTA_STATSD_INTERVAL", OPT_UINT, "1000", 10, 3600000, ALL_STAGES,
     offsetof(struct santa_config, statsd_interval_ms), "MS",
     "statsd flush period in milliseconds"},
    {"trace-file", "SANTA_TRACE_FILE", OPT_OPTIONAL, "", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, trace_file), "FILE",
     "append sampled spans to FILE, one Zipkin v2 JSON span per line (empty: off)"},
    {"zipkin", "SANTA_ZIPKIN", OPT_URL, "", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, zipkin_url), "URL",
     "POST sampled spans in batches to this Zipkin v2 URL, e.g. "
     "http://127.0.0.1:9411/api/v2/spans (empty: off)"},
    {"trace-sample", "SANTA_TRACE_SAMPLE", OPT_RATIO, "1", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, trace_sample), "RATIO",
     "share of traces exported, 0 to 1; errors and slow requests are always kept"},
    {"slow-ms", "SANTA_SLOW_MS", OPT_UINT, "0", 0, 3600000, ALL_STAGES,
     offsetof(struct santa_config, slow_ms), "MS",
     "log one JSON line to stderr for each request at least this slow (0: off)"},
    {"no-instrument", "SANTA_NO_INSTRUMENT", OPT_BOOL, "0", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, no_instrument), "",
     "turn metrics, tracing and statsd off (Server-Timing stays)"},
    /* Stage 01 sends reminders inside the request; later stages' workers
     * take the same options from their own table (santa-worker-* --help). */
    {"smtp", "SANTA_SMTP", OPT_OPTIONAL, "", 0, 0, SANTA_STAGE_CSV,
     offsetof(struct santa_config, smtp_url), "smtp://HOST:PORT",
     "deliver reminders over SMTP to this server (empty: into --maildir)"},
    {"maildir", "SANTA_MAILDIR", OPT_STRING, "santa-mail", 0, 0, SANTA_STAGE_CSV,
     offsetof(struct santa_config, maildir), "DIR",
     "the Maildir reminders go to when --smtp is empty (created if missing)"},
    {"public-url", "SANTA_PUBLIC_URL", OPT_URL, "", 0, 0, SANTA_STAGE_CSV,
     offsetof(struct santa_config, public_url), "URL",
     "the service's public base URL; each reminder then links the exchange's public page"},
    {"smtp-timeout-ms", "SANTA_SMTP_TIMEOUT_MS", OPT_UINT, "10000", 100, 600000, SANTA_STAGE_CSV,
     offsetof(struct santa_config, smtp_timeout_ms), "MS",
     "SMTP connect and per-mail timeout"},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

static int fail(FILE *out, const char *program, const char *what, const char *value,
                const char *why)
{
    fprintf(out ? out : stderr, "%s: %s '%s': %s (see --help)\n", program, what, value, why);
    return -1;
}

static int set_uint(const struct option_def *o, struct santa_config *cfg, const char *v,
                    const char *src, FILE *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < o->min || n > o->max) {
        char why[96];
        snprintf(why, sizeof why, "must be a whole number from %u to %u", o->min, o->max);
        return fail(out, cfg->program, src, v, why);
    }
    *(uint32_t *)((char *)cfg + o->offset) = (uint32_t)n;
    return 0;
}

/* HOST:PORT into host (cap bytes) and *port_out, or a message and -1. */
static int parse_hostport(const struct santa_config *cfg, const char *v, const char *src,
                          FILE *out, char *host_out, size_t cap, uint16_t *port_out)
{
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v || (size_t)(colon - v) >= cap)
        return fail(out, cfg->program, src, v, "must be HOST:PORT, e.g. 127.0.0.1:8080");
    char host[SANTA_CONFIG_STR];
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    struct in_addr addr;
    if (inet_pton(AF_INET, host, &addr) != 1)
        return fail(out, cfg->program, src, v, "HOST must be a numeric IPv4 address");
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || errno || *end || port < 1 || port > 65535)
        return fail(out, cfg->program, src, v, "PORT must be 1 to 65535");
    memcpy(host_out, host, (size_t)(colon - v) + 1);
    *port_out = (uint16_t)port;
    return 0;
}

static int set_hostport(struct santa_config *cfg, const char *v, const char *src, FILE *out)
{
    return parse_hostport(cfg, v, src, out, cfg->listen_host, sizeof cfg->listen_host,
                          &cfg->listen_port);
}

static int set_addr(const struct option_def *o, struct santa_config *cfg, const char *v,
                    const char *src, FILE *out)
{
    struct santa_addr *a = (struct santa_addr *)((char *)cfg + o->offset);
    return parse_hostport(cfg, v, src, out, a->host, sizeof a->host, &a->port);
}

static int set_ratio(const struct option_def *o, struct santa_config *cfg, const char *v,
                     const char *src, FILE *out)
{
    char *end = NULL;
    errno = 0;
    double r = strtod(v, &end);
    if (v[0] == '\0' || errno != 0 || *end != '\0' || !(r >= 0.0 && r <= 1.0))
        return fail(out, cfg->program, src, v, "must be a number from 0 to 1, e.g. 0.1");
    *(double *)((char *)cfg + o->offset) = r;
    return 0;
}

static int set_bool(const struct option_def *o, struct santa_config *cfg, const char *v,
                    const char *src, FILE *out)
{
    uint32_t b;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
        b = 1;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
             v[0] == '\0')
        b = 0;
    else
        return fail(out, cfg->program, src, v, "must be 1, 0, true, false, yes or no");
    *(uint32_t *)((char *)cfg + o->offset) = b;
    return 0;
}

static int set_optional(const struct option_def *o, struct santa_config *cfg, const char *v,
                        const char *src, FILE *out)
{
    if (strlen(v) >= SANTA_CONFIG_STR)
        return fail(out, cfg->program, src, v, "must be at most 255 characters");
    if (o->type == OPT_URL && v[0] && strncmp(v, "http://", 7) != 0 &&
        strncmp(v, "https://", 8) != 0)
        return fail(out, cfg->program, src, v, "must be an http:// or https:// URL");
    memcpy((char *)cfg + o->offset, v, strlen(v) + 1);
    return 0;
}

static int set_value(const struct option_def *o, struct santa_config *cfg, const char *v,
                     const char *src, FILE *out)
{
    switch (o->type) {
    case OPT_OPTIONAL:
    case OPT_URL:
        return set_optional(o, cfg, v, src, out);
    case OPT_RATIO:
        return set_ratio(o, cfg, v, src, out);
    case OPT_BOOL:
        return set_bool(o, cfg, v, src, out);
    case OPT_UINT:
        return set_uint(o, cfg, v, src, out);
    case OPT_HOSTPORT:
        return set_hostport(cfg, v, src, out);
    case OPT_ADDR:
        return set_addr(o, cfg, v, src, out);
    case OPT_STRING:
        if (v[0] == '\0' || strlen(v) >= SANTA_CONFIG_STR)
            return fail(out, cfg->program, src, v, "must be 1 to 255 characters");
        memcpy((char *)cfg + o->offset, v, strlen(v) + 1);
        return 0;
    }
    return -1;
}

static const struct option_def *find_flag(const char *name, size_t len, unsigned mask)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if ((options[i].stages & mask) && strlen(options[i].flag) == len &&
            strncmp(options[i].flag, name, len) == 0)
            return &options[i];
    return NULL;
}

void santa_config_usage(FILE *f, const char *program, unsigned stage_mask)
{
    fprintf(f, "usage: %s [options]\n\noptions (each also read from its environment variable):\n",
            program);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_def *o = &options[i];
        if (!(o->stages & stage_mask))
            continue;
        fprintf(f, "  --%s%s%s\n      %s\n      env %s, default %s\n", o->flag,
                o->metavar[0] ? " " : "", o->metavar, o->help, o->env,
                o->def[0] ? o->def : "(empty)");
    }
    fprintf(f, "  --help\n      print this text and exit\n");
}

/* Command-line pass: --flag VALUE or --flag=VALUE. */
static enum santa_config_result read_argv(struct santa_config *cfg, unsigned mask, int argc,
                                          char **argv, FILE *out)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            santa_config_usage(out ? out : stdout, cfg->program, mask);
            return SANTA_CONFIG_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fail(out, cfg->program, "argument", arg, "options start with --");
            return SANTA_CONFIG_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct option_def *o = find_flag(name, len, mask);
        if (o == NULL) {
            fail(out, cfg->program, "option", arg, "not an option of this stage");
            return SANTA_CONFIG_ERROR;
        }
        /* a boolean flag takes no value: --no-instrument (or --no-instrument=0) */
        const char *value = o->type == OPT_BOOL && !eq ? "1"
                            : eq                       ? eq + 1
                                                       : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            fail(out, cfg->program, "option", arg, "needs a value");
            return SANTA_CONFIG_ERROR;
        }
        if (set_value(o, cfg, value, arg, out) != 0)
            return SANTA_CONFIG_ERROR;
    }
    return SANTA_CONFIG_OK;
}

enum santa_config_result santa_config_load(struct santa_config *cfg, unsigned stage_mask, int argc,
                                           char **argv, FILE *out)
{
    memset(cfg, 0, sizeof *cfg);
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    cfg->program = argc > 0 ? (slash ? slash + 1 : argv[0]) : "santa";
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_def *o = &options[i];
        if (!(o->stages & stage_mask))
            continue;
        if (set_value(o, cfg, o->def, "default", out) != 0)
            return SANTA_CONFIG_ERROR;
        const char *env = getenv(o->env);
        if (env && set_value(o, cfg, env, o->env, out) != 0)
            return SANTA_CONFIG_ERROR;
    }
    return read_argv(cfg, stage_mask, argc, argv, out);
}
