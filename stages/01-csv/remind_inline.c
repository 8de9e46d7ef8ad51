/*
 * remind_inline.c - stage 01's POST .../reminders sends the batch it just
 * queued, in the request's own thread, with the same loop as santa-remind
 * (the slow lookup included: this stage is the "before" of the lesson).
 */
#include <stddef.h>

#include "remind.h"
#include "santa/config.h"
#include "santa/log.h"

const struct santa_option csv_remind_options[] = {
    {"smtp", "SANTA_SMTP", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct csv_remind_config, smtp_url), "smtp://HOST:PORT",
     "deliver reminders over SMTP to this server (empty: into --maildir)"},
    {"maildir", "SANTA_MAILDIR", SANTA_OPT_STRING, "santa-mail", 0, 0, 0,
     offsetof(struct csv_remind_config, maildir), "DIR",
     "the Maildir reminders go to when --smtp is empty (created if missing)"},
    {"public-url", "SANTA_PUBLIC_URL", SANTA_OPT_URL, "", 0, 0, 0,
     offsetof(struct csv_remind_config, public_url), "URL",
     "the service's public base URL; each reminder then links the exchange's public page"},
    {"smtp-timeout-ms", "SANTA_SMTP_TIMEOUT_MS", SANTA_OPT_UINT, "10000", 100, 600000, 0,
     offsetof(struct csv_remind_config, smtp_timeout_ms), "MS",
     "SMTP connect and per-mail timeout"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

enum santa_status csv_remind_now(void *ctx, const char *exchange_id, uint32_t *sent)
{
    const struct csv_remind_config *c = ctx;
    struct csv_remind_options o = {
        .data_dir = c->data_dir,
        .exchange_id = exchange_id,
        .mail = {.smtp_url = c->smtp_url, .maildir = c->maildir, .public_url = c->public_url,
                 .timeout_ms = c->smtp_timeout_ms},
    };
    struct csv_remind_result r;
    char err[256] = "";
    enum santa_status st = csv_remind_run(&o, &r, err, sizeof err);
    *sent = st == SANTA_OK ? r.sent : 0;
    if (st != SANTA_OK)
        santa_log(SANTA_LOG_ERROR, "reminders for %s: %s", exchange_id, err);
    else if (r.failed)
        santa_log(SANTA_LOG_WARN, "reminders for %s: %u of %u not sent (they stay in outbox.csv)",
                  exchange_id, r.failed, r.rows);
    return st;
}
