/*
 * test_config.c - the configuration table: defaults, environment, flags,
 * precedence, and precise refusals (config.c), for the core rows and for a
 * stage's own rows (a test stage below stands for stage 03's --pg or stage
 * 04's --redis, which their stages test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/config.h"

#define FILE_STAGE (SANTA_CORE_SERVE | SANTA_CORE_FILES)
#define SERVER_STAGE SANTA_CORE_SERVE

/* Runs santa_config_load with the core rows of `core` and the option sets
 * (may be NULL) on a NULL-terminated argv; captures messages. */
static enum santa_config_result load_sets(struct santa_config *cfg, unsigned core,
                                          const struct santa_option_set *sets, char *msg,
                                          size_t msglen, const char **args)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"santa-test";
    for (; args && *args; args++)
        argv[argc++] = (char *)*args;
    FILE *out = fmemopen(msg, msglen, "w");
    enum santa_config_result r = santa_config_load(cfg, core, sets, argc, argv, out);
    fclose(out);
    return r;
}

static enum santa_config_result load(struct santa_config *cfg, unsigned core, char *msg,
                                     size_t msglen, const char **args)
{
    return load_sets(cfg, core, NULL, msg, msglen, args);
}

static void test_defaults(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    unsetenv("SANTA_LISTEN");
    unsetenv("SANTA_THREADS");
    unsetenv("SANTA_DATA");
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
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
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, args), SANTA_CONFIG_OK);
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
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, args), SANTA_CONFIG_ERROR);
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

/* A stage's own rows, as stage 03 and 04 bring theirs: two sets, each
 * filling its own struct. */
struct db_opts {
    char conninfo[SANTA_CONFIG_STR];
    uint32_t migrate;
};
struct kv_opts {
    struct santa_addr server;
    uint32_t ttl_ms;
};
static const struct santa_option db_rows[] = {
    {"db", "SANTA_TEST_DB", SANTA_OPT_OPTIONAL, "", 0, 0, 0, offsetof(struct db_opts, conninfo),
     "CONNINFO", "the test database"},
    {"migrate", "SANTA_TEST_MIGRATE", SANTA_OPT_BOOL, "0", 0, 0, 0,
     offsetof(struct db_opts, migrate), "", "migrate and exit"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};
static const struct santa_option kv_rows[] = {
    {"kv", "SANTA_TEST_KV", SANTA_OPT_ADDR, "127.0.0.1:6379", 0, 0, 0,
     offsetof(struct kv_opts, server), "HOST:PORT", "the test key-value server"},
    {"kv-ttl-ms", "SANTA_TEST_KV_TTL_MS", SANTA_OPT_UINT, "60000", 100, 86400000, 0,
     offsetof(struct kv_opts, ttl_ms), "MS", "lifetime of a value"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

/* Stage rows: defaults, environment, flags (a boolean without a value) land
 * in the stage's structs; the core rows keep working beside them; a stage
 * without those rows refuses their flags. */
static void test_stage_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    struct db_opts db;
    struct kv_opts kv;
    const struct santa_option_set sets[SANTA_OPTION_SETS] = {{db_rows, &db}, {kv_rows, &kv}};
    char msg[4096] = "";
    unsetenv("SANTA_TEST_DB");
    unsetenv("SANTA_TEST_KV");
    memset(&db, 0x55, sizeof db);
    memset(&kv, 0x55, sizeof kv);
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(db.conninfo, "");
    assert_int_equal(db.migrate, 0);
    assert_string_equal(kv.server.host, "127.0.0.1");
    assert_int_equal(kv.server.port, 6379);
    assert_int_equal(kv.ttl_ms, 60000);

    setenv("SANTA_TEST_DB", "host=127.0.0.1 port=5432 dbname=santa", 1);
    setenv("SANTA_TEST_KV", "127.0.0.2:7000", 1);
    const char *args[] = {"--migrate", "--threads", "4", "--kv-ttl-ms=500", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(db.conninfo, "host=127.0.0.1 port=5432 dbname=santa");
    assert_int_equal(db.migrate, 1);
    assert_int_equal(cfg.threads, 4); /* --migrate took no value */
    assert_string_equal(kv.server.host, "127.0.0.2");
    assert_int_equal(kv.server.port, 7000);
    assert_int_equal(kv.ttl_ms, 500);
    assert_string_equal(cfg.listen_host, "127.0.0.1"); /* --listen untouched by --kv */
    unsetenv("SANTA_TEST_DB");
    unsetenv("SANTA_TEST_KV");

    const char *flag[] = {"--db=postgresql://127.0.0.1:6543/other", "--kv", "127.0.0.1:6390",
                          NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, flag), SANTA_CONFIG_OK);
    assert_string_equal(db.conninfo, "postgresql://127.0.0.1:6543/other");
    assert_int_equal(kv.server.port, 6390);

    /* precise refusals in a stage's rows, named by their flag */
    const char *name[] = {"--kv", "localhost:6379", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, name),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "numeric IPv4"));
    const char *ttl[] = {"--kv-ttl-ms", "5", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, ttl),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "from 100 to 86400000"));
    /* a server stage has no --data; a stage without these rows has no --db */
    const char *data[] = {"--data", "/tmp/x", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, data),
                     SANTA_CONFIG_ERROR);
    const char *dbflag[] = {"--db", "host=x", NULL};
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, dbflag), SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "not an option of this program"));
    /* only the first set: the second's flags are unknown */
    const struct santa_option_set first[SANTA_OPTION_SETS] = {{db_rows, &db}};
    const char *kvflag[] = {"--kv", "127.0.0.1:1", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, first, msg, sizeof msg, kvflag),
                     SANTA_CONFIG_ERROR);
}

/* One --help lists the core's rows and the stage's; a flag defined twice (a
 * stage reusing a core name) is refused instead of silently shadowed. */
static void test_stage_help_and_clash(void **state)
{
    (void)state;
    struct santa_config cfg;
    struct db_opts db;
    struct kv_opts kv;
    const struct santa_option_set sets[SANTA_OPTION_SETS] = {{db_rows, &db}, {kv_rows, &kv}};
    char msg[8192] = "";
    const char *help[] = {"--help", NULL};
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, sets, msg, sizeof msg, help),
                     SANTA_CONFIG_EXIT_OK);
    const char *listen = strstr(msg, "--listen"), *dbh = strstr(msg, "--db CONNINFO"),
               *kvh = strstr(msg, "--kv HOST:PORT"), *end = strstr(msg, "--help");
    assert_non_null(listen);
    assert_non_null(dbh);
    assert_non_null(kvh);
    assert_non_null(strstr(msg, "SANTA_TEST_KV_TTL_MS"));
    assert_true(listen < dbh && dbh < kvh && kvh < end); /* core first, then the sets in order */

    static const struct santa_option clash_rows[] = {
        {"threads", "SANTA_TEST_THREADS", SANTA_OPT_UINT, "1", 1, 2, 0, 0, "N", "clash"},
        {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
    };
    uint32_t clash = 0;
    const struct santa_option_set bad[SANTA_OPTION_SETS] = {{clash_rows, &clash}};
    memset(msg, 0, sizeof msg);
    assert_int_equal(load_sets(&cfg, SERVER_STAGE, bad, msg, sizeof msg, NULL),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "defined twice"));
}

/* A tool (santa-remind, santa-worker-*) reads only its own rows (core 0):
 * no server option, and a row without an environment variable is read from
 * the command line alone and says so in --help. */
static void test_tool_rows(void **state)
{
    (void)state;
    struct tool_opts {
        char ready[SANTA_CONFIG_STR];
        uint32_t batch;
    } t;
    static const struct santa_option tool_rows[] = {
        {"ready-file", NULL, SANTA_OPT_OPTIONAL, "", 0, 0, 0, offsetof(struct tool_opts, ready),
         "FILE", "written once ready"},
        {"batch", "SANTA_TEST_BATCH", SANTA_OPT_UINT, "10", 1, 100, 0,
         offsetof(struct tool_opts, batch), "N", "jobs per claim"},
        {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
    };
    const struct santa_option_set tool[SANTA_OPTION_SETS] = {{tool_rows, &t}};
    struct santa_config cfg;
    char msg[4096] = "";
    const char *args[] = {"--ready-file", "/tmp/r", "--batch=7", NULL};
    memset(&t, 0, sizeof t);
    assert_int_equal(load_sets(&cfg, 0, tool, msg, sizeof msg, args), SANTA_CONFIG_OK);
    assert_string_equal(t.ready, "/tmp/r");
    assert_int_equal(t.batch, 7);
    const char *listen[] = {"--listen", "127.0.0.1:1", NULL};
    assert_int_equal(load_sets(&cfg, 0, tool, msg, sizeof msg, listen), SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "not an option of this program"));
    const char *help[] = {"--help", NULL};
    memset(msg, 0, sizeof msg);
    assert_int_equal(load_sets(&cfg, 0, tool, msg, sizeof msg, help), SANTA_CONFIG_EXIT_OK);
    assert_non_null(strstr(msg, "--ready-file FILE"));
    assert_non_null(strstr(msg, "env (none: command line only)"));
    assert_null(strstr(msg, "--listen"));
}

static void test_help_lists_stage_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[8192] = "";
    const char *help[] = {"--help", NULL};
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, help), SANTA_CONFIG_EXIT_OK);
    assert_non_null(strstr(msg, "--listen"));
    assert_non_null(strstr(msg, "SANTA_DATA"));
    /* the baseline has no data directory, so neither its help nor its flags do */
    memset(msg, 0, sizeof msg);
    assert_int_equal(load(&cfg, SERVER_STAGE, msg, sizeof msg, help),
                     SANTA_CONFIG_EXIT_OK);
    assert_null(strstr(msg, "--data"));
    const char *data[] = {"--data", "x", NULL};
    assert_int_equal(load(&cfg, SERVER_STAGE, msg, sizeof msg, data), SANTA_CONFIG_ERROR);
}

/* The instrumentation flags (libinstrument/README.md): defaults, env, a flag without a value,
   and precise refusals. */
static void test_instrument_options(void **state)
{
    (void)state;
    struct santa_config cfg;
    char msg[4096] = "";
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, NULL), SANTA_CONFIG_OK);
    assert_string_equal(cfg.statsd, "");
    assert_string_equal(cfg.trace_file, "");
    assert_int_equal(cfg.statsd_interval_ms, 1000);
    assert_true(cfg.trace_sample == 0.01);
    assert_int_equal(cfg.slow_ms, 1000);
    assert_int_equal(cfg.no_instrument, 0);

    setenv("SANTA_TRACE_FILE", "t.json", 1);
    setenv("SANTA_TRACE_SAMPLE", "0.25", 1);
    setenv("SANTA_NO_INSTRUMENT", "true", 1);
    const char *args[] = {"--statsd", "127.0.0.1:8125", "--slow-ms=250",
                          "--zipkin", "http://127.0.0.1:9411/api/v2/spans", NULL};
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, args), SANTA_CONFIG_OK);
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
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, flag), SANTA_CONFIG_OK);
    assert_int_equal(cfg.no_instrument, 1);
    assert_int_equal(cfg.threads, 4);

    const char *bad_ratio[] = {"--trace-sample", "1.5", NULL};
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, bad_ratio),
                     SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "must be a number from 0 to 1"));
    const char *bad_url[] = {"--zipkin", "ftp://x", NULL};
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, bad_url), SANTA_CONFIG_ERROR);
    assert_non_null(strstr(msg, "http:// or https://"));
    setenv("SANTA_NO_INSTRUMENT", "maybe", 1);
    assert_int_equal(load(&cfg, FILE_STAGE, msg, sizeof msg, NULL), SANTA_CONFIG_ERROR);
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
        cmocka_unit_test(test_stage_options),
        cmocka_unit_test(test_tool_rows),
        cmocka_unit_test(test_stage_help_and_clash),
        cmocka_unit_test(test_instrument_options),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
