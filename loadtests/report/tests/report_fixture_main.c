/*
 * report_fixture_main.c - report-fixture: the fixture generator as a command,
 * for script tests (render-check) that need a results folder on disk.
 *
 *   report-fixture DIR [--stage S] [--participants N] [--seconds N] [--scrapes N]
 *                      [--cache] [--no-metrics] [--bottleneck] [--search] [--txn NAME]
 *                      [--scale X]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"

static int usage(void)
{
    fputs("usage: report-fixture DIR [--stage S] [--participants N] [--seconds N] "
          "[--scrapes N] [--cache] [--no-metrics] [--bottleneck] [--search] [--txn NAME] "
          "[--scale X]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    struct report_fixture_opts o = {.scrapes = 15};
    if (argc < 2)
        return usage();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--cache") == 0)
            o.cache = true;
        else if (strcmp(a, "--no-metrics") == 0)
            o.no_metrics = true;
        else if (strcmp(a, "--bottleneck") == 0)
            o.bottleneck = true;
        else if (strcmp(a, "--search") == 0)
            o.search = true;
        else if (v == NULL)
            return usage();
        else if (strcmp(a, "--stage") == 0)
            o.stage = argv[++i];
        else if (strcmp(a, "--txn") == 0)
            o.odd_txn = argv[++i];
        else if (strcmp(a, "--participants") == 0)
            o.participants = strtod(argv[++i], NULL);
        else if (strcmp(a, "--seconds") == 0)
            o.seconds = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--scrapes") == 0)
            o.scrapes = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--scale") == 0)
            o.scale = strtod(argv[++i], NULL);
        else
            return usage();
    }
    if (report_fixture_write(argv[1], &o) < 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
