/*
 * test_load_search.c - the saturation search (--find-max) against a server
 * whose limit is known: the test server in TS_SLOW mode answers one request
 * at a time after 50 ms, so it serves 20 requests/s at most, however fast
 * the machine. From 5/s the ladder doubles (5, 10 hold; 20 or 40 fail: the
 * queue grows without end), then bisects; the rate found must lie below the
 * limit and above half of it, every step be written, and the results
 * folder hold the step that held with max_sustainable_rps and the ladder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>

#include "load_config.h"
#include "load_run.h"
#include "test_server.h"

static void test_finds_the_limit(void **state)
{
    (void)state;
    static struct load_config cfg;
    char dir[] = "/tmp/test_load_search_XXXXXX", path[600], cmd[600];
    assert_non_null(mkdtemp(dir));
    struct test_server s;
    test_server_start(&s, TS_SLOW);
    memset(&cfg, 0, sizeof(cfg));
    cfg.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(s.port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    snprintf(cfg.host_port, sizeof(cfg.host_port), "127.0.0.1:%u", (unsigned)s.port);
    snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:%u/", (unsigned)s.port);
    cfg.threads = 1;
    cfg.timeout_ms = 1500; /* bounds each step's drain */
    cfg.out_dir = dir;
    cfg.stage = "slow";
    cfg.find_max = true;
    cfg.slo_p99_ms = 400;
    load_scenario_defaults(&cfg.sc);
    cfg.sc.run_time = 2;
    cfg.sc.warmup = 0.5;
    load_scenario_plain(&cfg.sc, 8, 5);
    cfg.open_loop = true;
    int rc = load_run(&cfg);
    test_server_stop(&s);
    assert_int_equal(rc, LOAD_EXIT_OK);
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    double max = json_number_value(json_object_get(j, "max_sustainable_rps"));
    json_t *search = json_object_get(j, "search"), *ladder = json_object_get(search, "ladder");
    size_t n = json_array_size(ladder);
    print_message("max sustainable %.1f req/s after %zu steps\n", max, n);
    /* 20/s is the ceiling (arrivals as regular as the service can just keep up
       at exactly 20); 10/s held with room to spare. */
    assert_true(max >= 9 && max <= 20.5);
    assert_true(n >= 4 && n <= 14);
    bool failed_above = false;
    for (size_t i = 0; i < n; i++) {
        json_t *st = json_array_get(ladder, i);
        bool held = json_is_true(json_object_get(st, "held"));
        double rate = json_number_value(json_object_get(st, "rate"));
        failed_above |= !held && rate > max;
        /* Every step is a complete results folder. */
        snprintf(path, sizeof(path), "%s/%s/summary.json", dir,
                 json_string_value(json_object_get(st, "dir")));
        assert_int_equal(access(path, R_OK), 0);
        if (!held) {
            continue;
        }
        /* A step that held kept up and met the SLO. Kept up: 98 % of the
         * offered rate, less the two answers' slack the search allows
         * (load_search.c, keeps_up: requests still in flight at the end of
         * a run_time-second step). */
        assert_true(json_number_value(json_object_get(st, "achieved_rps")) >=
                    0.98 * json_number_value(json_object_get(st, "offered_rps")) -
                        2.0 / cfg.sc.run_time);
        assert_true(json_number_value(json_object_get(st, "p99_ms")) <= 400);
    }
    assert_true(failed_above);
    /* The folder holds the step that held: its own achieved rate is the max. */
    assert_true(json_number_value(json_object_get(j, "achieved_rps")) == max);
    snprintf(path, sizeof(path), "%s/timeseries.csv", dir);
    assert_int_equal(access(path, R_OK), 0);
    json_decref(j);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
