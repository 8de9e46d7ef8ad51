/*
 * load_scenario.c - the scenario file parser (format in loadtests/README.md).
 *
 * An INI dialect like multi-mechanize's config.cfg: "[section]" lines,
 * "key = value" lines, "#" or ";" comments on their own lines. Every mistake
 * is reported with the file and line it is on; names a group uses before the
 * transaction is defined are checked at the end, against the line that used
 * them. Nothing is allocated except the file's text while it is parsed.
 */
#include "load_scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const step_names[LOAD_STEP_KIND_COUNT] = {
    [LOAD_STEP_GET] = "get",
    [LOAD_STEP_CREATE_EXCHANGE] = "create_exchange",
    [LOAD_STEP_JOIN] = "join",
    [LOAD_STEP_VIEW_EXCHANGE] = "view_exchange",
    [LOAD_STEP_REVEAL] = "reveal",
    [LOAD_STEP_UPDATE_WISHLIST] = "update_wishlist",
    [LOAD_STEP_DRAW] = "draw",
    [LOAD_STEP_LIST_PARTICIPANTS] = "list_participants",
    [LOAD_STEP_HEALTHZ] = "healthz",
    [LOAD_STEP_REMIND] = "remind",
};

const char *load_step_name(enum load_step_kind kind)
{
    return (unsigned)kind < LOAD_STEP_KIND_COUNT ? step_names[kind] : "?";
}

void load_scenario_defaults(struct load_scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    snprintf(sc->name, sizeof(sc->name), "plain");
    sc->run_time = 30;
    sc->warmup = 5;
    sc->ts_interval = 5;
}

/* Parser state: where we are, for messages. */
struct pstate {
    const char *fname;
    int line;
    char *err;
    size_t errn;
    struct load_scenario *sc;
    enum { SEC_NONE, SEC_GLOBAL, SEC_GROUP, SEC_TXN } sec;
    int cur;                       /* index of the current group or transaction */
    char scripts[LOAD_MAX_GROUPS][512];
    int script_line[LOAD_MAX_GROUPS];
};

__attribute__((format(printf, 2, 3))) static int fail(struct pstate *ps, const char *fmt, ...)
{
    int n = snprintf(ps->err, ps->errn, "%s:%d: ", ps->fname, ps->line);
    if (n >= 0 && (size_t)n < ps->errn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + n, ps->errn - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char *strip(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static bool valid_name(const char *s)
{
    if (!*s || strlen(s) >= LOAD_NAME_MAX) {
        return false;
    }
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.')) {
            return false;
        }
    }
    return true;
}

static int number(struct pstate *ps, const char *key, const char *v, double lo, double hi,
                  double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || errno != 0 || !isfinite(d)) {
        return fail(ps, "%s: '%s' is not a number", key, v);
    }
    if (d < lo || d > hi) {
        return fail(ps, "%s: %s is out of range [%g, %g]", key, v, lo, hi);
    }
    *out = d;
    return 0;
}

static int whole(struct pstate *ps, const char *key, const char *v, double lo, double hi,
                 unsigned *out)
{
    double d;
    if (number(ps, key, v, lo, hi, &d) != 0) {
        return -1;
    }
    if (d != floor(d)) {
        return fail(ps, "%s: '%s' must be a whole number", key, v);
    }
    *out = (unsigned)d;
    return 0;
}

static int section(struct pstate *ps, char *s)
{
    size_t n = strlen(s);
    if (n < 3 || s[n - 1] != ']') {
        return fail(ps, "a section header must look like [name]");
    }
    s[n - 1] = '\0';
    char *name = strip(s + 1);
    struct load_scenario *sc = ps->sc;
    if (strcmp(name, "global") == 0) {
        ps->sec = SEC_GLOBAL;
    } else if (strncmp(name, "user_group-", 11) == 0 && name[11]) {
        if (sc->ngroups == LOAD_MAX_GROUPS) {
            return fail(ps, "more than %d user groups", LOAD_MAX_GROUPS);
        }
        ps->sec = SEC_GROUP;
        ps->cur = (int)sc->ngroups++;
        sc->groups[ps->cur].users = 1;
        ps->script_line[ps->cur] = 0;
    } else if (strncmp(name, "transaction-", 12) == 0) {
        const char *tn = name + 12;
        if (!valid_name(tn)) {
            return fail(ps, "transaction name '%s' must be 1-%d letters, digits, '_', '-', '.'",
                        tn, LOAD_NAME_MAX - 1);
        }
        for (unsigned i = 0; i < sc->ntxns; i++) {
            if (strcmp(sc->txns[i].name, tn) == 0) {
                return fail(ps, "transaction '%s' is defined twice (first on line %d)", tn,
                            sc->txns[i].line);
            }
        }
        if (sc->ntxns == LOAD_MAX_TXNS) {
            return fail(ps, "more than %d transactions", LOAD_MAX_TXNS);
        }
        ps->sec = SEC_TXN;
        ps->cur = (int)sc->ntxns++;
        struct load_txn *t = &sc->txns[ps->cur];
        snprintf(t->name, sizeof(t->name), "%s", tn);
        t->weight = 1;
        t->line = ps->line;
    } else {
        return fail(ps, "unknown section [%s] (expected [global], [user_group-N] or "
                        "[transaction-NAME])", name);
    }
    return 0;
}

static int global_key(struct pstate *ps, const char *k, const char *v)
{
    struct load_scenario *sc = ps->sc;
    if (strcmp(k, "run_time") == 0) {
        return number(ps, k, v, 1, 3600, &sc->run_time);
    }
    if (strcmp(k, "rampup") == 0) {
        return number(ps, k, v, 0, 600, &sc->rampup);
    }
    if (strcmp(k, "warmup") == 0) {
        return number(ps, k, v, 0, 600, &sc->warmup);
    }
    if (strcmp(k, "results_ts_interval") == 0) {
        return whole(ps, k, v, 1, 3600, &sc->ts_interval);
    }
    if (strcmp(k, "seed_exchanges") == 0) {
        return whole(ps, k, v, 0, 100000, &sc->seed_exchanges);
    }
    if (strcmp(k, "seed_participants") == 0) {
        return whole(ps, k, v, 0, 10000000, &sc->seed_participants);
    }
    if (strcmp(k, "console_logging") == 0 || strcmp(k, "xml_report") == 0) {
        return 0; /* multi-mechanize keys that mean nothing here: accepted, ignored */
    }
    return fail(ps, "unknown key '%s' in [global]", k);
}

static int group_key(struct pstate *ps, const char *k, const char *v)
{
    struct load_group *g = &ps->sc->groups[ps->cur];
    if (strcmp(k, "threads") == 0 || strcmp(k, "users") == 0) {
        return whole(ps, k, v, 1, 100000, &g->users);
    }
    if (strcmp(k, "rate") == 0) {
        return number(ps, k, v, 0, 10000000, &g->rate);
    }
    if (strcmp(k, "script") == 0) {
        if (strlen(v) >= sizeof(ps->scripts[0])) {
            return fail(ps, "script: the list is too long");
        }
        snprintf(ps->scripts[ps->cur], sizeof(ps->scripts[0]), "%s", v);
        ps->script_line[ps->cur] = ps->line;
        return 0;
    }
    return fail(ps, "unknown key '%s' in [user_group-N] (expected threads, script, rate)", k);
}

static int timer_index(struct pstate *ps, unsigned txn, const char *name, unsigned *out)
{
    struct load_scenario *sc = ps->sc;
    for (unsigned i = 0; i < sc->ntimers; i++) {
        if (sc->timers[i].txn == txn && strcmp(sc->timers[i].name, name) == 0) {
            *out = i;
            return 0;
        }
    }
    if (sc->ntimers == LOAD_MAX_TIMERS) {
        return fail(ps, "more than %d timers in all transactions", LOAD_MAX_TIMERS);
    }
    sc->timers[sc->ntimers].txn = txn;
    snprintf(sc->timers[sc->ntimers].name, LOAD_NAME_MAX, "%s", name);
    *out = sc->ntimers++;
    return 0;
}

/* One "NAME [xN] [as TIMER]" item of a steps list. */
static int step_item(struct pstate *ps, struct load_txn *t, char *item)
{
    char *words[4];
    int nw = 0;
    for (char *save = NULL, *w = strtok_r(item, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (nw == 4) {
            return fail(ps, "steps: '%s ...' has too many words (NAME [xN] [as TIMER])", words[0]);
        }
        words[nw++] = w;
    }
    if (nw == 0) {
        return fail(ps, "steps: an empty item (two commas in a row?)");
    }
    int kind = -1;
    for (int k = 0; k < LOAD_STEP_KIND_COUNT; k++) {
        if (strcmp(words[0], step_names[k]) == 0) {
            kind = k;
        }
    }
    if (kind < 0) {
        return fail(ps, "steps: unknown step '%s' (known: create_exchange, join, view_exchange, "
                        "reveal, update_wishlist, draw, list_participants, healthz, get)",
                    words[0]);
    }
    if (t->nsteps == LOAD_MAX_STEPS) {
        return fail(ps, "steps: more than %d steps", LOAD_MAX_STEPS);
    }
    struct load_step *s = &t->steps[t->nsteps];
    s->kind = (enum load_step_kind)kind;
    s->repeat = 1;
    const char *timer = words[0];
    int w = 1;
    if (w < nw && words[w][0] == 'x') {
        if (whole(ps, "steps: repeat", words[w] + 1, 1, 1000, &s->repeat) != 0) {
            return -1;
        }
        w++;
    }
    if (w < nw) {
        if (strcmp(words[w], "as") != 0 || w + 2 != nw) {
            return fail(ps, "steps: expected 'as TIMER' after '%s'", words[0]);
        }
        timer = words[w + 1];
        if (!valid_name(timer)) {
            return fail(ps, "steps: timer name '%s' must be letters, digits, '_', '-', '.'",
                        timer);
        }
    }
    if (timer_index(ps, (unsigned)(t - ps->sc->txns), timer, &s->timer) != 0) {
        return -1;
    }
    t->nsteps++;
    return 0;
}

static int txn_key(struct pstate *ps, const char *k, char *v)
{
    struct load_txn *t = &ps->sc->txns[ps->cur];
    if (strcmp(k, "weight") == 0) {
        return number(ps, k, v, 0, 1e9, &t->weight);
    }
    if (strcmp(k, "think_time") == 0 || strcmp(k, "think_ms") == 0) {
        return whole(ps, k, v, 0, 600000, &t->think_ms);
    }
    if (strcmp(k, "steps") == 0) {
        if (t->nsteps) {
            return fail(ps, "steps: given twice for transaction '%s'", t->name);
        }
        /* Split by hand: strtok would skip an empty item instead of reporting it. */
        for (char *item = v;;) {
            size_t n = strcspn(item, ",");
            bool last = item[n] == '\0';
            item[n] = '\0';
            if (step_item(ps, t, item) != 0) {
                return -1;
            }
            if (last) {
                break;
            }
            item += n + 1;
        }
        return t->nsteps ? 0 : fail(ps, "steps: the list is empty");
    }
    return fail(ps, "unknown key '%s' in [transaction-%s] (expected weight, think_time, steps)",
                k, t->name);
}

static int one_line(struct pstate *ps, char *raw)
{
    char *s = strip(raw);
    if (*s == '\0' || *s == '#' || *s == ';') {
        return 0;
    }
    if (*s == '[') {
        return section(ps, s);
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        return fail(ps, "expected 'key = value' or '[section]', got '%.40s'", s);
    }
    *eq = '\0';
    char *k = strip(s), *v = strip(eq + 1);
    if (*v == '\0') {
        return fail(ps, "%s: the value is empty", k);
    }
    switch (ps->sec) {
    case SEC_GLOBAL:
        return global_key(ps, k, v);
    case SEC_GROUP:
        return group_key(ps, k, v);
    case SEC_TXN:
        return txn_key(ps, k, v);
    default:
        return fail(ps, "'%s' before any [section]", k);
    }
}

/* After the whole file: resolve each group's script against the transactions. */
static int resolve(struct pstate *ps)
{
    struct load_scenario *sc = ps->sc;
    if (sc->ngroups == 0) {
        return fail(ps, "no [user_group-N] section: nobody would send a request");
    }
    for (unsigned t = 0; t < sc->ntxns; t++) {
        if (sc->txns[t].nsteps == 0) {
            ps->line = sc->txns[t].line;
            return fail(ps, "transaction '%s' has no steps", sc->txns[t].name);
        }
    }
    for (unsigned g = 0; g < sc->ngroups; g++) {
        struct load_group *gr = &sc->groups[g];
        ps->line = ps->script_line[g];
        if (ps->script_line[g] == 0) {
            return fail(ps, "user_group %u has no 'script = TRANSACTION, ...' line", g + 1);
        }
        double sum = 0;
        for (char *save = NULL, *w = strtok_r(ps->scripts[g], ", \t", &save); w;
             w = strtok_r(NULL, ", \t", &save)) {
            unsigned t = 0;
            while (t < sc->ntxns && strcmp(sc->txns[t].name, w) != 0) {
                t++;
            }
            if (t == sc->ntxns) {
                return fail(ps, "script: no [transaction-%s] in this file", w);
            }
            if (gr->ntxns == LOAD_MAX_TXNS) {
                return fail(ps, "script: more than %d transactions", LOAD_MAX_TXNS);
            }
            sum += sc->txns[t].weight;
            gr->txns[gr->ntxns] = t;
            gr->cum_weight[gr->ntxns++] = sum;
        }
        if (gr->ntxns == 0 || sum <= 0) {
            return fail(ps, "script: the transactions' weights add up to 0");
        }
    }
    return 0;
}

int load_scenario_parse_text(const char *fname, const char *text, struct load_scenario *sc,
                             char *err, size_t errn)
{
    struct pstate ps = {.fname = fname, .err = err, .errn = errn, .sc = sc};
    load_scenario_defaults(sc);
    const char *base = strrchr(fname, '/');
    base = base ? base + 1 : fname;
    size_t bn = strcspn(base, ".");
    snprintf(sc->name, sizeof(sc->name), "%.*s", (int)(bn < LOAD_NAME_MAX - 1 ? bn : 47), base);
    char line[1024];
    const char *p = text;
    while (*p) {
        ps.line++;
        size_t n = strcspn(p, "\n");
        if (n >= sizeof(line)) {
            return fail(&ps, "line longer than %zu characters", sizeof(line) - 1);
        }
        memcpy(line, p, n);
        line[n] = '\0';
        if (one_line(&ps, line) != 0) {
            return -1;
        }
        p += n + (p[n] == '\n');
    }
    return resolve(&ps);
}

int load_scenario_parse_file(const char *path, struct load_scenario *sc, char *err, size_t errn)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(1 << 20);
    int rc = -1;
    if (!text) {
        snprintf(err, errn, "%s: out of memory", path);
        goto out;
    }
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    if (ferror(f) || !feof(f)) {
        snprintf(err, errn, "%s: %s", path, ferror(f) ? "read error" : "larger than 1 MiB");
        goto out;
    }
    text[n] = '\0';
    if (memchr(text, '\0', n)) {
        snprintf(err, errn, "%s: contains a NUL byte: not a scenario file", path);
        goto out;
    }
    rc = load_scenario_parse_text(path, text, sc, err, errn);
out:
    free(text);
    fclose(f);
    return rc;
}

void load_scenario_plain(struct load_scenario *sc, unsigned users, double rate)
{
    sc->ngroups = 1;
    sc->ntxns = 1;
    sc->ntimers = 1;
    struct load_group *g = &sc->groups[0];
    memset(g, 0, sizeof(*g));
    g->users = users;
    g->rate = rate;
    g->ntxns = 1;
    g->cum_weight[0] = 1;
    struct load_txn *t = &sc->txns[0];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "get");
    t->weight = 1;
    t->nsteps = 1;
    t->steps[0] = (struct load_step){.kind = LOAD_STEP_GET, .repeat = 1, .timer = 0};
    sc->timers[0].txn = 0;
    snprintf(sc->timers[0].name, LOAD_NAME_MAX, "get");
}

unsigned load_scenario_users(const struct load_scenario *sc)
{
    unsigned n = 0;
    for (unsigned g = 0; g < sc->ngroups; g++) {
        n += sc->groups[g].users;
    }
    return n;
}

double load_scenario_rate(const struct load_scenario *sc)
{
    double r = 0;
    for (unsigned g = 0; g < sc->ngroups; g++) {
        r += sc->groups[g].rate;
    }
    return r;
}

void load_scenario_override(struct load_scenario *sc, unsigned users, double rate)
{
    unsigned have = load_scenario_users(sc);
    double have_rate = load_scenario_rate(sc);
    for (unsigned g = 0; users > 0 && g < sc->ngroups; g++) {
        unsigned u = (unsigned)((double)sc->groups[g].users * users / have + 0.5);
        sc->groups[g].users = u ? u : 1;
    }
    unsigned total = load_scenario_users(sc);
    for (unsigned g = 0; rate > 0 && g < sc->ngroups; g++) {
        /* Groups without a rate of their own share the total by users. */
        struct load_group *gr = &sc->groups[g];
        gr->rate = have_rate > 0 ? gr->rate * rate / have_rate : rate * gr->users / total;
    }
}
