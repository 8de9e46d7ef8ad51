/*
 * metrics.c - the metric registry and its per-thread shards.
 *
 * A shard is one cell per metric id: counters and gauge deltas are
 * uint64 cells, histograms a pointer to the thread's own struct inst_hist
 * (allocated on that thread's first observation of that histogram). The
 * owner thread is the only writer of its cells, so a relaxed load + store
 * replaces an atomic add, and readers summing the shards stay race-free.
 * Shards are never freed; a thread's shard is handed to the next new thread
 * after it exits, and its counts stay in the sums, as counters must.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "metrics_internal.h"

struct shard {
    struct shard *next;
    atomic_bool in_use;
    _Atomic uint64_t cells[INST_METRICS_MAX];
    _Atomic(struct inst_hist *) hists[INST_METRICS_MAX];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inst_metric *metrics[INST_METRICS_MAX];
static _Atomic size_t nmetrics;
static struct inst_family *families, *families_tail;
static _Atomic(struct shard *) shards;
static pthread_key_t shard_key;
static bool shard_key_made;
static _Thread_local struct shard *tl_shard;

#define RLX memory_order_relaxed

size_t inst_metrics_count(void)
{
    return atomic_load_explicit(&nmetrics, memory_order_acquire);
}

struct inst_metric *inst_metric_at(size_t id)
{
    return metrics[id];
}

struct inst_family *inst_families_lock(void)
{
    pthread_mutex_lock(&reg_lock);
    return families;
}

void inst_families_unlock(void)
{
    pthread_mutex_unlock(&reg_lock);
}

static bool valid_name(const char *s, bool colon)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (colon && *s == ':')))
            return false;
    return true;
}

/* Appends c to buf at *len within cap; false when full. */
static bool put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

/* Prometheus label value escaping: backslash, double quote and newline. */
static bool put_escaped(char *buf, size_t cap, size_t *len, const char *v)
{
    for (; *v; v++) {
        const char *e = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
        if (!(e ? put(buf, cap, len, e, 2) : put(buf, cap, len, v, 1)))
            return false;
    }
    return true;
}

/* statsd names: keep [A-Za-z0-9_-], everything else becomes '_' (':', '|', '@' and '.'
   would break the line protocol or the hierarchy). */
static bool put_statsd(char *buf, size_t cap, size_t *len, const char *v)
{
    for (; *v; v++) {
        char c = *v;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!put(buf, cap, len, ok ? &c : "_", 1))
            return false;
    }
    return true;
}

static bool render_labels(struct inst_metric *m, const char *name, const struct inst_label *l,
                          size_t n)
{
    size_t a = 0, b = 0;
    m->labels[0] = '\0';
    m->statsd[0] = '\0';
    if (!put_statsd(m->statsd, sizeof m->statsd, &b, name))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!valid_name(l[i].name, false) || l[i].value == NULL || strcmp(l[i].name, "le") == 0)
            return false;
        if ((i && !put(m->labels, sizeof m->labels, &a, ",", 1)) ||
            !put(m->labels, sizeof m->labels, &a, l[i].name, strlen(l[i].name)) ||
            !put(m->labels, sizeof m->labels, &a, "=\"", 2) ||
            !put_escaped(m->labels, sizeof m->labels, &a, l[i].value) ||
            !put(m->labels, sizeof m->labels, &a, "\"", 1))
            return false;
        if (!put(m->statsd, sizeof m->statsd, &b, ".", 1) ||
            !put_statsd(m->statsd, sizeof m->statsd, &b, l[i].value))
            return false;
    }
    return true;
}

static struct inst_family *family_get(enum inst_metric_type type, const char *name,
                                      const char *help)
{
    for (struct inst_family *f = families; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f->type == type ? f : NULL;
    if (strlen(name) >= sizeof families->name)
        return NULL;
    struct inst_family *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    memcpy(f->name, name, strlen(name) + 1);
    size_t h = 0;
    /* help is one line: newlines would end the # HELP comment */
    for (const char *p = help ? help : ""; *p && h + 1 < sizeof f->help; p++)
        f->help[h++] = *p == '\n' ? ' ' : *p;
    f->type = type;
    if (families_tail)
        families_tail->next = f;
    else
        families = f;
    families_tail = f;
    return f;
}

struct inst_metric *inst_metric_register(enum inst_metric_type type, const char *name,
                                         const char *help, const struct inst_label *labels,
                                         size_t nlabels)
{
    if (!valid_name(name, true) || nlabels > INST_LABELS_MAX)
        return NULL;
    struct inst_metric probe, *m = NULL;
    memset(&probe, 0, sizeof probe);
    if (!render_labels(&probe, name, labels, nlabels))
        return NULL;
    pthread_mutex_lock(&reg_lock);
    struct inst_family *f = family_get(type, name, help);
    if (f == NULL)
        goto out;
    for (m = f->first; m; m = m->next_in_family)
        if (strcmp(m->labels, probe.labels) == 0)
            goto out;
    size_t id = atomic_load_explicit(&nmetrics, RLX);
    if (id >= INST_METRICS_MAX || (m = calloc(1, sizeof *m)) == NULL)
        goto out;
    *m = probe;
    m->id = (unsigned)id;
    m->type = type;
    m->family = f;
    struct inst_metric **tail = &f->first;
    while (*tail)
        tail = &(*tail)->next_in_family;
    *tail = m;
    metrics[id] = m;
    atomic_store_explicit(&nmetrics, id + 1, memory_order_release);
out:
    pthread_mutex_unlock(&reg_lock);
    return m;
}

static void shard_gone(void *p)
{
    atomic_store_explicit(&((struct shard *)p)->in_use, false, memory_order_release);
}

/* Slow path: the calling thread's first observation. */
static struct shard *shard_attach(void)
{
    pthread_mutex_lock(&reg_lock);
    if (!shard_key_made) {
        if (pthread_key_create(&shard_key, shard_gone) != 0) {
            pthread_mutex_unlock(&reg_lock);
            return NULL;
        }
        shard_key_made = true;
    }
    struct shard *s = atomic_load_explicit(&shards, RLX);
    for (; s; s = s->next)
        if (!atomic_load_explicit(&s->in_use, memory_order_acquire))
            break;
    if (s == NULL && (s = calloc(1, sizeof *s)) != NULL) {
        s->next = atomic_load_explicit(&shards, RLX);
        atomic_store_explicit(&shards, s, memory_order_release);
    }
    if (s) {
        atomic_store_explicit(&s->in_use, true, RLX);
        pthread_setspecific(shard_key, s);
        tl_shard = s;
    }
    pthread_mutex_unlock(&reg_lock);
    return s;
}

static inline struct shard *my_shard(void)
{
    return tl_shard ? tl_shard : shard_attach();
}

static inline void cell_add(struct inst_metric *m, uint64_t n)
{
    struct shard *s = my_shard();
    if (s == NULL)
        return;
    _Atomic uint64_t *c = &s->cells[m->id];
    atomic_store_explicit(c, atomic_load_explicit(c, RLX) + n, RLX);
}

void inst_counter_add(struct inst_metric *m, uint64_t n)
{
    if (m && m->type == INST_COUNTER)
        cell_add(m, n);
}

void inst_gauge_add(struct inst_metric *m, int64_t delta)
{
    if (m && m->type == INST_GAUGE)
        cell_add(m, (uint64_t)delta); /* two's complement: the sum of deltas wraps right */
}

void inst_gauge_set(struct inst_metric *m, int64_t value)
{
    if (m && m->type == INST_GAUGE)
        atomic_store_explicit(&m->base, value, RLX);
}

void inst_observe_ns(struct inst_metric *m, uint64_t ns)
{
    if (m == NULL || m->type != INST_HISTOGRAM)
        return;
    struct shard *s = my_shard();
    if (s == NULL)
        return;
    struct inst_hist *h = atomic_load_explicit(&s->hists[m->id], RLX);
    if (h == NULL) {
        /* once per thread and histogram: the only allocation on a recording path */
        h = malloc(sizeof *h);
        if (h == NULL)
            return;
        inst_hist_init(h);
        atomic_store_explicit(&s->hists[m->id], h, memory_order_release);
    }
    inst_hist_record(h, ns);
}

static uint64_t cells_sum(const struct inst_metric *m)
{
    uint64_t sum = 0;
    for (struct shard *s = atomic_load_explicit(&shards, memory_order_acquire); s; s = s->next)
        sum += atomic_load_explicit(&s->cells[m->id], RLX);
    return sum;
}

uint64_t inst_counter_read(const struct inst_metric *m)
{
    return m ? cells_sum(m) : 0;
}

int64_t inst_gauge_read(const struct inst_metric *m)
{
    return m ? atomic_load_explicit(&m->base, RLX) + (int64_t)cells_sum(m)
             : 0;
}

void inst_hist_read(const struct inst_metric *m, struct inst_hist *out)
{
    inst_hist_init(out);
    if (m == NULL)
        return;
    for (struct shard *s = atomic_load_explicit(&shards, memory_order_acquire); s; s = s->next) {
        struct inst_hist *h = atomic_load_explicit(&s->hists[m->id], memory_order_acquire);
        if (h)
            inst_hist_merge(out, h);
    }
}
