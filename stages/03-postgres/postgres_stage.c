/*
 * postgres_stage.c - PostgreSQL's option rows and stage steps (see
 * postgres_stage.h).
 */
#include <stddef.h>

#include "postgres_stage.h"
#include "store_postgres.h"

const struct santa_option postgres_options[] = {
    /* Empty by default: libpq then reads PGHOST, PGPORT, PGDATABASE, ... */
    {"pg", "SANTA_PG", SANTA_OPT_OPTIONAL, "", 0, 0, 0, offsetof(struct postgres_config, conninfo),
     "CONNINFO",
     "PostgreSQL connection (libpq conninfo or postgresql:// URI); empty: PGHOST, PGPORT, ..."},
    {"migrate", "SANTA_MIGRATE", SANTA_OPT_BOOL, "0", 0, 0, 0,
     offsetof(struct postgres_config, migrate), "",
     "apply the schema migrations and exit (they are also applied at every start)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

int postgres_stage_migrate(const struct postgres_config *pg, const struct santa_config *cfg)
{
    if (!pg->migrate)
        return -1;
    return postgres_store_migrate_only(cfg->program, pg->conninfo);
}

enum santa_status postgres_stage_open(const struct postgres_config *pg, struct santa_store **out,
                                      char *err, size_t errlen)
{
    struct postgres_store_options opts = {.conninfo = pg->conninfo};
    return postgres_store_open(&opts, out, err, errlen);
}
