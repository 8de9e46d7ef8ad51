/*
 * postgres_stage.h - what a stage binary needs to keep its data in
 * PostgreSQL: the option rows (--pg, --migrate), the struct they fill, and
 * the two steps a stage's hooks call (stage.h). Stages 03, 04 and 05 share
 * these through the store_postgres library; the core knows none of them.
 */
#ifndef SANTA_POSTGRES_STAGE_H
#define SANTA_POSTGRES_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/status.h"
#include "santa/store.h"

struct postgres_config {
    char conninfo[SANTA_CONFIG_STR]; /* libpq conninfo; "" = PGHOST, PGPORT, ... */
    uint32_t migrate;                /* 1: apply schema migrations and exit */
};

/* --pg and --migrate, filling a struct postgres_config (ends with {NULL}). */
extern const struct santa_option postgres_options[];

/* For run_instead: with --migrate, applies the migrations and returns the
 * exit code (0 up to date, 1 failed); without it, -1 (serve). */
int postgres_stage_migrate(const struct postgres_config *pg, const struct santa_config *cfg);

/* For open_store: stage 03's store on pg's server (migrations applied). */
enum santa_status postgres_stage_open(const struct postgres_config *pg, struct santa_store **out,
                                      char *err, size_t errlen);

#endif /* SANTA_POSTGRES_STAGE_H */
