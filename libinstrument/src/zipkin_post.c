/*
 * zipkin_post.c - batches to POST /api/v2/spans through one reused libcurl
 * easy handle (keeps the connection open between batches).
 */
#include <stdlib.h>

#include <curl/curl.h>

#include "zipkin_post.h"

struct inst_zipkin_post {
    CURL *curl;
    struct curl_slist *headers;
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *user)
{
    (void)ptr;
    (void)user;
    return size * nmemb;
}

struct inst_zipkin_post *inst_zipkin_post_open(const char *url)
{
    struct inst_zipkin_post *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->curl = curl_easy_init();
    p->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (p->curl == NULL || p->headers == NULL) {
        inst_zipkin_post_close(p);
        return NULL;
    }
    curl_easy_setopt(p->curl, CURLOPT_URL, url);
    curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->headers);
    curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
    return p;
}

bool inst_zipkin_post_send(struct inst_zipkin_post *p, const char *body, size_t len)
{
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    if (curl_easy_perform(p->curl) != CURLE_OK)
        return false;
    long code = 0;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
    return code >= 200 && code < 300;
}

void inst_zipkin_post_close(struct inst_zipkin_post *p)
{
    if (p == NULL)
        return;
    curl_slist_free_all(p->headers);
    if (p->curl)
        curl_easy_cleanup(p->curl);
    free(p);
}
