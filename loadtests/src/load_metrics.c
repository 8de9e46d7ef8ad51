/*
 * load_metrics.c - the /metrics scraper (see load_metrics.h).
 */
#include "load_metrics.h"

#include <stdio.h>

#include "load_client.h"
#include "load_config.h"

int load_metrics_scrape(struct load_client *c, const struct load_config *cfg, const char *dir,
                        const char *name)
{
    char req[512], path[1024];
    int n = snprintf(req, sizeof(req), "GET %s/metrics HTTP/1.1\r\nHost: %s\r\n\r\n",
                     cfg->base_path, cfg->host_port);
    if (n < 0 || (size_t)n >= sizeof(req) || load_client_do(c, req, (size_t)n) != 200) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/metrics/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fwrite(c->body, 1, c->resp.body_len, f);
    return (ferror(f) | (fclose(f) != 0)) ? -1 : 0;
}
