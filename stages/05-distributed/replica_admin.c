/*
 * replica_admin.c - the admin routes, served on the admin listener only
 * (replica.h). They are the operator's, never the public's: the listener
 * binds loopback, and HAProxy's public frontend refuses /admin/ as well.
 *
 *   POST /admin/drain   202: draining starts (as SIGTERM); again: 202, same
 *   GET  /admin/status  200: {"replica":NAME,"draining":BOOL}
 */
#include <stdio.h>
#include <string.h>

#include "replica.h"
#include "santa/alloc.h"
#include "santa/stage.h"

static void json_answer(struct santa_response *resp, int status, const char *body)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = santa_strdup(body);
    resp->body_len = resp->body ? strlen(body) : 0;
    if (resp->body == NULL)
        santa_api_problem(resp, SANTA_UNAVAILABLE, "out of memory");
}

static void status_answer(struct replica *r, struct santa_response *resp, int status)
{
    char body[128];
    snprintf(body, sizeof body, "{\"replica\":\"%s\",\"draining\":%s}", replica_name(r),
             replica_draining(r) ? "true" : "false");
    json_answer(resp, status, body);
}

void replica_admin_handle(void *ctx, const struct santa_request *req,
                          struct santa_response *resp)
{
    struct replica *r = ctx;
    memset(resp, 0, sizeof *resp);
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (strcmp(req->path, "/admin/drain") == 0 && post) {
        if (replica_begin_drain(r))
            santa_stage_request_stop(); /* the same orderly stop as SIGTERM */
        status_answer(r, resp, 202);
    } else if (strcmp(req->path, "/admin/status") == 0 && get) {
        status_answer(r, resp, 200);
    } else {
        santa_api_problem(resp, SANTA_NOT_FOUND,
                          "admin routes: POST /admin/drain, GET /admin/status");
    }
}
