/*
 * santa-remind - send the last batch of reminders of one exchange from a
 * stage 01 data folder: the course's slow e-mail script (see remind.h).
 *
 *   santa-remind --data DIR --exchange ID [--index] [--threads N | --processes N]
 *                [--smtp smtp://HOST:PORT | --maildir DIR] [--public-url URL]
 *
 * Prints one line, "rows N sent N failed N seconds S mails_per_s R", and
 * exits 0 when every mail went out, 1 when some did not, 2 on bad options.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "remind.h"
#include "santa/log.h"
#include "santa/config.h"

/* santa-remind's options (config.h rows, the servers' parser). */
struct remind_flags {
    char data[SANTA_CONFIG_STR], exchange[SANTA_CONFIG_STR];
    uint32_t index, threads, processes;
};

#define FLAG(field) offsetof(struct remind_flags, field)

static const struct santa_option rows[] = {
    {"data", "SANTA_DATA", SANTA_OPT_STRING, "santa-data", 0, 0, 0, FLAG(data), "DIR",
     "stage 01's data folder (read only)"},
    {"exchange", NULL, SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(exchange), "ID",
     "the exchange whose last batch of reminders to send (required)"},
    {"index", NULL, SANTA_OPT_BOOL, "0", 0, 0, 0, FLAG(index), "",
     "load the participants' names once instead of re-reading the file per mail"},
    {"threads", NULL, SANTA_OPT_UINT, "1", 1, 256, 0, FLAG(threads), "N",
     "send from N threads, each with its own SMTP connection"},
    {"processes", NULL, SANTA_OPT_UINT, "0", 0, 256, 0, FLAG(processes), "N",
     "send from N forked processes instead (0: no fork)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *program = "santa-remind";
    struct remind_flags f;
    struct santa_mail_flags mail;
    memset(&f, 0, sizeof f);
    memset(&mail, 0, sizeof mail);
    const struct santa_option_set sets[] = {{rows, &f}, {santa_mail_rows, &mail}, {NULL, NULL}};
    struct santa_config unused;
    enum santa_config_result res = santa_config_load(&unused, 0, sets, argc, argv, NULL);
    if (res != SANTA_CONFIG_OK)
        return res == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    if (!f.exchange[0]) {
        fprintf(stderr, "%s: --exchange ID is required (see --help)\n", program);
        return 2;
    }
    if (santa_mail_global_init() != 0) {
        fprintf(stderr, "%s: cannot initialise libcurl\n", program);
        return 1;
    }
    struct csv_remind_options o = {
        .data_dir = f.data,
        .exchange_id = f.exchange,
        .mail = santa_mail_flags_options(&mail),
        .index = f.index != 0,
        .threads = f.threads,
        .processes = f.processes,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct csv_remind_result r;
    char err[256] = "";
    enum santa_status st = csv_remind_run(&o, &r, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != SANTA_OK) {
        fprintf(stderr, "%s: %s\n", program, err);
        return 1;
    }
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("rows %u sent %u failed %u seconds %.3f mails_per_s %.1f\n", r.rows, r.sent,
           r.failed, s, s > 0 ? r.sent / s : 0.0);
    return r.failed == 0 ? 0 : 1;
}
