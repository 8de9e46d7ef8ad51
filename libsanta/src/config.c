/*
 * config.c - the one configuration table and its reader (see config.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "santa/config.h"

/* Short names for the core table below. */
#define OPT_STRING SANTA_OPT_STRING
#define OPT_UINT SANTA_OPT_UINT
#define OPT_HOSTPORT SANTA_OPT_HOSTPORT
#define OPT_OPTIONAL SANTA_OPT_OPTIONAL
#define OPT_RATIO SANTA_OPT_RATIO
#define OPT_BOOL SANTA_OPT_BOOL
#define OPT_URL SANTA_OPT_URL
#define OPT_ADDR SANTA_OPT_ADDR

/* Which binaries take a core row (enum santa_core_options). */
#define ALL_STAGES SANTA_CORE_SERVE
#define FILE_STAGES SANTA_CORE_FILES

/* The core's rows: what every binary serves with. The column after the
 * bounds says which binaries take the row; the offset is into struct
 * santa_config. A stage's back-end rows live in the stage (config.h). */
static const struct santa_option options[] = {
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
     "all of a request's headers, and each read or write, must arrive within this time"},
    {"body-timeout-ms", "SANTA_BODY_TIMEOUT_MS", OPT_UINT, "10000", 100, 600000, ALL_STAGES,
     offsetof(struct santa_config, body_timeout_ms), "MS",
     "the whole body must arrive within this time of the headers, or 408 and the connection "
     "closes (a slow client cannot hold a worker)"},
    {"rate-limit", "SANTA_RATE_LIMIT", OPT_UINT, "120", 0, 1000000, ALL_STAGES,
     offsetof(struct santa_config, rate_limit), "N",
     "writes a minute per client address, in bursts of up to N; over it: 429 rate_limited "
     "with Retry-After (0: no limit)"},
    {"rate-limit-loopback", "SANTA_RATE_LIMIT_LOOPBACK", OPT_BOOL, "0", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, rate_limit_loopback), "",
     "apply --rate-limit to loopback clients too (exempt by default, for local load tests)"},
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
    {"trace-sample", "SANTA_TRACE_SAMPLE", OPT_RATIO, "0.01", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, trace_sample), "RATIO",
     "share of traces exported, 0 to 1 (1 % by default: cheap enough to leave on); errors and "
     "slow requests are always kept"},
    {"trace-trust-parent", "SANTA_TRACE_TRUST_PARENT", OPT_BOOL, "0", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, trace_trust_parent), "",
     "export a trace whenever the caller's traceparent says sampled (off: only --trace-sample "
     "decides, so clients cannot force tracing)"},
    {"slow-ms", "SANTA_SLOW_MS", OPT_UINT, "1000", 0, 3600000, ALL_STAGES,
     offsetof(struct santa_config, slow_ms), "MS",
     "log one JSON line to stderr for each request at least this slow (0: off)"},
    {"no-instrument", "SANTA_NO_INSTRUMENT", OPT_BOOL, "0", 0, 0, ALL_STAGES,
     offsetof(struct santa_config, no_instrument), "",
     "turn metrics, tracing and statsd off (Server-Timing stays)"},
    {NULL, NULL, OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

/* One row and where its value lands: cfg for core rows, the set's dest for
 * a stage's. cfg also names the program in messages. */
struct target {
    const struct santa_option *o;
    struct santa_config *cfg;
    void *dest;
};

static void *slot(const struct target *t)
{
    return (char *)t->dest + t->o->offset;
}

static int fail(FILE *out, const char *program, const char *what, const char *value,
                const char *why)
{
    fprintf(out ? out : stderr, "%s: %s '%s': %s (see --help)\n", program, what, value, why);
    return -1;
}

static int set_uint(const struct target *t, const char *v, const char *src, FILE *out)
{
    const struct santa_option *o = t->o;
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < o->min || n > o->max) {
        char why[96];
        snprintf(why, sizeof why, "must be a whole number from %u to %u", o->min, o->max);
        return fail(out, t->cfg->program, src, v, why);
    }
    *(uint32_t *)slot(t) = (uint32_t)n;
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

/* --listen: the one HOST:PORT split over two fields of struct santa_config. */
static int set_hostport(const struct target *t, const char *v, const char *src, FILE *out)
{
    struct santa_config *cfg = t->cfg;
    return parse_hostport(cfg, v, src, out, cfg->listen_host, sizeof cfg->listen_host,
                          &cfg->listen_port);
}

static int set_addr(const struct target *t, const char *v, const char *src, FILE *out)
{
    struct santa_addr *a = slot(t);
    return parse_hostport(t->cfg, v, src, out, a->host, sizeof a->host, &a->port);
}

static int set_ratio(const struct target *t, const char *v, const char *src, FILE *out)
{
    char *end = NULL;
    errno = 0;
    double r = strtod(v, &end);
    if (v[0] == '\0' || errno != 0 || *end != '\0' || !(r >= 0.0 && r <= 1.0))
        return fail(out, t->cfg->program, src, v, "must be a number from 0 to 1, e.g. 0.1");
    *(double *)slot(t) = r;
    return 0;
}

static int set_bool(const struct target *t, const char *v, const char *src, FILE *out)
{
    uint32_t b;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
        b = 1;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
             v[0] == '\0')
        b = 0;
    else
        return fail(out, t->cfg->program, src, v, "must be 1, 0, true, false, yes or no");
    *(uint32_t *)slot(t) = b;
    return 0;
}

static int set_optional(const struct target *t, const char *v, const char *src, FILE *out)
{
    if (strlen(v) >= SANTA_CONFIG_STR)
        return fail(out, t->cfg->program, src, v, "must be at most 255 characters");
    if (t->o->type == OPT_URL && v[0] && strncmp(v, "http://", 7) != 0 &&
        strncmp(v, "https://", 8) != 0)
        return fail(out, t->cfg->program, src, v, "must be an http:// or https:// URL");
    memcpy(slot(t), v, strlen(v) + 1);
    return 0;
}

static int set_value(const struct target *t, const char *v, const char *src, FILE *out)
{
    switch (t->o->type) {
    case OPT_OPTIONAL:
    case OPT_URL:
        return set_optional(t, v, src, out);
    case OPT_RATIO:
        return set_ratio(t, v, src, out);
    case OPT_BOOL:
        return set_bool(t, v, src, out);
    case OPT_UINT:
        return set_uint(t, v, src, out);
    case OPT_HOSTPORT:
        return set_hostport(t, v, src, out);
    case OPT_ADDR:
        return set_addr(t, v, src, out);
    case OPT_STRING:
        if (v[0] == '\0' || strlen(v) >= SANTA_CONFIG_STR)
            return fail(out, t->cfg->program, src, v, "must be 1 to 255 characters");
        memcpy(slot(t), v, strlen(v) + 1);
        return 0;
    }
    return -1;
}

/*
 * Walks every row this binary takes, core rows first, then each set's in
 * order, calling fn until it returns non-zero (which is returned).
 */
typedef int (*row_fn)(const struct target *t, void *arg);

static int each_row(struct santa_config *cfg, unsigned core, const struct santa_option_set *sets,
                    row_fn fn, void *arg)
{
    for (const struct santa_option *o = options; o->flag; o++) {
        if (!(o->groups & core))
            continue;
        struct target t = {o, cfg, cfg};
        int r = fn(&t, arg);
        if (r)
            return r;
    }
    for (size_t s = 0; sets && s < SANTA_OPTION_SETS && sets[s].rows; s++)
        for (const struct santa_option *o = sets[s].rows; o->flag; o++) {
            struct target t = {o, cfg, sets[s].dest};
            int r = fn(&t, arg);
            if (r)
                return r;
        }
    return 0;
}

struct find {
    const char *name;
    size_t len;
    struct target found;
    int count;
};

static int find_row(const struct target *t, void *arg)
{
    struct find *f = arg;
    if (strlen(t->o->flag) == f->len && strncmp(t->o->flag, f->name, f->len) == 0) {
        if (f->count++ == 0)
            f->found = *t;
    }
    return 0;
}

static int print_row(const struct target *t, void *arg)
{
    const struct santa_option *o = t->o;
    fprintf(arg, "  --%s%s%s\n      %s\n      env %s, default %s\n", o->flag,
            o->metavar[0] ? " " : "", o->metavar, o->help,
            o->env ? o->env : "(none: command line only)", o->def[0] ? o->def : "(empty)");
    return 0;
}

void santa_config_usage(FILE *f, const char *program, unsigned core,
                        const struct santa_option_set *sets)
{
    fprintf(f, "usage: %s [options]\n\noptions (each also read from its environment variable):\n",
            program);
    struct santa_config cfg = {.program = program};
    each_row(&cfg, core, sets, print_row, f);
    fprintf(f, "  --help\n      print this text and exit\n");
}

struct load {
    FILE *out;
    unsigned core;
    const struct santa_option_set *sets;
};

/* Default, then environment, for one row; refuses a flag two rows share. */
static int load_row(const struct target *t, void *arg)
{
    struct load *l = arg;
    struct find f = {.name = t->o->flag, .len = strlen(t->o->flag)};
    each_row(t->cfg, l->core, l->sets, find_row, &f);
    if (f.count > 1)
        return fail(l->out, t->cfg->program, "option", t->o->flag, "defined twice (a stage bug)");
    if (set_value(t, t->o->def, "default", l->out) != 0)
        return -1;
    const char *env = t->o->env ? getenv(t->o->env) : NULL;
    return env && set_value(t, env, t->o->env, l->out) != 0 ? -1 : 0;
}

/* Command-line pass: --flag VALUE or --flag=VALUE. */
static enum santa_config_result read_argv(struct santa_config *cfg, const struct load *l,
                                          int argc, char **argv)
{
    FILE *out = l->out;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            santa_config_usage(out ? out : stdout, cfg->program, l->core, l->sets);
            return SANTA_CONFIG_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fail(out, cfg->program, "argument", arg, "options start with --");
            return SANTA_CONFIG_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        struct find f = {.name = name, .len = eq ? (size_t)(eq - name) : strlen(name)};
        each_row(cfg, l->core, l->sets, find_row, &f);
        if (f.count == 0) {
            fail(out, cfg->program, "option", arg, "not an option of this program");
            return SANTA_CONFIG_ERROR;
        }
        /* a boolean flag takes no value: --no-instrument (or --no-instrument=0) */
        const char *value = f.found.o->type == OPT_BOOL && !eq ? "1"
                            : eq                               ? eq + 1
                                                       : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            fail(out, cfg->program, "option", arg, "needs a value");
            return SANTA_CONFIG_ERROR;
        }
        if (set_value(&f.found, value, arg, out) != 0)
            return SANTA_CONFIG_ERROR;
    }
    return SANTA_CONFIG_OK;
}

enum santa_config_result santa_config_load(struct santa_config *cfg, unsigned core,
                                           const struct santa_option_set *sets, int argc,
                                           char **argv, FILE *out)
{
    memset(cfg, 0, sizeof *cfg);
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    cfg->program = argc > 0 ? (slash ? slash + 1 : argv[0]) : "santa";
    struct load l = {out, core, sets};
    if (each_row(cfg, core, sets, load_row, &l) != 0)
        return SANTA_CONFIG_ERROR;
    return read_argv(cfg, &l, argc, argv);
}
