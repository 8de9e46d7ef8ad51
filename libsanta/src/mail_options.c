/*
 * mail_options.c - the option rows every program that sends mail shares
 * (santa-remind, santa-worker-*): one table, so the flags, their variables
 * and their help read the same in each (mail.h).
 */
#include <stddef.h>

#include "santa/mail.h"

#define FLAG(field) offsetof(struct santa_mail_flags, field)

const struct santa_option santa_mail_rows[] = {
    {"smtp", "SANTA_SMTP", SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(smtp), "smtp://HOST:PORT",
     "deliver over SMTP to this server (empty: into --maildir)"},
    {"maildir", "SANTA_MAILDIR", SANTA_OPT_OPTIONAL, "santa-mail", 0, 0, 0, FLAG(maildir), "DIR",
     "the Maildir mails go to when --smtp is empty (created if missing)"},
    {"public-url", "SANTA_PUBLIC_URL", SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(public_url), "URL",
     "the service's public base URL; each mail then links the exchange's public page"},
    {"smtp-timeout-ms", "SANTA_SMTP_TIMEOUT_MS", SANTA_OPT_UINT, "10000", 100, 600000, 0,
     FLAG(timeout_ms), "MS", "SMTP connect and per-mail timeout"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

struct santa_mail_options santa_mail_flags_options(const struct santa_mail_flags *f)
{
    return (struct santa_mail_options){f->smtp, f->maildir, f->public_url, f->timeout_ms};
}
