/*
 * handlers_exchange.c - the exchange as a whole: create, view, draw, undraw,
 * reminders. The draw's logic lives in draw.c; here it is only asked for,
 * inside the store's transaction (draw_plan.h).
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "santa/token.h"
#include "validate.h"

void santa_ctx_put_exchange(struct santa_ctx *ctx, const struct santa_exchange *ex)
{
    struct santa_jb *jb = &ctx->out;
    santa_jb_str(jb, "id", ex->id);
    santa_jb_str(jb, "name", ex->name);
    santa_jb_str(jb, "budget", ex->budget);
    santa_jb_str(jb, "exchange_date", ex->exchange_date[0] ? ex->exchange_date : NULL);
    santa_jb_bool(jb, "no_mutual", ex->no_mutual);
    santa_jb_str(jb, "status", ex->drawn ? "drawn" : "open");
    santa_jb_uint(jb, "participant_count", ex->participant_count);
}

/* Reads the exchange of the path and writes its public view. */
static enum santa_status answer_exchange(struct santa_ctx *ctx)
{
    struct santa_exchange ex;
    enum santa_status st;
    st = SANTA_STORE(ctx)->ops->exchange_get(SANTA_STORE(ctx), ctx->id, &ctx->arena, &ex);
    if (st == SANTA_OK)
        santa_ctx_put_exchange(ctx, &ex);
    return st;
}

/* Routes that take no input accept an empty body or {} and nothing else. */
static enum santa_status no_input(struct santa_ctx *ctx)
{
    return santa_json_read_object(ctx->req->body, ctx->req->body_len, true, NULL, 0, &ctx->arena,
                                  &ctx->err);
}

static enum santa_status check_exchange_fields(struct santa_ctx *ctx, const char *name,
                                               size_t name_len, const struct santa_field *budget,
                                               size_t budget_len, const struct santa_field *date,
                                               size_t date_len)
{
    if (!santa_valid_name(name, name_len))
        return santa_ctx_invalid(ctx, "name",
                                 "name must be 1 to 100 characters without control characters");
    if (budget->present && !santa_valid_text(*budget->str_out, budget_len, SANTA_BUDGET_MAX_CHARS))
        return santa_ctx_invalid(ctx, "budget", "budget must be at most 100 characters");
    if (date->present && !santa_valid_date(*date->str_out, date_len))
        return santa_ctx_invalid(ctx, "exchange_date",
                                 "exchange_date must be a real date written YYYY-MM-DD");
    return SANTA_OK;
}

enum santa_status santa_h_exchange_create(struct santa_ctx *ctx)
{
    const char *name = NULL, *budget = NULL, *date = NULL;
    size_t name_len = 0, budget_len = 0, date_len = 0;
    bool no_mutual = false;
    struct santa_field fields[] = {
        {.name = "name", .type = SANTA_FIELD_STRING, .required = true, .str_out = &name,
         .len_out = &name_len},
        {.name = "budget", .type = SANTA_FIELD_STRING, .str_out = &budget, .len_out = &budget_len},
        {.name = "exchange_date", .type = SANTA_FIELD_STRING, .str_out = &date,
         .len_out = &date_len},
        {.name = "no_mutual", .type = SANTA_FIELD_BOOL, .bool_out = &no_mutual},
    };
    enum santa_status st = santa_json_read_object(ctx->req->body, ctx->req->body_len, false, fields,
                                                  4, &ctx->arena, &ctx->err);
    if (st != SANTA_OK)
        return st;
    st = check_exchange_fields(ctx, name, name_len, &fields[1], budget_len, &fields[2], date_len);
    if (st != SANTA_OK)
        return st;

    struct santa_exchange ex;
    memset(&ex, 0, sizeof ex);
    char admin_token[SANTA_TOKEN_LEN + 1], invite[SANTA_ID_LEN + 1];
    if (santa_id_new(ex.id) != SANTA_OK || santa_token_new(admin_token) != SANTA_OK ||
        santa_id_new(invite) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    ex.name = name;
    ex.budget = budget;
    if (date)
        memcpy(ex.exchange_date, date, SANTA_DATE_LEN + 1);
    ex.no_mutual = no_mutual;
    santa_secret_hash(admin_token, SANTA_TOKEN_LEN, &ex.admin_hash);
    santa_secret_hash(invite, SANTA_ID_LEN, &ex.invite_hash);

    /* The answer is complete before the write (a new exchange has no
     * participants), and rendered first: see santa_ctx_render_before_write. */
    santa_ctx_put_exchange(ctx, &ex);
    /* Shown once, here, and never again: only their hashes are stored. */
    santa_jb_str(&ctx->out, "admin_token", admin_token);
    santa_jb_str(&ctx->out, "invite_code", invite);
    st = santa_ctx_render_before_write(ctx);
    if (st != SANTA_OK)
        return st;
    st = SANTA_STORE(ctx)->ops->exchange_create(SANTA_STORE(ctx), &ex);
    if (st != SANTA_OK)
        return st;
    snprintf(ctx->resp->location, sizeof ctx->resp->location, "/api/exchanges/%s", ex.id);
    ctx->ok_status = 201;
    return SANTA_OK;
}

enum santa_status santa_h_exchange_get(struct santa_ctx *ctx)
{
    return answer_exchange(ctx);
}

enum santa_status santa_h_draw(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st == SANTA_OK)
        st = no_input(ctx);
    if (st != SANTA_OK)
        return st;
    struct santa_rng rng = ctx->app->rng;
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    if (plan == NULL)
        return SANTA_UNAVAILABLE;
    st = SANTA_STORE(ctx)->ops->draw(SANTA_STORE(ctx), ctx->id, plan);
    if (st == SANTA_DRAW_INFEASIBLE || st == SANTA_TOO_FEW_PARTICIPANTS) {
        const char *detail = santa_draw_plan_detail(plan);
        if (detail && detail[0])
            snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s", detail);
    }
    santa_draw_plan_free(plan);
    if (st != SANTA_OK)
        return st;
    return answer_exchange(ctx);
}

enum santa_status santa_h_undraw(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st != SANTA_OK)
        return st;
    st = SANTA_STORE(ctx)->ops->undraw(SANTA_STORE(ctx), ctx->id);
    if (st != SANTA_OK)
        return st;
    return answer_exchange(ctx);
}

enum santa_status santa_h_reminders(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st == SANTA_OK)
        st = no_input(ctx);
    if (st != SANTA_OK)
        return st;
    uint32_t queued = 0;
    st = SANTA_STORE(ctx)->ops->reminders_queue(SANTA_STORE(ctx), ctx->id, &queued);
    if (st != SANTA_OK)
        return st;
    santa_jb_uint(&ctx->out, "queued", queued);
    if (ctx->app->remind_now) {
        /* Stage 01: the mails go out now; a mail that fails is not fatal to
         * the answer (the rows stay in the outbox for santa-remind). */
        uint32_t sent = 0;
        if (queued > 0)
            ctx->app->remind_now(ctx->app->remind_ctx, ctx->id, &sent);
        santa_jb_uint(&ctx->out, "sent", sent);
    }
    ctx->ok_status = 202;
    return SANTA_OK;
}

enum santa_status santa_h_healthz(struct santa_ctx *ctx)
{
    santa_jb_str(&ctx->out, "status", "ok");
    return SANTA_OK;
}

enum santa_status santa_h_readyz(struct santa_ctx *ctx)
{
    enum santa_status st;
    st = SANTA_STORE(ctx)->ops->ping(SANTA_STORE(ctx));
    if (st != SANTA_OK) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s", "the store does not answer");
        return SANTA_UNAVAILABLE;
    }
    santa_jb_str(&ctx->out, "status", "ready");
    return SANTA_OK;
}
