/*
 * cache_url.h - the --redis / SANTA_REDIS value of stage 04.
 *
 * Accepted forms (the first is the old one and still works):
 *   HOST:PORT                      127.0.0.1:6379, no password
 *   :PASSWORD@HOST:PORT            the password Redis asks for (requirepass)
 *   redis://[USER]:PASSWORD@HOST:PORT   as redis-cli -u takes it; USER empty
 *                                  or "default"; %XX escapes in the password
 * HOST is an IPv4 address or a DNS name (a compose service such as "redis",
 * resolved at every connect). Give the password through the environment
 * (SANTA_REDIS), not the command line, where `ps` shows it to every user.
 * Messages about a bad value never repeat the password.
 */
#ifndef SANTA_CACHE_URL_H
#define SANTA_CACHE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_URL_PASSWORD_MAX 128

struct cache_url {
    char host[64];
    uint16_t port;
    char password[CACHE_URL_PASSWORD_MAX]; /* "" when none */
};

/* false with a message in err (no password in it) when s is malformed. */
bool cache_url_parse(const char *s, struct cache_url *out, char *err, size_t errlen);

#endif /* SANTA_CACHE_URL_H */
