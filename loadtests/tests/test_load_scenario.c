/*
 * test_load_scenario.c - the scenario parser: a good file in all its forms,
 * and each kind of mistake reported as "FILE:LINE: message" at the right line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "load_scenario.h"

static struct load_scenario sc;
static char err[512];

static const char good[] =
    "# a comment\n"
    "[global]\n"
    "run_time = 12\n"
    "rampup = 2\n"
    "results_ts_interval = 3\n"
    "warmup = 1.5\n"
    "seed_exchanges = 4\n"
    "seed_participants = 40\n"
    "\n"
    "[user_group-1]\n"
    "threads = 10\n"
    "script = a, b\n"
    "[user_group-2]\n"
    "threads = 2\n"
    "rate = 5\n"
    "script = b\n"
    "; another comment\n"
    "[transaction-a]\n"
    "weight = 3\n"
    "think_time = 20\n"
    "steps = create_exchange, join x3 as seed_join, draw, reveal\n"
    "[transaction-b]\n"
    "steps = view_exchange\n";

static void test_good_file(void **state)
{
    (void)state;
    assert_int_equal(load_scenario_parse_text("dir/mix.cfg", good, &sc, err, sizeof(err)), 0);
    assert_string_equal(sc.name, "mix");
    assert_true(sc.run_time == 12 && sc.rampup == 2 && sc.warmup == 1.5);
    assert_int_equal(sc.ts_interval, 3);
    assert_int_equal(sc.seed_exchanges, 4);
    assert_int_equal(sc.seed_participants, 40);
    assert_int_equal(sc.ngroups, 2);
    assert_int_equal(sc.groups[0].users, 10);
    assert_int_equal(sc.groups[0].ntxns, 2);
    assert_true(sc.groups[0].cum_weight[0] == 3 && sc.groups[0].cum_weight[1] == 4);
    assert_true(sc.groups[1].rate == 5);
    assert_int_equal(sc.ntxns, 2);
    const struct load_txn *a = &sc.txns[0];
    assert_int_equal(a->think_ms, 20);
    assert_int_equal(a->nsteps, 4);
    assert_int_equal(a->steps[1].kind, LOAD_STEP_JOIN);
    assert_int_equal(a->steps[1].repeat, 3);
    assert_string_equal(sc.timers[a->steps[1].timer].name, "seed_join");
    assert_string_equal(sc.timers[a->steps[3].timer].name, "reveal");
    /* Timers belong to their transaction: b's view_exchange is its own. */
    assert_int_equal(sc.ntimers, 5);
    assert_int_equal(sc.timers[sc.txns[1].steps[0].timer].txn, 1);
    assert_int_equal(load_scenario_users(&sc), 12);
    load_scenario_override(&sc, 24, 0);
    assert_int_equal(sc.groups[0].users, 20);
    assert_int_equal(sc.groups[1].users, 4);
}

/* Parses text and checks the message starts with "t.cfg:LINE: " and contains what. */
static void bad(const char *text, int line, const char *what)
{
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "t.cfg:%d: ", line);
    err[0] = '\0';
    if (load_scenario_parse_text("t.cfg", text, &sc, err, sizeof(err)) != -1) {
        fail_msg("accepted: %s", text);
    }
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what)) {
        fail_msg("want '%s...%s', got '%s'", prefix, what, err);
    }
}

static void test_mistakes_name_file_and_line(void **state)
{
    (void)state;
    bad("[global]\nrun_time = 10\nrun_tme = 5\n", 3, "unknown key 'run_tme'");
    bad("[global]\nrun_time = ten\n", 2, "not a number");
    bad("[global]\nrun_time = 0\n", 2, "out of range");
    bad("[global]\nseed_exchanges = 1.5\n", 2, "whole number");
    bad("\n\n[globl]\n", 3, "unknown section [globl]");
    bad("run_time = 3\n", 1, "before any [section]");
    bad("[global]\njust words\n", 2, "expected 'key = value'");
    bad("[global]\nwarmup =\n", 2, "empty");
    bad("[user_group-1]\nscript = a\n[transaction-a]\nsteps = reveal, teleport\n", 4,
        "unknown step 'teleport'");
    bad("[user_group-1]\nscript = a\n[transaction-a]\nsteps = join x0\n", 4, "out of range");
    bad("[user_group-1]\nscript = a\n[transaction-a]\nsteps = join as\n", 4, "as TIMER");
    bad("[user_group-1]\nscript = a\n[transaction-a]\nsteps = reveal,,view_exchange\n", 4,
        "empty item");
    bad("[user_group-1]\nthreads = 2\nscript = a, nope\n[transaction-a]\nsteps = reveal\n", 3,
        "no [transaction-nope]");
    bad("[transaction-a]\nsteps = reveal\n[transaction-a]\n", 3, "defined twice");
    bad("[global]\nrun_time = 5\n", 2, "no [user_group-N]");
    bad("[user_group-1]\nthreads = 2\n[transaction-a]\nsteps = reveal\n", 0, "no 'script");
    bad("[user_group-1]\nscript = a\n\n[transaction-a]\nweight = 2\n", 4, "has no steps");
    bad("[user_group-1]\nscript = a\n[transaction-a]\nweight = 0\nsteps = reveal\n", 2,
        "add up to 0");
    bad("[transaction-bad name]\n", 1, "transaction name");
}

static void test_file_errors(void **state)
{
    (void)state;
    char path[] = "/tmp/test_load_scenario_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "[global]\nrun_time = 5\n\n[user_group-1]\nthreads = x\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    assert_int_equal(load_scenario_parse_file(path, &sc, err, sizeof(err)), -1);
    char want[64];
    snprintf(want, sizeof(want), "%s:5: threads:", path);
    assert_non_null(strstr(err, want));
    unlink(path);
    assert_int_equal(load_scenario_parse_file("/nonexistent/x.cfg", &sc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/x.cfg: cannot open"));
}

static void test_standard_scenarios_parse(void **state)
{
    (void)state;
    static const char *const names[] = {"read-mostly", "write-heavy", "draw-big", "size-1k",
                                        "size-10k", "size-100k"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s.cfg", SCENARIO_DIR, names[i]);
        if (load_scenario_parse_file(path, &sc, err, sizeof(err)) != 0) {
            fail_msg("%s", err);
        }
        assert_string_equal(sc.name, names[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_mistakes_name_file_and_line),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_standard_scenarios_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
