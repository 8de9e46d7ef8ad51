/*
 * load_client.h - a small blocking HTTP/1.1 client for the set-up phase and the
 * /metrics scraper, where simplicity beats throughput.
 *
 * One struct load_client is one keep-alive connection to the target; it
 * reconnects by itself when the server closed it. Not thread-safe: one per
 * thread. Every call is bounded by the timeout given to load_client_init.
 */
#ifndef SANTA_LOAD_CLIENT_H
#define SANTA_LOAD_CLIENT_H

#include <netinet/in.h>
#include <stddef.h>

#include "load_http.h"

struct load_client {
    struct sockaddr_in addr;
    int fd;
    int timeout_ms;
    char *body;               /* the last answer's body (NUL-terminated), body_cap bytes */
    size_t body_cap;
    struct load_http_resp resp;
};

/* Allocates a body buffer of body_cap bytes. Returns 0 or -1. */
int load_client_init(struct load_client *c, const struct sockaddr_in *addr, size_t body_cap,
                     int timeout_ms);
void load_client_release(struct load_client *c);

/* Sends one request (already formatted, with Host and any body) and reads the
   whole answer into c->resp / c->body. Returns the status, or -1 on a network,
   timeout or parse failure (with errno-like detail lost: callers just retry or
   give up). A body longer than body_cap - 1 is cut. */
int load_client_do(struct load_client *c, const char *req, size_t len);

/* Connects once (and closes again): 0 when the server accepts connections,
   else -1 with errno set (ECONNREFUSED, ETIMEDOUT, ...). */
int load_client_probe(const struct sockaddr_in *addr, int timeout_ms);

#endif /* SANTA_LOAD_CLIENT_H */
