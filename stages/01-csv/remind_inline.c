/*
 * remind_inline.c - stage 01's POST .../reminders sends the batch it just
 * queued, in the request's own thread, with the same loop as santa-remind
 * (the slow lookup included: this stage is the "before" of the lesson).
 */
#include "remind.h"
#include "santa/config.h"
#include "santa/log.h"

enum santa_status csv_remind_now(const struct santa_config *cfg, const char *exchange_id,
                                 uint32_t *sent)
{
    struct csv_remind_options o = {
        .data_dir = cfg->data_dir,
        .exchange_id = exchange_id,
        .mail = {.smtp_url = cfg->smtp_url, .maildir = cfg->maildir,
                 .public_url = cfg->public_url, .timeout_ms = cfg->smtp_timeout_ms},
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
