/*
 * opts.c - reading a tool's option table (see opts.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "santa/opts.h"

static int fail(const char *program, const char *what, const char *value, const char *why)
{
    fprintf(stderr, "%s: %s '%s': %s (see --help)\n", program, what, value, why);
    return -1;
}

static int set(const char *program, const struct santa_opt *o, const char *v, const char *src)
{
    switch (o->type) {
    case SANTA_TOOL_STRING:
        if (strlen(v) >= SANTA_OPT_STR)
            return fail(program, src, v, "must be at most 255 characters");
        memcpy(o->dst, v, strlen(v) + 1);
        return 0;
    case SANTA_TOOL_BOOL:
        if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
            *(uint32_t *)o->dst = 1;
        else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !*v)
            *(uint32_t *)o->dst = 0;
        else
            return fail(program, src, v, "must be 1, 0, true, false, yes or no");
        return 0;
    case SANTA_TOOL_UINT: {
        char *end = NULL;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || errno || *end || n < o->min || n > o->max) {
            char why[96];
            snprintf(why, sizeof why, "must be a whole number from %u to %u", o->min, o->max);
            return fail(program, src, v, why);
        }
        *(uint32_t *)o->dst = (uint32_t)n;
        return 0;
    }
    }
    return -1;
}

static void usage(const char *program, const char *summary, const struct santa_opt *opts,
                  size_t n)
{
    printf("usage: %s [options]\n%s\n\noptions:\n", program, summary);
    for (size_t i = 0; i < n; i++) {
        const struct santa_opt *o = &opts[i];
        printf("  --%s%s%s\n      %s\n      %s%s%sdefault %s\n", o->flag,
               o->metavar && o->metavar[0] ? " " : "", o->metavar ? o->metavar : "", o->help,
               o->env ? "env " : "", o->env ? o->env : "", o->env ? ", " : "",
               o->def[0] ? o->def : "(empty)");
    }
    printf("  --help\n      print this text and exit\n");
}

enum santa_opts_result santa_opts_load(const char *program, const char *summary,
                                       const struct santa_opt *opts, size_t n, int argc,
                                       char **argv)
{
    for (size_t i = 0; i < n; i++) {
        if (set(program, &opts[i], opts[i].def, "default") != 0)
            return SANTA_OPTS_ERROR;
        const char *env = opts[i].env ? getenv(opts[i].env) : NULL;
        if (env && set(program, &opts[i], env, opts[i].env) != 0)
            return SANTA_OPTS_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(program, summary, opts, n);
            return SANTA_OPTS_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fail(program, "argument", arg, "options start with --");
            return SANTA_OPTS_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct santa_opt *o = NULL;
        for (size_t k = 0; k < n && !o; k++)
            if (strlen(opts[k].flag) == len && !strncmp(opts[k].flag, name, len))
                o = &opts[k];
        if (!o) {
            fail(program, "option", arg, "not an option of this program");
            return SANTA_OPTS_ERROR;
        }
        const char *v = o->type == SANTA_TOOL_BOOL && !eq ? "1"
                        : eq                             ? eq + 1
                                                         : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) {
            fail(program, "option", arg, "needs a value");
            return SANTA_OPTS_ERROR;
        }
        if (set(program, o, v, arg) != 0)
            return SANTA_OPTS_ERROR;
    }
    return SANTA_OPTS_OK;
}
