/*
 * santa-01-csv - stage 01: the Secret Santa API over CSV files.
 *
 * A stage adds only its store to libsanta; routes, validation, tokens, the
 * draw and the HTTP server are shared. `diff` this file with
 * ../02-sqlite/main.c: the store is the only difference.
 */
#include "remind.h"
#include "santa/server.h"
#include "store_csv.h"

static enum santa_status open_store(const struct santa_config *cfg, struct santa_store **out,
                                    char *err, size_t errlen)
{
    struct csv_store_options opts = {.data_dir = cfg->data_dir};
    return csv_store_open(&opts, out, err, errlen);
}

int main(int argc, char **argv)
{
    if (santa_mail_global_init() != 0)
        return 1;
    /* Stage 01 sends reminders inside the request (remind_inline.c). */
    return santa_stage_main_remind(argc, argv, SANTA_STAGE_CSV, open_store, csv_remind_now);
}
