/*
 * main.c - santa-report: turns load-test results folders into HTML pages.
 *
 *   santa-report run DIR                 writes DIR/report.html
 *   santa-report compare OUT.html DIR... writes one page comparing the runs
 *
 * Exit status: 0 written; 2 bad usage or a missing/malformed input (the
 * message names the file and the line or JSON path); 1 the page could not
 * be written.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report_err.h"
#include "report_page.h"

static const char USAGE[] =
    "usage: santa-report run DIR [--traces FILE]\n"
    "       santa-report compare OUT.html DIR...\n"
    "\n"
    "  run      read the results folder DIR (summary.json, timeseries.csv, samples.csv,\n"
    "           metrics/*.prom) written by santa-load and write DIR/report.html;\n"
    "           --traces FILE: the stage's trace file (--trace-file, Zipkin v2 JSON),\n"
    "           to draw the span waterfalls of the slowest requests\n"
    "  compare  read each DIR (one per stage run, at most 16) and write one page setting\n"
    "           them side by side; runs of one stage at several data sizes\n"
    "           (meta.seed.participants) give a latency-against-data-size chart\n"
    "exit: 0 written, 2 bad usage or bad input, 1 could not write the page\n";

/* A missing folder gets its own message instead of "summary.json: missing". */
static int check_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "santa-report: %s: no such results folder\n", dir);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "santa-report: %s: not a folder (give a run's results folder)\n", dir);
        return -1;
    }
    return 0;
}

static int finish(enum report_outcome rc, const struct report_error *err, const char *what)
{
    if (rc != REPORT_WRITTEN)
        fprintf(stderr, "santa-report: %s\n", err->msg);
    else
        printf("santa-report: wrote %s\n", what);
    return (int)rc;
}

int main(int argc, char **argv)
{
    struct report_error err = {{0}};
    char out[4200];
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(USAGE, stdout);
        return 0;
    }
    if ((argc == 3 || (argc == 5 && strcmp(argv[3], "--traces") == 0)) &&
        strcmp(argv[1], "run") == 0) {
        if (check_dir(argv[2]) < 0)
            return REPORT_BAD_INPUT;
        snprintf(out, sizeof out, "%s/report.html", argv[2]);
        return finish(report_write_run_traces(argv[2], argc == 5 ? argv[4] : NULL, &err), &err,
                      out);
    }
    if (argc >= 4 && strcmp(argv[1], "compare") == 0) {
        if (argc - 3 > REPORT_MAX_RUNS) {
            fprintf(stderr, "santa-report: compare takes at most %d folders\n", REPORT_MAX_RUNS);
            return REPORT_BAD_INPUT;
        }
        for (int i = 3; i < argc; i++)
            if (check_dir(argv[i]) < 0)
                return REPORT_BAD_INPUT;
        return finish(report_write_compare(argv[2], (const char *const *)&argv[3],
                                           (size_t)(argc - 3), &err),
                      &err, argv[2]);
    }
    fputs(USAGE, stderr);
    return REPORT_BAD_INPUT;
}
