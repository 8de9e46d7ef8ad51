/*
 * santa-03-postgres - stage 03: the Secret Santa API over a PostgreSQL server.
 *
 * A stage adds only its store to libsanta; routes, validation, tokens, the
 * draw and the HTTP server are shared. `diff` this file with
 * ../02-sqlite/main.c: the store, and --migrate, are the only differences.
 */
#include "santa/server.h"
#include "store_postgres.h"

static enum santa_status open_store(const struct santa_config *cfg, struct santa_store **out,
                                    char *err, size_t errlen)
{
    struct postgres_store_options opts = {.conninfo = cfg->pg_conninfo};
    return postgres_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    struct santa_config cfg;
    enum santa_config_result r = santa_config_load(&cfg, SANTA_STAGE_POSTGRES, argc, argv, stderr);
    if (r != SANTA_CONFIG_OK)
        return r == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (cfg.migrate) /* bring the schema up to date and exit */
        return postgres_store_migrate_only(cfg.program, cfg.pg_conninfo);
    return santa_stage_main(argc, argv, SANTA_STAGE_POSTGRES, open_store);
}
