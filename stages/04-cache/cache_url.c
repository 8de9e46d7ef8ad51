/*
 * cache_url.c - parses --redis / SANTA_REDIS (see cache_url.h).
 */
#include "cache_url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHAPE "must be HOST:PORT, :PASSWORD@HOST:PORT or redis://:PASSWORD@HOST:PORT"

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies the password (n bytes at p) into out, decoding %XX when url. */
static bool take_password(const char *p, size_t n, bool url, char *out, char *err, size_t errlen)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (url && c == '%') {
            int hi = i + 2 < n ? hex_val(p[i + 1]) : -1;
            int lo = i + 2 < n ? hex_val(p[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "--redis: a %% in the password must start a %%XX escape");
                return false;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0' || c == '\r' || c == '\n' || w + 1 >= CACHE_URL_PASSWORD_MAX) {
            snprintf(err, errlen, "--redis: the password must be 1 to %d bytes without NUL, CR "
                                  "or LF",
                     CACHE_URL_PASSWORD_MAX - 1);
            return false;
        }
        out[w++] = c;
    }
    out[w] = '\0';
    if (w == 0) {
        snprintf(err, errlen, "--redis: the password after ':' is empty");
        return false;
    }
    return true;
}

/* A DNS name as RFC 1123 allows: letters, digits and '-' in dot-separated
 * labels, none empty, none starting or ending with '-' (a compose service
 * such as "redis"; hiredis resolves it at every connect). */
static bool dns_name(const char *h)
{
    size_t label = 0;
    char prev = '.';
    for (const char *p = h; *p; prev = *p++) {
        char c = *p;
        if (c == '.') {
            if (label == 0 || prev == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && prev != '-';
}

static bool take_hostport(const char *hp, struct cache_url *out, char *err, size_t errlen)
{
    const char *colon = strrchr(hp, ':');
    size_t hlen = colon ? (size_t)(colon - hp) : 0;
    struct in_addr addr;
    if (!colon || hlen == 0 || hlen >= sizeof out->host) {
        snprintf(err, errlen, "--redis '%s': " SHAPE, hp);
        return false;
    }
    memcpy(out->host, hp, hlen);
    out->host[hlen] = '\0';
    if (inet_pton(AF_INET, out->host, &addr) != 1 && !dns_name(out->host)) {
        snprintf(err, errlen, "--redis '%s': HOST must be an IPv4 address or a DNS name", hp);
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || errno || *end || port < 1 || port > 65535) {
        snprintf(err, errlen, "--redis '%s': PORT must be 1 to 65535", hp);
        return false;
    }
    out->port = (uint16_t)port;
    return true;
}

bool cache_url_parse(const char *s, struct cache_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bool url = strncmp(s, "redis://", 8) == 0;
    if (url)
        s += 8;
    /* The last '@' ends the password (which may itself hold '@' when escaped
     * or in the plain form). */
    const char *at = strrchr(s, '@');
    if (!at)
        return take_hostport(s, out, err, errlen);
    const char *colon = memchr(s, ':', (size_t)(at - s));
    size_t user = colon ? (size_t)(colon - s) : 0;
    if (!colon || (user != 0 && !(url && user == 7 && strncmp(s, "default", 7) == 0))) {
        snprintf(err, errlen, "--redis: " SHAPE " (no user name but 'default' in the URL form)");
        return false;
    }
    return take_password(colon + 1, (size_t)(at - colon - 1), url, out->password, err, errlen) &&
           take_hostport(at + 1, out, err, errlen);
}
