/*
 * santa-02-sqlite - stage 02: the Secret Santa API over one SQLite database.
 *
 * A stage is libsanta plus its store: one struct santa_stage (santa/stage.h)
 * and one call. Compare with ../01-csv/main.c: besides the store, reminders
 * leave the request for santa-worker-02-sqlite (worker_sqlite.c).
 */
#include "santa/stage.h"
#include "store_sqlite.h"

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    (void)ctx;
    struct sqlite_store_options opts = {.data_dir = cfg->data_dir};
    return sqlite_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE | SANTA_CORE_FILES, /* --data */
        .open_store = open_store,
    };
    return santa_stage_main(&stage, argc, argv);
}
