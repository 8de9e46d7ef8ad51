/*
 * validate.c - API.md's content rules (see validate.h).
 */
#include <string.h>

#include "santa/model.h"
#include "validate.h"

size_t santa_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) /* not a continuation byte */
            n++;
    return n;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return true;
    }
    return false;
}

bool santa_valid_name(const char *s, size_t len)
{
    size_t chars = santa_utf8_chars(s, len);
    if (chars < 1 || chars > SANTA_NAME_MAX_CHARS || has_control(s, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ')
            return true;
    return false; /* only blanks: nobody can tell who that is */
}

bool santa_valid_email(const char *s, size_t len)
{
    if (santa_utf8_chars(s, len) > SANTA_EMAIL_MAX_CHARS || has_control(s, len))
        return false;
    const char *at = memchr(s, '@', len);
    if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL)
        return false;
    size_t local = (size_t)(at - s), domain = len - local - 1;
    if (local < 1 || local > 64 || domain < 3)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ' ')
            return false;
    const char *d = at + 1;
    const char *dot = memchr(d, '.', domain);
    /* a dot inside the domain, neither first nor last */
    return dot != NULL && dot != d && d[domain - 1] != '.';
}

static int two_digits(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

bool santa_valid_date(const char *s, size_t len)
{
    if (len != SANTA_DATE_LEN || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int year = two_digits(s) * 100 + two_digits(s + 2);
    int month = two_digits(s + 5), day = two_digits(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= max;
}

bool santa_valid_text(const char *s, size_t len, size_t max_chars)
{
    return santa_utf8_chars(s, len) <= max_chars;
}

char *santa_email_key(struct santa_arena *a, const char *email, size_t len)
{
    char *key = santa_arena_strndup(a, email, len);
    if (key == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (key[i] >= 'A' && key[i] <= 'Z')
            key[i] = (char)(key[i] - 'A' + 'a');
    return key;
}
