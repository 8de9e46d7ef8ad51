/*
 * santa-baseline - the speed floor every stage is measured against.
 *
 * It serves through the same HTTP adapter with the same CivetWeb settings
 * and the same response headers as a stage, but answers every request with a
 * fixed small JSON body: no routing, no store, no JSON library. Whatever a
 * stage's GET costs above this is the price of its code and its store.
 */
#include <string.h>

#include "santa/alloc.h"
#include "santa/config.h"
#include "santa/http.h"
#include "santa/server.h"

static const char body[] = "{\"status\":\"ok\"}";

static void fixed_answer(void *ctx, const struct santa_request *req, struct santa_response *resp)
{
    (void)ctx;
    (void)req;
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = santa_strdup(body); /* the adapter frees it, as for the API */
    resp->body_len = resp->body ? sizeof body - 1 : 0;
}

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r =
        santa_config_load(&cfg, SANTA_CORE_SERVE, NULL, argc, argv, stderr); /* no --data */
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    santa_runtime_init();
    struct santa_http_options opts = {
        .host = cfg.listen_host,
        .port = cfg.listen_port,
        .threads = cfg.threads,
        .request_timeout_ms = cfg.request_timeout_ms,
        .body_timeout_ms = cfg.body_timeout_ms,
        .rate_limit = cfg.rate_limit,
        .rate_limit_loopback = cfg.rate_limit_loopback != 0,
        .handler = fixed_answer,
    };
    return santa_http_serve(&opts, cfg.program, "fixed answer (baseline)", NULL, NULL);
}
