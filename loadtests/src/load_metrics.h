/*
 * load_metrics.h - scrapes the server's GET /metrics into the results folder
 * (metrics/before.prom, metrics/tNNNNN.prom, metrics/after.prom), so the report
 * can set the server's own view beside the generator's.
 */
#ifndef SANTA_LOAD_METRICS_H
#define SANTA_LOAD_METRICS_H

struct load_config;
struct load_client;

/* GETs /metrics through c and writes the answer to dir/metrics/name. Returns 0,
   or -1 (no answer, not 200, or the file cannot be written: the run goes on). */
int load_metrics_scrape(struct load_client *c, const struct load_config *cfg, const char *dir,
                        const char *name);

#endif /* SANTA_LOAD_METRICS_H */
