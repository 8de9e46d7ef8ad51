/*
 * test_config.c - the configuration table: defaults, environment, flags,
 * precedence, and precise refusals (config.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/config.h"

/* Runs santa_config_load on a NULL-terminated argv; captures messages. */
static enum santa_config_result load(struct santa_config *cfg, unsigned mask, char *msg,
                                     size_t msglen, const char **args)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"santa-test";
    for (; args && *args; args++)
        argv[argc++] = (char *)*args;
    FILE *out = fmemopen(msg, msglen, "w");
    enum santa_config_result r = santa_config_load(cfg, mask, argc, argv, out);
    fclose(out);
    return r;
}

static void test_defaults(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    unsetenv("SANTA_LISTEN");
    unsetenv("SANTA_THREADS");
    unsetenv("SANTA_DATA");
    assert_int_equal(load(&cfg, SANTA_STAGE_CSV, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_int_equal(cfg.threads, 64);
    assert_string_equal(cfg.data_dir, "santa-data");
}

static void test_env_then_flags(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    setenv("SANTA_LISTEN", "127.0.0.1:9000", 1);
    setenv("SANTA_DATA", "/tmp/from-env", 1);
    const char *args[] = {"--listen", "127.0.0.2:9100", "--threads=8", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(cfg.listen_host, "127.0.0.2");
    assert_int_equal(cfg.listen_port, 9100);
    assert_int_equal(cfg.threads, 8);
    assert_string_equal(cfg.data_dir, "/tmp/from-env"); /* env kept where no flag */
    unsetenv("SANTA_LISTEN");
    unsetenv("SANTA_DATA");
}

static void expect_error(const char **args, const char *needle)
{
    struct santa_config cfg;
    char msg[4096] = "";
    assert_int_equal(load(&cfg, SANTA_STAGE_CSV, msg, sizeof msg, args), SANTA_CONFIG_ERROR);
    if (strstr(msg, needle) == NULL)
        fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *bad_port[] = {"--listen", "127.0.0.1:70000", NULL};
    expect_error(bad_port, "PORT must be 1 to 65535");
    const char *bad_host[] = {"--listen", "localhost:80", NULL};
    expect_error(bad_host, "numeric IPv4");
    const char *no_colon[] = {"--listen", "8080", NULL};
    expect_error(no_colon, "HOST:PORT");
    const char *threads0[] = {"--threads", "0", NULL};
    expect_error(threads0, "from 1 to 1024");
    const char *threads_junk[] = {"--threads", "12abc", NULL};
    expect_error(threads_junk, "whole number");
    const char *unknown[] = {"--nope", "1", NULL};
    expect_error(unknown, "not an option");
    const char *missing[] = {"--data", NULL};
    expect_error(missing, "needs a value");
    const char *positional[] = {"data", NULL};
    expect_error(positional, "options start with --");
    setenv("SANTA_THREADS", "-3", 1);
    expect_error(NULL, "SANTA_THREADS");
    unsetenv("SANTA_THREADS");
}

/* Stage 03's options: --pg (empty by default: libpq's PG* variables) and
 * --migrate, a flag without a value; stage 02 and stage 03 refuse each
 * other's --data and --pg. */
static void test_postgres_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    unsetenv("SANTA_PG");
    unsetenv("SANTA_MIGRATE");
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.pg_conninfo, "");
    assert_int_equal(cfg.migrate, 0);
    setenv("SANTA_PG", "host=127.0.0.1 port=5432 dbname=santa", 1);
    const char *args[] = {"--migrate", "--threads", "4", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(cfg.pg_conninfo, "host=127.0.0.1 port=5432 dbname=santa");
    assert_int_equal(cfg.migrate, 1);
    assert_int_equal(cfg.threads, 4); /* --migrate took no value */
    const char *flag[] = {"--pg=postgresql://127.0.0.1:6543/other", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, flag), SANTA_CONFIG_OK);
    assert_string_equal(cfg.pg_conninfo, "postgresql://127.0.0.1:6543/other");
    unsetenv("SANTA_PG");
    const char *data[] = {"--data", "/tmp/x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, data), SANTA_CONFIG_ERROR);
    const char *pg[] = {"--pg", "host=x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, pg), SANTA_CONFIG_ERROR);
}

static void test_cache_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    unsetenv("SANTA_REDIS");
    unsetenv("SANTA_CACHE_TTL_MS");
    unsetenv("SANTA_REDIS_TIMEOUT_MS");
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis.host, "127.0.0.1");
    assert_int_equal(cfg.redis.port, 6379);
    assert_int_equal(cfg.cache_ttl_ms, 60000);
    assert_int_equal(cfg.redis_timeout_ms, 100);
    setenv("SANTA_REDIS", "127.0.0.2:7000", 1);
    const char *args[] = {"--pg", "host=127.0.0.1", "--redis-timeout-ms", "50", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis.host, "127.0.0.2");
    assert_int_equal(cfg.redis.port, 7000);
    assert_int_equal(cfg.redis_timeout_ms, 50);
    assert_string_equal(cfg.pg_conninfo, "host=127.0.0.1"); /* stage 04 is stage 03 + cache */
    const char *flag[] = {"--redis=127.0.0.1:6390", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, flag), SANTA_CONFIG_OK);
    assert_int_equal(cfg.redis.port, 6390);
    assert_string_equal(cfg.listen_host, "127.0.0.1"); /* --listen untouched by --redis */
    unsetenv("SANTA_REDIS");
    /* A DNS name (a compose service, resolved by whoever connects) ... */
    const char *name[] = {"--redis", "redis:6379", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, name), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis.host, "redis");
    const char *fqdn[] = {"--redis", "cache-1.santa.example:6380", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, fqdn), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis.host, "cache-1.santa.example");
    /* ... but not anything that is neither a name nor an address. */
    const char *bad[] = {"-redis:1", "re dis:1", "a..b:1", "redis-:1", "a/b:1", ".x:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv_bad[] = {"--redis", bad[i], NULL};
        msg[0] = '\0';
        assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, argv_bad),
                         SANTA_CONFIG_ERROR);
        assert_non_null(strstr(msg, "IPv4 address or a DNS name"));
    }
    /* --listen stays numeric: it is what santa binds. */
    const char *listen_name[] = {"--listen", "localhost:8080", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, listen_name),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "numeric IPv4"));
    /* The password: empty by default, from the environment (never needs argv). */
    unsetenv("SANTA_REDIS_PASSWORD");
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis_password, "");
    setenv("SANTA_REDIS_PASSWORD", "s3cret", 1);
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.redis_password, "s3cret");
    unsetenv("SANTA_REDIS_PASSWORD");
    const char *pw_other[] = {"--redis-password", "x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, pw_other),
                     SANTA_CONFIG_ERROR);
    const char *port[] = {"--redis", "127.0.0.1:0", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, port), SANTA_CONFIG_ERROR);
    const char *other[] = {"--redis", "127.0.0.1:6379", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_POSTGRES, msg, sizeof msg, other), SANTA_CONFIG_ERROR);
    const char *data[] = {"--data", "/tmp/x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CACHE, msg, sizeof msg, data), SANTA_CONFIG_ERROR);
}

static void test_help_lists_stage_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[8192] = "";
    const char *help[] = {"--help", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_CSV, msg, sizeof msg, help), SANTA_CONFIG_EXIT_OK);
    assert_non_null(strstr(msg, "--listen"));
    assert_non_null(strstr(msg, "SANTA_DATA"));
    /* the baseline has no data directory, so neither its help nor its flags do */
    memset(msg, 0, sizeof msg);
    assert_int_equal(load(&cfg, SANTA_STAGE_BASELINE, msg, sizeof msg, help),
                     SANTA_CONFIG_EXIT_OK);
    assert_null(strstr(msg, "--data"));
    const char *data[] = {"--data", "x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_BASELINE, msg, sizeof msg, data), SANTA_CONFIG_ERROR);
}

/* The instrumentation flags (libinstrument/README.md): defaults, env, a flag without a value,
   and precise refusals. */
static void test_instrument_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.statsd, "");
    assert_string_equal(cfg.trace_file, "");
    assert_int_equal(cfg.statsd_interval_ms, 1000);
    assert_true(cfg.trace_sample == 1.0);
    assert_int_equal(cfg.slow_ms, 0);
    assert_int_equal(cfg.no_instrument, 0);

    setenv("SANTA_TRACE_FILE", "t.json", 1);
    setenv("SANTA_TRACE_SAMPLE", "0.25", 1);
    setenv("SANTA_NO_INSTRUMENT", "true", 1);
    const char *args[] = {"--statsd", "127.0.0.1:8125", "--slow-ms=250",
                          "--zipkin", "http://127.0.0.1:9411/api/v2/spans", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(cfg.trace_file, "t.json");
    assert_true(cfg.trace_sample == 0.25);
    assert_int_equal(cfg.no_instrument, 1);
    assert_string_equal(cfg.statsd, "127.0.0.1:8125");
    assert_int_equal(cfg.slow_ms, 250);
    assert_string_equal(cfg.zipkin_url, "http://127.0.0.1:9411/api/v2/spans");
    unsetenv("SANTA_TRACE_FILE");
    unsetenv("SANTA_TRACE_SAMPLE");
    unsetenv("SANTA_NO_INSTRUMENT");

    /* --no-instrument takes no value: the next argument is still an option */
    const char *flag[] = {"--no-instrument", "--threads", "4", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, flag), SANTA_CONFIG_OK);
    assert_int_equal(cfg.no_instrument, 1);
    assert_int_equal(cfg.threads, 4);

    const char *bad_ratio[] = {"--trace-sample", "1.5", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, bad_ratio),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "must be a number from 0 to 1"));
    const char *bad_url[] = {"--zipkin", "ftp://x", NULL};
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, bad_url), SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "http:// or https://"));
    setenv("SANTA_NO_INSTRUMENT", "maybe", 1);
    assert_int_equal(load(&cfg, SANTA_STAGE_SQLITE, msg, sizeof msg, NULL), SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "SANTA_NO_INSTRUMENT"));
    unsetenv("SANTA_NO_INSTRUMENT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_env_then_flags),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_help_lists_stage_options),
        cmocka_unit_test(test_postgres_options),
        cmocka_unit_test(test_cache_options),
        cmocka_unit_test(test_instrument_options),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
