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
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "remind.h"
#include "santa/log.h"
#include "santa/opts.h"

int main(int argc, char **argv)
{
    char data[SANTA_OPT_STR], exchange[SANTA_OPT_STR], smtp[SANTA_OPT_STR],
        maildir[SANTA_OPT_STR], public_url[SANTA_OPT_STR];
    uint32_t index = 0, threads = 1, processes = 0, timeout_ms = 10000;
    const struct santa_opt opts[] = {
        {"data", "SANTA_DATA", SANTA_TOOL_STRING, "santa-data", 0, 0, data, "DIR",
         "stage 01's data folder (read only)"},
        {"exchange", NULL, SANTA_TOOL_STRING, "", 0, 0, exchange, "ID",
         "the exchange whose last batch of reminders to send (required)"},
        {"index", NULL, SANTA_TOOL_BOOL, "0", 0, 0, &index, "",
         "load the participants' names once instead of re-reading the file per mail"},
        {"threads", NULL, SANTA_TOOL_UINT, "1", 1, 256, &threads, "N",
         "send from N threads, each with its own SMTP connection"},
        {"processes", NULL, SANTA_TOOL_UINT, "0", 0, 256, &processes, "N",
         "send from N forked processes instead (0: no fork)"},
        {"smtp", "SANTA_SMTP", SANTA_TOOL_STRING, "", 0, 0, smtp, "smtp://HOST:PORT",
         "deliver over SMTP to this server (empty: into --maildir)"},
        {"maildir", "SANTA_MAILDIR", SANTA_TOOL_STRING, "santa-mail", 0, 0, maildir, "DIR",
         "the Maildir mails go to when --smtp is empty"},
        {"public-url", "SANTA_PUBLIC_URL", SANTA_TOOL_STRING, "", 0, 0, public_url, "URL",
         "the service's public base URL; each mail then links the exchange's public page"},
        {"smtp-timeout-ms", "SANTA_SMTP_TIMEOUT_MS", SANTA_TOOL_UINT, "10000", 100, 600000,
         &timeout_ms, "MS", "SMTP connect and per-mail timeout"},
    };
    const char *program = "santa-remind";
    enum santa_opts_result res = santa_opts_load(
        program, "Sends one reminder per row of an exchange's last batch in outbox.csv.", opts,
        sizeof opts / sizeof opts[0], argc, argv);
    if (res != SANTA_OPTS_OK)
        return res == SANTA_OPTS_EXIT_OK ? 0 : 2;
    if (!exchange[0]) {
        fprintf(stderr, "%s: --exchange ID is required (see --help)\n", program);
        return 2;
    }
    if (santa_mail_global_init() != 0) {
        fprintf(stderr, "%s: cannot initialise libcurl\n", program);
        return 1;
    }
    struct csv_remind_options o = {
        .data_dir = data,
        .exchange_id = exchange,
        .mail = {.smtp_url = smtp, .maildir = maildir, .public_url = public_url,
                 .timeout_ms = timeout_ms},
        .index = index != 0,
        .threads = threads,
        .processes = processes,
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
