/*
 * handlers_participant.c - joining, listing, removing participants, their
 * wishlists, exclusions between them, and each one's own assignment.
 *
 * Secrecy rules applied here: the organizer may list and remove people and
 * set exclusions, but never read an assignment (organizers who can see
 * every pair is a top complaint of real users); a participant reads only
 * their own assignment and edits only their own wishlist.
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "santa/token.h"
#include "validate.h"

static enum santa_status check_join(struct santa_ctx *ctx, const char *name, size_t name_len,
                                    const char *email, size_t email_len, const char *wishlist,
                                    size_t wishlist_len)
{
    if (!santa_valid_name(name, name_len))
        return santa_ctx_invalid(ctx, "name",
                                 "name must be 1 to 100 characters without control characters");
    if (!santa_valid_email(email, email_len))
        return santa_ctx_invalid(ctx, "email",
                                 "email must look like name@example.org (at most 254 characters)");
    if (wishlist && !santa_valid_text(wishlist, wishlist_len, SANTA_WISHLIST_MAX_CHARS))
        return santa_ctx_invalid(ctx, "wishlist", "wishlist must be at most 2000 characters");
    return SANTA_OK;
}

enum santa_status santa_h_participant_join(struct santa_ctx *ctx)
{
    const char *invite = NULL, *name = NULL, *email = NULL, *wishlist = NULL;
    size_t invite_len = 0, name_len = 0, email_len = 0, wishlist_len = 0;
    struct santa_field fields[] = {
        {.name = "invite_code", .type = SANTA_FIELD_STRING, .required = true, .str_out = &invite,
         .len_out = &invite_len},
        {.name = "name", .type = SANTA_FIELD_STRING, .required = true, .str_out = &name,
         .len_out = &name_len},
        {.name = "email", .type = SANTA_FIELD_STRING, .required = true, .str_out = &email,
         .len_out = &email_len},
        {.name = "wishlist", .type = SANTA_FIELD_STRING, .str_out = &wishlist,
         .len_out = &wishlist_len},
    };
    enum santa_status st = santa_json_read_object(ctx->req->body, ctx->req->body_len, false, fields,
                                                  4, &ctx->arena, &ctx->err);
    if (st == SANTA_OK)
        st = check_join(ctx, name, name_len, email, email_len, wishlist, wishlist_len);
    if (st != SANTA_OK)
        return st;

    struct santa_exchange ex;
    st = SANTA_STORE(ctx)->ops->exchange_get(SANTA_STORE(ctx), ctx->id, &ctx->arena, &ex);
    if (st != SANTA_OK)
        return st;
    struct santa_hash given;
    santa_secret_hash(invite, invite_len, &given);
    if (!santa_hash_equal(&given, &ex.invite_hash)) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "this invite code does not open this exchange");
        return SANTA_BAD_INVITE;
    }

    struct santa_participant p;
    memset(&p, 0, sizeof p);
    char token[SANTA_TOKEN_LEN + 1];
    if (santa_id_new(p.id) != SANTA_OK || santa_token_new(token) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    memcpy(p.exchange_id, ctx->id, sizeof p.exchange_id);
    p.name = name;
    p.email = email;
    p.email_key = santa_email_key(&ctx->arena, email, email_len);
    p.wishlist = wishlist ? wishlist : "";
    if (p.email_key == NULL)
        return SANTA_UNAVAILABLE;
    santa_secret_hash(token, SANTA_TOKEN_LEN, &p.token_hash);
    santa_jb_str(&ctx->out, "id", p.id);
    santa_jb_str(&ctx->out, "name", p.name);
    santa_jb_str(&ctx->out, "token", token); /* shown once, stored as a hash */
    st = santa_ctx_render_before_write(ctx);
    if (st != SANTA_OK)
        return st;
    st = SANTA_STORE(ctx)->ops->participant_add(SANTA_STORE(ctx), &p, SANTA_MAX_PARTICIPANTS);
    if (st != SANTA_OK)
        return st;
    snprintf(ctx->resp->location, sizeof ctx->resp->location,
             "/api/exchanges/%s/participants/%s", ctx->id, p.id);
    ctx->ok_status = 201;
    return SANTA_OK;
}

/* limit=N&cursor=C, both optional; anything else in the query is ignored. */
static enum santa_status parse_page_query(struct santa_ctx *ctx, uint32_t *limit,
                                          uint64_t *after)
{
    *limit = SANTA_PAGE_DEFAULT;
    *after = 0;
    const char *q = ctx->req->query;
    while (q && *q) {
        size_t n = strcspn(q, "&");
        if (n > 6 && strncmp(q, "limit=", 6) == 0) {
            uint32_t v = 0;
            for (size_t i = 6; i < n; i++) {
                if (q[i] < '0' || q[i] > '9' || v > SANTA_PAGE_MAX)
                    return santa_ctx_invalid(ctx, "limit", "limit must be 1 to 1000");
                v = v * 10 + (uint32_t)(q[i] - '0');
            }
            if (v < 1 || v > SANTA_PAGE_MAX)
                return santa_ctx_invalid(ctx, "limit", "limit must be 1 to 1000");
            *limit = v;
        } else if (n >= 7 && strncmp(q, "cursor=", 7) == 0) {
            if (!santa_cursor_decode(q + 7, n - 7, after))
                return santa_ctx_invalid(ctx, "cursor",
                                         "cursor must be a next_cursor this API returned");
        } else if (n >= 6 && strncmp(q, "limit=", 6) == 0) {
            return santa_ctx_invalid(ctx, "limit", "limit must be 1 to 1000");
        }
        q += n;
        if (*q == '&')
            q++;
    }
    return SANTA_OK;
}

/* What one page may hold, whatever `limit` says: rows are read from the
 * store in chunks of PAGE_CHUNK into a scratch arena freed after each chunk,
 * and the page ends early (with a next_cursor) once its text passed
 * PAGE_TEXT_BUDGET bytes. So one request holds at most about a chunk of
 * rows plus a budget of answer, not 1000 rows of 8 KB wishlists several
 * times over (the store's copy, the JSON tree, the rendered text). */
#define PAGE_CHUNK 100u
#define PAGE_TEXT_BUDGET (1u << 20)
#define PAGE_CHUNK_ARENA (4u << 20) /* 100 rows of maximal text fit */

static void page_item(struct santa_jb *jb, const struct santa_participant *p)
{
    santa_jb_begin_object(jb, NULL);
    santa_jb_str(jb, "id", p->id);
    santa_jb_str(jb, "name", p->name);
    santa_jb_str(jb, "email", p->email);
    santa_jb_str(jb, "wishlist", p->wishlist);
    santa_jb_end(jb);
}

/* Appends up to `limit` participants after *after to the open array; sets
 * *next to the last one's seq when more follow (0 when none do). */
static enum santa_status page_fill(struct santa_ctx *ctx, uint64_t after, uint32_t limit,
                                   uint64_t *next)
{
    size_t text = 0;
    uint32_t taken = 0;
    *next = 0;
    for (;;) {
        uint32_t want = limit - taken < PAGE_CHUNK ? limit - taken : PAGE_CHUNK;
        struct santa_arena chunk;
        struct santa_participant_page page;
        enum santa_status st;
        santa_arena_init(&chunk, PAGE_CHUNK_ARENA);
        st = SANTA_STORE(ctx)->ops->participant_list(SANTA_STORE(ctx), ctx->id, after, want,
                                                     &chunk, &page);
        uint32_t i = 0;
        for (; st == SANTA_OK && i < page.count && text < PAGE_TEXT_BUDGET; i++) {
            const struct santa_participant *p = &page.items[i];
            page_item(&ctx->out, p);
            text += strlen(p->name) + strlen(p->email) + strlen(p->wishlist);
            after = p->seq;
            taken++;
        }
        bool more = st == SANTA_OK && (i < page.count || page.next_seq != 0);
        santa_arena_release(&chunk);
        if (st != SANTA_OK)
            return st;
        if (!more)
            return SANTA_OK;
        if (taken == limit || text >= PAGE_TEXT_BUDGET) {
            *next = after;
            return SANTA_OK;
        }
    }
}

enum santa_status santa_h_participant_list(struct santa_ctx *ctx)
{
    struct santa_principal who;
    uint32_t limit;
    uint64_t after, next;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st == SANTA_OK)
        st = parse_page_query(ctx, &limit, &after);
    if (st != SANTA_OK)
        return st;
    struct santa_jb *jb = &ctx->out;
    santa_jb_begin_array(jb, "participants");
    st = page_fill(ctx, after, limit, &next);
    if (st != SANTA_OK)
        return st;
    santa_jb_end(jb);
    if (next) {
        char cursor[SANTA_CURSOR_LEN + 1];
        santa_cursor_encode(next, cursor);
        santa_jb_str(jb, "next_cursor", cursor);
    } else {
        santa_jb_null(jb, "next_cursor");
    }
    return SANTA_OK;
}

enum santa_status santa_h_participant_delete(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st != SANTA_OK)
        return st;
    st = SANTA_STORE(ctx)->ops->participant_remove(SANTA_STORE(ctx), ctx->id, ctx->pid);
    if (st != SANTA_OK)
        return st;
    ctx->ok_status = 204;
    ctx->has_out = false;
    return SANTA_OK;
}

enum santa_status santa_h_wishlist_put(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, false, &who);
    if (st != SANTA_OK)
        return st;
    if (who.role == SANTA_ROLE_PARTICIPANT && strcmp(who.participant_id, ctx->pid) != 0) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "a participant may change only their own wishlist");
        return SANTA_FORBIDDEN;
    }
    const char *wishlist = NULL;
    size_t len = 0;
    struct santa_field fields[] = {
        {.name = "wishlist", .type = SANTA_FIELD_STRING, .required = true, .str_out = &wishlist,
         .len_out = &len},
    };
    st = santa_json_read_object(ctx->req->body, ctx->req->body_len, false, fields, 1, &ctx->arena,
                                &ctx->err);
    if (st != SANTA_OK)
        return st;
    if (!santa_valid_text(wishlist, len, SANTA_WISHLIST_MAX_CHARS))
        return santa_ctx_invalid(ctx, "wishlist", "wishlist must be at most 2000 characters");
    st = SANTA_STORE(ctx)->ops->wishlist_set(SANTA_STORE(ctx), ctx->id, ctx->pid, wishlist);
    if (st != SANTA_OK)
        return st;
    struct santa_participant p;
    st = SANTA_STORE(ctx)->ops->participant_get(SANTA_STORE(ctx), ctx->id, ctx->pid, &ctx->arena,
                                                &p);
    if (st != SANTA_OK)
        return st;
    santa_jb_str(&ctx->out, "id", p.id);
    santa_jb_str(&ctx->out, "name", p.name);
    santa_jb_str(&ctx->out, "wishlist", p.wishlist);
    return SANTA_OK;
}

enum santa_status santa_h_exclusion_add(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, true, &who);
    if (st != SANTA_OK)
        return st;
    const char *giver = NULL, *receiver = NULL;
    size_t giver_len = 0, receiver_len = 0;
    bool mutual = false;
    struct santa_field fields[] = {
        {.name = "giver", .type = SANTA_FIELD_STRING, .required = true, .str_out = &giver,
         .len_out = &giver_len},
        {.name = "receiver", .type = SANTA_FIELD_STRING, .required = true, .str_out = &receiver,
         .len_out = &receiver_len},
        {.name = "mutual", .type = SANTA_FIELD_BOOL, .bool_out = &mutual},
    };
    st = santa_json_read_object(ctx->req->body, ctx->req->body_len, false, fields, 3, &ctx->arena,
                                &ctx->err);
    if (st != SANTA_OK)
        return st;
    /* An id of the wrong shape cannot exist in this exchange: 404 as for any
     * unknown id, without asking the store. */
    if (!santa_id_valid(giver, giver_len) || !santa_id_valid(receiver, receiver_len)) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "giver and receiver must be participants of this exchange");
        return SANTA_NOT_FOUND;
    }
    if (strcmp(giver, receiver) == 0)
        return santa_ctx_invalid(ctx, "receiver", "nobody gives to themselves anyway");
    st = SANTA_STORE(ctx)->ops->exclusion_add(SANTA_STORE(ctx), ctx->id, giver, receiver, mutual);
    if (st != SANTA_OK)
        return st;
    santa_jb_str(&ctx->out, "giver", giver);
    santa_jb_str(&ctx->out, "receiver", receiver);
    santa_jb_bool(&ctx->out, "mutual", mutual);
    ctx->ok_status = 201;
    return SANTA_OK;
}

enum santa_status santa_h_assignment_get(struct santa_ctx *ctx)
{
    struct santa_principal who;
    enum santa_status st = santa_ctx_auth(ctx, false, &who);
    if (st != SANTA_OK)
        return st;
    if (who.role != SANTA_ROLE_PARTICIPANT) {
        snprintf(ctx->err.detail, sizeof ctx->err.detail, "%s",
                 "only a participant sees an assignment, and only their own");
        return SANTA_FORBIDDEN;
    }
    struct santa_assignment a;
    st = SANTA_STORE(ctx)->ops->assignment_get(SANTA_STORE(ctx), ctx->id, who.participant_id,
                                               &ctx->arena, &a);
    if (st != SANTA_OK)
        return st;
    struct santa_jb *jb = &ctx->out;
    santa_jb_begin_object(jb, "giver");
    santa_jb_str(jb, "id", a.giver_id);
    santa_jb_str(jb, "name", a.giver_name);
    santa_jb_end(jb);
    santa_jb_begin_object(jb, "recipient");
    santa_jb_str(jb, "id", a.recipient_id);
    santa_jb_str(jb, "name", a.recipient_name);
    santa_jb_str(jb, "wishlist", a.recipient_wishlist);
    santa_jb_end(jb);
    return SANTA_OK;
}
