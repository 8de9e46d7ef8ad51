/*
 * test_cache_options.c - stage 04's option rows: stage 03's (--pg) and the
 * cache's (cache_stage.c) in one configuration pass, as santa-04-cache
 * reads them; stage 03 alone refuses --redis. The --redis value's shape is
 * checked before serving (cache_stage_check; the forms: test_cache_url).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache_stage.h"
#include "postgres_stage.h"

static char msg[4096];

static enum santa_config_result load(struct santa_config *cfg, const struct santa_option_set *sets,
                                     const char **args)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"santa-04-cache";
    for (; args && *args; args++)
        argv[argc++] = (char *)*args;
    memset(msg, 0, sizeof msg);
    FILE *out = fmemopen(msg, sizeof msg, "w");
    enum santa_config_result r = santa_config_load(cfg, SANTA_CORE_SERVE, sets, argc, argv, out);
    fclose(out);
    return r;
}

static void test_cache_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    struct postgres_config pg = {0};
    struct cache_config c = {0};
    const struct santa_option_set sets[SANTA_OPTION_SETS] = {{postgres_options, &pg},
                                                             {cache_options, &c}};
    unsetenv("SANTA_REDIS");
    unsetenv("SANTA_CACHE_TTL_MS");
    unsetenv("SANTA_REDIS_TIMEOUT_MS");
    assert_int_equal(load(&cfg, sets, NULL), SANTA_CONFIG_OK);
    assert_string_equal(c.redis, "127.0.0.1:6379");
    assert_int_equal(cache_stage_check(&c, "santa-04-cache"), -1); /* serve on */
    assert_int_equal(c.ttl_ms, 60000);
    assert_int_equal(c.timeout_ms, 100);
    setenv("SANTA_REDIS", "127.0.0.2:7000", 1);
    const char *args[] = {"--pg", "host=127.0.0.1", "--redis-timeout-ms", "50", NULL};
    assert_int_equal(load(&cfg, sets, args), SANTA_CONFIG_OK);
    assert_string_equal(c.redis, "127.0.0.2:7000");
    assert_int_equal(c.timeout_ms, 50);
    assert_string_equal(pg.conninfo, "host=127.0.0.1"); /* stage 04 is stage 03 + cache */
    const char *flag[] = {"--redis=127.0.0.1:6390", NULL};
    assert_int_equal(load(&cfg, sets, flag), SANTA_CONFIG_OK);
    assert_string_equal(c.redis, "127.0.0.1:6390");
    assert_string_equal(cfg.listen_host, "127.0.0.1"); /* --listen untouched by --redis */
    unsetenv("SANTA_REDIS");
    const char *port[] = {"--redis", "127.0.0.1:0", NULL};
    assert_int_equal(load(&cfg, sets, port), SANTA_CONFIG_OK);
    assert_int_equal(cache_stage_check(&c, "santa-04-cache"), 2); /* exit 2: a bad option */
    const struct santa_option_set stage03[SANTA_OPTION_SETS] = {{postgres_options, &pg}};
    const char *other[] = {"--redis", "127.0.0.1:6379", NULL};
    assert_int_equal(load(&cfg, stage03, other), SANTA_CONFIG_ERROR);
    const char *data[] = {"--data", "/tmp/x", NULL};
    assert_int_equal(load(&cfg, sets, data), SANTA_CONFIG_ERROR);
}

/* --cache-local-ms is stage 04's own row: on by default there, 0 turns it
 * off, and a stage that leaves the row out (stage 05) refuses it and keeps
 * local_ms at 0, the layer off. */
static void test_cache_local_option(void **state)
{
    (void)state;
    struct santa_config cfg;
    struct postgres_config pg = {0};
    struct cache_config c = {0};
    const struct santa_option_set stage04[SANTA_OPTION_SETS] = {
        {postgres_options, &pg}, {cache_options, &c}, {cache_local_options, &c}};
    unsetenv("SANTA_CACHE_LOCAL_MS");
    assert_int_equal(load(&cfg, stage04, NULL), SANTA_CONFIG_OK);
    assert_int_equal(c.local_ms, 100);
    assert_int_equal(c.ttl_ms, 60000); /* both row sets fill the one struct */
    const char *off[] = {"--cache-local-ms", "0", NULL};
    assert_int_equal(load(&cfg, stage04, off), SANTA_CONFIG_OK);
    assert_int_equal(c.local_ms, 0);
    setenv("SANTA_CACHE_LOCAL_MS", "250", 1);
    assert_int_equal(load(&cfg, stage04, NULL), SANTA_CONFIG_OK);
    assert_int_equal(c.local_ms, 250);
    unsetenv("SANTA_CACHE_LOCAL_MS");
    struct cache_config c5 = {0};
    const struct santa_option_set stage05[SANTA_OPTION_SETS] = {{postgres_options, &pg},
                                                                {cache_options, &c5}};
    const char *on[] = {"--cache-local-ms", "100", NULL};
    assert_int_equal(load(&cfg, stage05, on), SANTA_CONFIG_ERROR);
    assert_int_equal(load(&cfg, stage05, NULL), SANTA_CONFIG_OK);
    assert_int_equal(c5.local_ms, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_options),
        cmocka_unit_test(test_cache_local_option),
    };
    return cmocka_run_group_tests_name("cache_options", tests, NULL, NULL);
}
