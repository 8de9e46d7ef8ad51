/*
 * test_mail.c - what a reminder contains (mail_compose.c), byte for byte
 * where it matters: the fields it names, encoded headers, what it refuses
 * (header injection, odd addresses), and the worker's backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "santa/mail.h"
#include "santa/worker.h"

static const struct santa_reminder base = {
    .exchange_id = "AAAAAAAAAAAAAAAAAAAAAA",
    .exchange_name = "Office 2026",
    .budget = "25 EUR",
    .exchange_date = "2026-12-24",
    .to_name = "Ann",
    .to_email = "ann@example.org",
    .message_key = "reminder.42.AAAAAAAAAAAAAAAAAAAAAA",
};

static size_t compose(const struct santa_reminder *r, const char *url, char *buf, size_t cap)
{
    return santa_reminder_compose(r, url, 1798070400 /* 2026-12-24 */, buf, cap);
}

static void test_names_everything(void **state)
{
    (void)state;
    char buf[SANTA_MAIL_MAX];
    size_t n = compose(&base, "https://santa.example.org/", buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(strlen(buf), n);
    assert_non_null(strstr(buf, "To: \"Ann\" <ann@example.org>\r\n"));
    assert_non_null(strstr(buf, "Subject: Secret Santa reminder: Office 2026\r\n"));
    assert_non_null(strstr(buf, "Date: Thu, 24 Dec 2026 00:00:00 +0000\r\n"));
    assert_non_null(
        strstr(buf, "Message-ID: <reminder.42.AAAAAAAAAAAAAAAAAAAAAA@santa-stack.invalid>\r\n"));
    assert_non_null(strstr(buf, "X-Santa-Exchange: AAAAAAAAAAAAAAAAAAAAAA\r\n"));
    assert_non_null(strstr(buf, "Date:     2026-12-24\r\n"));
    assert_non_null(strstr(buf, "Budget:   25 EUR\r\n"));
    /* one slash between the base URL and the path, whatever the base ends with */
    assert_non_null(strstr(buf, "Page:     https://santa.example.org/api/exchanges/"
                                "AAAAAAAAAAAAAAAAAAAAAA\r\n"));
    /* headers end at the first blank line, and every line ends in CRLF */
    assert_non_null(strstr(buf, "8bit\r\n\r\nHello Ann,"));
    for (const char *p = buf; (p = strchr(p, '\n')); p++)
        assert_int_equal(p[-1], '\r');
}

static void test_optional_fields(void **state)
{
    (void)state;
    struct santa_reminder r = base;
    r.budget = NULL;
    r.exchange_date = "";
    char buf[SANTA_MAIL_MAX];
    assert_true(compose(&r, NULL, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "Date:     not set\r\n"));
    assert_non_null(strstr(buf, "Budget:   not set\r\n"));
    assert_null(strstr(buf, "Page:"));
}

static void test_non_ascii_headers_are_encoded(void **state)
{
    (void)state;
    struct santa_reminder r = base;
    r.to_name = "Zoë \"Z\" Ünal";
    /* 100 two-byte characters: several encoded words, none split mid-character */
    char name[201];
    for (int i = 0; i < 100; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[200] = '\0';
    r.exchange_name = name;
    char buf[SANTA_MAIL_MAX];
    assert_true(compose(&r, NULL, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "To:\r\n =?UTF-8?B?"));
    assert_non_null(strstr(buf, "Subject:\r\n =?UTF-8?B?"));
    /* folded: no header line longer than 78 columns before the body */
    const char *body = strstr(buf, "\r\n\r\n");
    for (const char *line = buf; line < body;) {
        const char *end = strstr(line, "\r\n");
        assert_true(end - line <= 78 || strncmp(line, "Message-ID", 10) == 0);
        line = end + 2;
    }
    /* the body carries the text itself, in UTF-8 */
    assert_non_null(strstr(body, name));
}

static void test_refuses_injection_and_bad_addresses(void **state)
{
    (void)state;
    char buf[SANTA_MAIL_MAX];
    struct santa_reminder r = base;
    r.to_name = "Ann\r\nBcc: everyone@example.org";
    assert_int_equal(compose(&r, NULL, buf, sizeof buf), 0);
    r = base;
    r.exchange_name = "x\nSubject: spoof";
    assert_int_equal(compose(&r, NULL, buf, sizeof buf), 0);
    const char *bad[] = {"ann@example.org>, <eve@example.org", "no-at-sign", "a@b@c",
                         "sp ace@example.org", "ann@example.org\r\nRCPT TO:<x@y>", "<a@b.c>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = base;
        r.to_email = bad[i];
        assert_int_equal(compose(&r, NULL, buf, sizeof buf), 0);
    }
    r = base;
    r.message_key = "reminder 1"; /* a space would end the Message-ID */
    assert_int_equal(compose(&r, NULL, buf, sizeof buf), 0);
    /* too small a buffer: 0, never a truncated mail */
    assert_int_equal(compose(&base, NULL, buf, 100), 0);
}

static void test_mailer_refuses_bad_urls(void **state)
{
    (void)state;
    const char *bad[] = {"http://127.0.0.1:25", "smtp://", "smtp://127.0.0.1:",
                         "smtp://127.0.0.1:x25", "smtp://127.0.0.1:70000", "smtp://:25"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct santa_mail_options o = {.smtp_url = bad[i]};
        struct santa_mailer *m = NULL;
        char err[256];
        assert_int_equal(santa_mailer_open(&o, &m, err, sizeof err), SANTA_VALIDATION_FAILED);
        assert_null(m);
    }
    struct santa_mail_options o = {.smtp_url = "smtp://127.0.0.1:2525"};
    struct santa_mailer *m = NULL;
    char err[256];
    assert_int_equal(santa_mailer_open(&o, &m, err, sizeof err), SANTA_OK);
    santa_mailer_close(m);
}

static void test_backoff_doubles_to_the_cap(void **state)
{
    (void)state;
    struct santa_worker_config c = {.backoff_ms = 500, .backoff_max_ms = 5000};
    assert_int_equal(santa_worker_backoff(&c, 1), 500);
    assert_int_equal(santa_worker_backoff(&c, 2), 1000);
    assert_int_equal(santa_worker_backoff(&c, 4), 4000);
    assert_int_equal(santa_worker_backoff(&c, 5), 5000);
    assert_int_equal(santa_worker_backoff(&c, 1000), 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_everything),
        cmocka_unit_test(test_optional_fields),
        cmocka_unit_test(test_non_ascii_headers_are_encoded),
        cmocka_unit_test(test_refuses_injection_and_bad_addresses),
        cmocka_unit_test(test_mailer_refuses_bad_urls),
        cmocka_unit_test(test_backoff_doubles_to_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
