/*
 * remind.h - stage 01's reminder sender: the course's slow script.
 *
 * It reads the CSV files of a data directory and sends one reminder per row
 * of the exchange's last batch in outbox.csv (the rows with the latest
 * queued_at: one POST .../reminders). An outbox row holds the participant's
 * id and address but not their name, so for every row the loop looks the
 * name up by reading participants.csv again from the top: O(rows x
 * participants), the expensive lookup inside the loop that `time` and
 * callgrind point at. `index` is the fix: participants.csv is read once into
 * a hash table before the loop.
 *
 * The loop's rows can be split over threads or forked processes, each with
 * its own mailer (its own SMTP connection). The files are only read, never
 * written: reading beside a running server is safe because it appends whole
 * records and replaces files by rename.
 *
 * santa-remind (remind_main.c) is this loop on the command line; stage 01's
 * POST .../reminders runs the same loop inside the request.
 */
#ifndef SANTA_REMIND_H
#define SANTA_REMIND_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/mail.h"
#include "santa/status.h"

struct csv_remind_options {
    const char *data_dir;
    const char *exchange_id;
    struct santa_mail_options mail;
    bool index;         /* load names once (the dictionary fix) */
    uint32_t threads;   /* 0 or 1: the loop runs in the caller's thread */
    uint32_t processes; /* > 0: fork this many children instead of threads */
};

struct csv_remind_result {
    uint32_t rows;   /* reminders in the batch */
    uint32_t sent;   /* accepted by the SMTP server / written to the Maildir */
    uint32_t failed; /* the rest; each reason is logged */
};

/* Sends the exchange's last batch. SANTA_NOT_FOUND when the exchange does
 * not exist; SANTA_UNAVAILABLE when a file cannot be read or the mailer
 * cannot be opened (err says why). Failed mails are counted, not fatal. */
enum santa_status csv_remind_run(const struct csv_remind_options *o,
                                 struct csv_remind_result *out, char *err, size_t errlen);

/* What santa-01-csv needs to send reminders inside the request: its mail
 * option rows (--smtp, --maildir, --public-url, --smtp-timeout-ms) fill the
 * strings; data_dir is the store's folder, set when the store opens. */
struct csv_remind_config {
    char smtp_url[256];   /* "smtp://HOST:PORT", "" for the Maildir */
    char maildir[256];
    char public_url[256]; /* "" for none */
    uint32_t smtp_timeout_ms;
    const char *data_dir;
};

/* The rows (config.h), filling a struct csv_remind_config; end with {NULL}. */
extern const struct santa_option csv_remind_options[];

/* Stage 01's remind_now hook (santa/stage.h; ctx is a struct
 * csv_remind_config): csv_remind_run() on the data folder with those mail
 * options, one thread, no index. */
enum santa_status csv_remind_now(void *ctx, const char *exchange_id, uint32_t *sent);

#endif /* SANTA_REMIND_H */
