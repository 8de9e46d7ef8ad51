/*
 * santa-01-csv - stage 01: the Secret Santa API over CSV files.
 *
 * All a stage adds to libsanta is its store; everything else (routes,
 * validation, tokens, the draw, the HTTP server) is shared. Compare with
 * ../02-sqlite/main.c: only the store lines differ.
 */
#include <stdio.h>

#include "santa/config.h"
#include "santa/log.h"
#include "santa/server.h"
#include "store_csv.h"

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, SANTA_STAGE_CSV, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (santa_runtime_init() != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot initialise the runtime", cfg.program);
        return 1;
    }

    struct csv_store_options opts = {.data_dir = cfg.data_dir};
    struct santa_store *store = NULL;
    char err[256] = "";
    if (csv_store_open(&opts, &store, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot open %s: %s", cfg.program, cfg.data_dir, err);
        return 1;
    }

    int rc = santa_server_run(&cfg, store);
    santa_store_close(store);
    return rc;
}
