/*
 * santa-03-postgres - stage 03: the Secret Santa API over a PostgreSQL server.
 *
 * A stage adds only its store to libsanta; routes, validation, tokens, the
 * draw and the HTTP server are shared. `diff` this file with
 * ../02-sqlite/main.c: the store, and --migrate, are the only differences.
 */
#include <stdio.h>

#include "santa/log.h"
#include "santa/server.h"
#include "store_postgres.h"

static enum santa_status open_store(const struct santa_config *cfg, struct santa_store **out,
                                    char *err, size_t errlen)
{
    struct postgres_store_options opts = {.conninfo = cfg->pg_conninfo};
    return postgres_store_open(&opts, out, err, errlen);
}

/* --migrate: brings the schema up to date and exits, so a deployment can
 * migrate once before starting (or replacing) the servers. */
static int migrate_only(const struct santa_config *cfg)
{
    struct postgres_store_options opts = {.conninfo = cfg->pg_conninfo};
    char err[512] = "";
    int applied = 0;
    if (postgres_store_migrate(&opts, &applied, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: migration failed: %s", cfg->program, err);
        return 1;
    }
    santa_log(SANTA_LOG_INFO, "%s: schema is up to date (%d migration%s applied now)", cfg->program,
              applied, applied == 1 ? "" : "s");
    return 0;
}

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, SANTA_STAGE_POSTGRES, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (cfg.migrate)
        return migrate_only(&cfg);
    return santa_stage_main(argc, argv, SANTA_STAGE_POSTGRES, open_store);
}
