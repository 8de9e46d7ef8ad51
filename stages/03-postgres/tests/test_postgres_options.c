/*
 * test_postgres_options.c - stage 03's option rows (postgres_stage.c) through
 * the core's one configuration pass: --pg is empty by default (libpq's PG*
 * variables), --migrate is a flag without a value, and a file stage refuses
 * --pg while stage 03 refuses --data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "postgres_stage.h"

static enum santa_config_result load(struct santa_config *cfg, unsigned core,
                                     struct postgres_config *pg, const char **args)
{
    char *argv[16], msg[4096];
    int argc = 0;
    argv[argc++] = (char *)"santa-03-postgres";
    for (; args && *args; args++)
        argv[argc++] = (char *)*args;
    const struct santa_option_set sets[SANTA_OPTION_SETS] = {{postgres_options, pg}};
    FILE *out = fmemopen(msg, sizeof msg, "w");
    enum santa_config_result r = santa_config_load(cfg, core, pg ? sets : NULL, argc, argv, out);
    fclose(out);
    return r;
}

static void test_postgres_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    struct postgres_config pg = {0};
    unsetenv("SANTA_PG");
    unsetenv("SANTA_MIGRATE");
    assert_int_equal(load(&cfg, SANTA_CORE_SERVE, &pg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(pg.conninfo, "");
    assert_int_equal(pg.migrate, 0);
    setenv("SANTA_PG", "host=127.0.0.1 port=5432 dbname=santa", 1);
    const char *args[] = {"--migrate", "--threads", "4", NULL};
    assert_int_equal(load(&cfg, SANTA_CORE_SERVE, &pg, args), SANTA_CONFIG_OK);
    assert_string_equal(pg.conninfo, "host=127.0.0.1 port=5432 dbname=santa");
    assert_int_equal(pg.migrate, 1);
    assert_int_equal(cfg.threads, 4); /* --migrate took no value */
    const char *flag[] = {"--pg=postgresql://127.0.0.1:6543/other", NULL};
    assert_int_equal(load(&cfg, SANTA_CORE_SERVE, &pg, flag), SANTA_CONFIG_OK);
    assert_string_equal(pg.conninfo, "postgresql://127.0.0.1:6543/other");
    unsetenv("SANTA_PG");
    const char *data[] = {"--data", "/tmp/x", NULL};
    assert_int_equal(load(&cfg, SANTA_CORE_SERVE, &pg, data), SANTA_CONFIG_ERROR);
    const char *pgflag[] = {"--pg", "host=x", NULL};
    assert_int_equal(load(&cfg, SANTA_CORE_SERVE | SANTA_CORE_FILES, NULL, pgflag),
                     SANTA_CONFIG_ERROR);
}

/* Without --migrate the hook serves (-1); the run itself is exercised by
 * deploy/local (santa-03-postgres --migrate) against a real server. */
static void test_migrate_hook_serves_without_flag(void **state)
{
    (void)state;
    struct santa_config cfg = {.program = "santa-03-postgres"};
    struct postgres_config pg = {.migrate = 0};
    assert_int_equal(postgres_stage_migrate(&pg, &cfg), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postgres_options),
        cmocka_unit_test(test_migrate_hook_serves_without_flag),
    };
    return cmocka_run_group_tests_name("postgres_options", tests, NULL, NULL);
}
