/*
 * santa-03-postgres - stage 03: the Secret Santa API over a PostgreSQL server.
 *
 * A stage is libsanta plus its back end: the option rows and hooks of one
 * struct santa_stage (santa/stage.h). Compare with ../02-sqlite/main.c: the
 * store, its --pg and --migrate rows and the migrate hook are the differences.
 */
#include "postgres_stage.h"
#include "santa/stage.h"

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    (void)cfg;
    return postgres_stage_open(ctx, out, err, errlen);
}

static int migrate(void *ctx, const struct santa_config *cfg)
{
    return postgres_stage_migrate(ctx, cfg); /* --migrate: bring the schema up to date, exit */
}

int main(int argc, char **argv)
{
    struct postgres_config pg = {0};
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE,
        .options = {{postgres_options, &pg}},
        .ctx = &pg,
        .open_store = open_store,
        .run_instead = migrate,
    };
    return santa_stage_main(&stage, argc, argv);
}
