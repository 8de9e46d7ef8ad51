/*
 * load_results.c - writes the CSV files of a run and hands summary.json to
 * load_json.c (see load_results.h for the folder's contents).
 */
#include "load_results.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "load_config.h"
#include "load_json.h"
#include "load_trace.h"

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            int rc = mkdir(path, 0777);
            *p = '/';
            if (rc != 0 && errno != EEXIST) {
                return -1;
            }
        }
    }
    return (mkdir(path, 0777) == 0 || errno == EEXIST) ? 0 : -1;
}

int load_results_mkdir(const char *dir, char *err, size_t errn)
{
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/metrics", dir);
    if (n < 0 || (size_t)n >= sizeof(path) || mkdir_p(path) != 0) {
        snprintf(err, errn, "cannot create %s/metrics: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t errn)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errn, "cannot write %s: %s", path, strerror(errno));
    }
    return f;
}

static int close_checked(FILE *f, const char *dir, const char *name, char *err, size_t errn)
{
    if (ferror(f) | (fclose(f) != 0)) {
        snprintf(err, errn, "error writing %s/%s", dir, name);
        return -1;
    }
    return 0;
}

static void thin(struct load_summary *s, struct load_stats *st)
{
    uint64_t k = 1;
    while (st->nsamples / k > LOAD_SAMPLES_MAX) {
        k++;
    }
    if (k > 1) {
        size_t j = 0;
        for (size_t i = 0; i < st->nsamples; i += k) {
            st->samples[j++] = st->samples[i];
        }
        st->nsamples = j;
    }
    s->samples_written = st->nsamples;
    s->samples_every = k * st->stride;
}

static void us_or_empty(FILE *f, int32_t v)
{
    if (v >= 0) {
        fprintf(f, "%d", (int)v);
    }
    fputc(',', f);
}

static int write_samples(const char *dir, const struct load_summary *s,
                         const struct load_stats *st, char *err, size_t errn)
{
    FILE *f = open_in(dir, "samples.csv", err, errn);
    if (!f) {
        return -1;
    }
    const struct load_scenario *sc = &s->cfg->sc;
    fputs("t_ms,transaction,step,status,latency_us,server_app_us,server_store_us,"
          "server_cache_us,trace_id,error\n", f);
    for (size_t i = 0; i < st->nsamples; i++) {
        const struct load_sample *x = &st->samples[i];
        char hex[33] = "";
        static const uint8_t zero[16];
        if (memcmp(x->trace, zero, 16) != 0) {
            load_trace_hex(x->trace, hex);
        }
        fprintf(f, "%.3f,%s,%s,%u,%u,", (double)x->t_us / 1000.0, sc->txns[x->txn].name,
                sc->timers[x->timer].name, (unsigned)x->status, (unsigned)x->latency_us);
        for (int k = 0; k < 3; k++) {
            us_or_empty(f, x->st_us[k]);
        }
        fprintf(f, "%s,%s\n", hex, load_err_name((enum load_err)x->err));
    }
    return close_checked(f, dir, "samples.csv", err, errn);
}

static int write_series(const char *dir, const struct load_summary *s,
                        const struct load_stats *st, char *err, size_t errn)
{
    FILE *f = open_in(dir, "timeseries.csv", err, errn);
    if (!f) {
        return -1;
    }
    /* requests, errors and the latencies are by intended start (offered_rps: the
       schedule); rps and completed are successful answers by the second they
       completed (the achieved rate), so a stalled server shows as a dip. */
    fputs("second,requests,errors,rps,p50_ms,p90_ms,p99_ms,max_ms,send_lag_p99_ms,offered_rps,"
          "completed\n", f);
    double step = st->step_s;
    unsigned rows = (unsigned)((s->duration_s + step - 0.001) / step);
    for (unsigned i = 0; i < rows && i < st->nsec; i++) {
        const struct inst_hist *h = st->sec[i], *lag = st->sec_lag[i];
        /* The last row may be partial: its rate is over the part that ran. Runs
           longer than LOAD_SERIES_MAX seconds get a row per step_s seconds. */
        double len = s->duration_s - i * step < step ? s->duration_s - i * step : step;
        fprintf(f, "%u,%llu,%llu,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f,%llu\n", i * st->step_s,
                (unsigned long long)st->sec_req[i], (unsigned long long)st->sec_err[i],
                (double)st->sec_done[i] / len, h ? load_ms(h, 50) : 0, h ? load_ms(h, 90) : 0,
                h ? load_ms(h, 99) : 0, h ? load_ms(h, 100) : 0, lag ? load_ms(lag, 99) : 0,
                (double)st->sec_req[i] / len, (unsigned long long)st->sec_done[i]);
    }
    return close_checked(f, dir, "timeseries.csv", err, errn);
}

int load_results_write(const char *dir, struct load_summary *s, struct load_stats *st, char *err,
                       size_t errn)
{
    char path[1024];
    load_stats_sort_samples(st);
    thin(s, st);
    if (write_samples(dir, s, st, err, errn) != 0 || write_series(dir, s, st, err, errn) != 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    return load_json_write_summary(path, s, err, errn);
}
