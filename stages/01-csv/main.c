/*
 * santa-01-csv - stage 01: the Secret Santa API over CSV files.
 *
 * A stage is libsanta plus its store: one struct santa_stage (santa/stage.h)
 * and one call. Compare with ../02-sqlite/main.c: besides the store, stage
 * 01 alone sends reminders inside the request (remind_inline.c).
 */
#include "remind.h"
#include "santa/stage.h"
#include "store_csv.h"

static enum santa_status open_store(void *ctx, const struct santa_config *cfg,
                                    struct santa_store **out, char *err, size_t errlen)
{
    struct csv_remind_config *remind = ctx;
    remind->data_dir = cfg->data_dir; /* the inline reminders read the same files */
    struct csv_store_options opts = {.data_dir = cfg->data_dir};
    return csv_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    struct csv_remind_config remind = {0};
    const struct santa_stage stage = {
        .core = SANTA_CORE_SERVE | SANTA_CORE_FILES, /* --data */
        .options = {{csv_remind_options, &remind}},  /* --smtp, --maildir, ... */
        .ctx = &remind,
        .open_store = open_store,
        /* Stage 01 sends reminders inside the request (remind_inline.c). */
        .remind_now = csv_remind_now,
    };
    if (santa_mail_global_init() != 0)
        return 1;
    return santa_stage_main(&stage, argc, argv);
}
