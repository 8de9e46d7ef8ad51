/*
 * mail_compose.c - one reminder as an RFC 5322 message (see mail.h).
 *
 * Pure: no I/O, no clock (the Date is given), so it is unit-tested byte for
 * byte. Header values that are not plain ASCII go out as RFC 2047 encoded
 * words (base64, split on character boundaries so no word passes 75
 * columns); the body is UTF-8 in 8bit, which every SMTP server in use takes
 * (and libcurl dot-stuffs it).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "santa/mail.h"

struct out {
    char *p;
    size_t len, cap;
    bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->overflow || n >= o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->overflow = true;
    else
        o->len += (size_t)n;
}

/* Text that may go into a mail at all: no control characters (a CR or LF
 * would start a new header: header injection), bounded. */
static bool clean_text(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

static bool is_ascii(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c >= 0x80)
            return false;
    return true;
}

/* An address we can put between <> and into RCPT TO: printable ASCII, one
 * '@', no space, no <>, quotes, commas or backslashes. */
static bool clean_address(const char *s)
{
    int at = 0;
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++, n++) {
        if (*c <= 0x20 || *c >= 0x7f || strchr("<>\"(),;:\\[]", *c))
            return false;
        at += *c == '@';
    }
    return at == 1 && n >= 3 && n <= 254;
}

static bool clean_key(const char *s)
{
    if (!*s || strlen(s) > 150)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '-' || *c == '_'))
            return false;
    return true;
}

/* RFC 2047 words of at most 45 input bytes (60 base64 characters + 12),
 * never splitting a UTF-8 sequence; each on a folded line of its own
 * (CRLF SP before every word), so no line passes 76 columns. */
static void put_encoded_words(struct out *o, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t take = n - i < 45 ? n - i : 45;
        while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--; /* the next byte continues a character: stop before it */
        char b64[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        putf(o, "\r\n =?UTF-8?B?%s?=", b64);
        i += take;
    }
}

/* A header value after "Name:": " value" when plain ASCII, else folded
 * encoded words. */
static void put_header_text(struct out *o, const char *s)
{
    if (is_ascii(s) && strlen(s) <= 900) {
        put(o, " ", 1);
        puts_(o, s);
    } else
        put_encoded_words(o, s);
}

/* The display name after "To:", quoted when ASCII (it may hold commas). */
static void put_display_name(struct out *o, const char *s)
{
    if (!is_ascii(s)) {
        put_encoded_words(o, s);
        return;
    }
    put(o, " \"", 2);
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            put(o, "\\", 1);
        put(o, c, 1);
    }
    put(o, "\"", 1);
}

size_t santa_reminder_compose(const struct santa_reminder *r, const char *public_url, long long now,
                              char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    const char *budget = r->budget && *r->budget ? r->budget : NULL;
    const char *date = r->exchange_date && *r->exchange_date ? r->exchange_date : NULL;
    const char *url = public_url && *public_url ? public_url : NULL;
    if (!r->exchange_id || !r->exchange_name || !r->to_name || !r->to_email || !r->message_key ||
        !clean_text(r->exchange_id) || !clean_text(r->exchange_name) ||
        !clean_text(r->to_name) || (budget && !clean_text(budget)) ||
        (date && !clean_text(date)) || (url && !clean_text(url)) ||
        !clean_address(r->to_email) || !clean_key(r->message_key))
        return 0;

    struct out o = {buf, 0, cap, false};
    char when[64];
    struct tm tm;
    time_t t = (time_t)now;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S +0000", &tm);

    putf(&o, "From: Secret Santa <%s>\r\n", SANTA_MAIL_FROM);
    puts_(&o, "To:");
    put_display_name(&o, r->to_name);
    putf(&o, " <%s>\r\n", r->to_email);
    char subject[512];
    snprintf(subject, sizeof subject, "Secret Santa reminder: %s", r->exchange_name);
    puts_(&o, "Subject:");
    put_header_text(&o, subject);
    putf(&o, "\r\nDate: %s\r\n", when);
    putf(&o, "Message-ID: <%s@santa-stack.invalid>\r\n", r->message_key);
    putf(&o, "X-Santa-Exchange: %s\r\n", r->exchange_id);
    puts_(&o, "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=UTF-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n"
              "\r\n");
    putf(&o, "Hello %s,\r\n\r\n", r->to_name);
    putf(&o, "this is a reminder for the Secret Santa exchange \"%s\".\r\n\r\n",
         r->exchange_name);
    putf(&o, "Exchange: %s\r\n", r->exchange_id);
    putf(&o, "Date:     %s\r\n", date ? date : "not set");
    putf(&o, "Budget:   %s\r\n", budget ? budget : "not set");
    if (url) {
        size_t ul = strlen(url);
        const char *slash = ul > 0 && url[ul - 1] == '/' ? "" : "/";
        putf(&o, "Page:     %s%sapi/exchanges/%s\r\n", url, slash, r->exchange_id);
    }
    puts_(&o, "\r\nYour personal link and token were shown to you once, when you joined;\r\n"
              "this mail does not contain them.\r\n");
    return o.overflow ? 0 : o.len;
}
