/*
 * santa-01-csv - stage 01: the Secret Santa API over CSV files.
 *
 * A stage is libsanta plus its store: one struct santa_stage (santa/stage.h)
 * and one call. Compare with ../02-sqlite/main.c: the store is the only
 * difference.
 */
#include "santa/stage.h"
#include "store_csv.h"

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    (void)ctx;
    struct csv_store_options opts = {.data_dir = cfg->data_dir};
    return csv_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE | SANTA_CORE_FILES, /* --data */
        .open_store = open_store,
    };
    return santa_stage_main(&stage, argc, argv);
}
