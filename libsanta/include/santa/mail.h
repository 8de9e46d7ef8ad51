/*
 * mail.h - reminder mails: what one contains, and delivering it.
 *
 * A reminder names the exchange (its name and id), its date and budget, the
 * recipient's own name, and the exchange's public page when a public URL is
 * configured. It never contains a token, an invite code or an assignment:
 * tokens are stored only as hashes, and a mail is not a secure channel.
 *
 * Delivery goes over SMTP (libcurl) to `smtp://HOST:PORT` when a URL is set,
 * else into a Maildir (tmp/ then rename into new/, fsync'ed), which any mail
 * reader opens. Every mail carries a Message-ID made from a caller-given key
 * (the job's identity), so a send that is retried after a crash or a lost
 * answer is recognisable as the same mail by the receiving side.
 *
 * Lifetimes and threads: a mailer owns one SMTP connection (libcurl keeps it
 * open between mails) and is used by one thread at a time; open one per
 * thread or process. Options are copied by santa_mailer_open().
 */
#ifndef SANTA_MAIL_H
#define SANTA_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/status.h"

/* A rendered mail is never larger than this (every field is bounded). */
#define SANTA_MAIL_MAX 8192

struct santa_reminder {
    const char *exchange_id;
    const char *exchange_name;
    const char *budget;        /* NULL or "" when not set */
    const char *exchange_date; /* "YYYY-MM-DD", NULL or "" when not set */
    const char *to_name;
    const char *to_email;
    /* The idempotency key: the Message-ID's left part, e.g.
     * "reminder.42.<exchange id>"; letters, digits and ".-_" only. */
    const char *message_key;
};

struct santa_mail_options {
    const char *smtp_url;   /* "smtp://HOST:PORT", or NULL/"" for the Maildir */
    const char *maildir;    /* the Maildir's folder when there is no SMTP URL */
    const char *public_url; /* e.g. "https://santa.example.org", or NULL/"" */
    uint32_t timeout_ms;    /* SMTP connect + whole transfer; 0 means 10 s */
};

/* Where a tool's mail goes, as its options read it (config.h rows:
 * santa_mail_rows fill this struct; --smtp, --maildir, --public-url,
 * --smtp-timeout-ms, each also from SANTA_*). santa_mail_flags_options()
 * points a struct santa_mail_options at it, so it must outlive that. */
struct santa_mail_flags {
    char smtp[SANTA_CONFIG_STR], maildir[SANTA_CONFIG_STR], public_url[SANTA_CONFIG_STR];
    uint32_t timeout_ms;
};
extern const struct santa_option santa_mail_rows[];
struct santa_mail_options santa_mail_flags_options(const struct santa_mail_flags *f);

struct santa_mailer;

/* Opens a mailer (and creates the Maildir's tmp/new/cur when that is the
 * target). SANTA_VALIDATION_FAILED with a sentence in err when the options
 * are unusable (a URL that is not smtp://), SANTA_UNAVAILABLE when the
 * Maildir cannot be created. */
enum santa_status santa_mailer_open(const struct santa_mail_options *o, struct santa_mailer **out,
                                    char *err, size_t errlen);

/* Sends one reminder. SANTA_OK once the SMTP server accepted it (250 after
 * DATA) or the Maildir file is durable in new/; SANTA_UNAVAILABLE when it may
 * work later (server down, timeout, 4xx), SANTA_VALIDATION_FAILED when it
 * never will (a 5xx, an address or field that cannot be put in a mail).
 * A reason goes to err. */
enum santa_status santa_mailer_send(struct santa_mailer *m, const struct santa_reminder *r,
                                    char *err, size_t errlen);

/* Closes the connection and frees the mailer (NULL is fine). */
void santa_mailer_close(struct santa_mailer *m);

/* Renders the whole mail (headers, blank line, body; CRLF line ends) into
 * buf. Returns its length, or 0 when a field cannot be put in a mail (a
 * control character, an address with <>, too long for SANTA_MAIL_MAX).
 * `now` is the Date: header's time (seconds since the epoch). */
size_t santa_reminder_compose(const struct santa_reminder *r, const char *public_url, long long now,
                              char *buf, size_t cap);

/* The sender address every reminder comes from. */
#define SANTA_MAIL_FROM "santa@santa-stack.invalid"

/* One process-wide libcurl set-up (curl_global_init); call from main()
 * before any thread. Returns 0 or -1. */
int santa_mail_global_init(void);

#endif /* SANTA_MAIL_H */
