/*
 * cache_codec.c - cached values to and from JSON (see cache_codec.h).
 *
 * The layout is private to this file: member names are short because they
 * are stored once per cached entry, and numbers travel as decimal strings
 * because json.h's strict reader takes strings and booleans only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_codec.h"
#include "santa/json.h"
#include "santa/token.h"

#define CODEC_VERSION "1"

/* Copies an id of exactly SANTA_ID_LEN characters (or "" when allow_empty). */
static bool take_id(char out[SANTA_ID_LEN + 1], const char *s, size_t len, bool allow_empty)
{
    if (len != SANTA_ID_LEN && !(allow_empty && len == 0))
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* ---- exchange: the public view plus the two hashes the API checks ---- */

char *cache_codec_exchange_encode(const struct santa_exchange *ex, size_t *len)
{
    char admin[2 * SANTA_HASH_LEN + 1], invite[2 * SANTA_HASH_LEN + 1], count[16];
    santa_hash_to_hex(&ex->admin_hash, admin);
    santa_hash_to_hex(&ex->invite_hash, invite);
    snprintf(count, sizeof count, "%u", ex->participant_count);
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "v", CODEC_VERSION);
    santa_jb_str(&jb, "id", ex->id);
    santa_jb_str(&jb, "n", ex->name);
    santa_jb_str(&jb, "b", ex->budget); /* null when unset */
    santa_jb_str(&jb, "d", ex->exchange_date);
    santa_jb_bool(&jb, "nm", ex->no_mutual);
    santa_jb_bool(&jb, "dr", ex->drawn);
    santa_jb_str(&jb, "c", count);
    santa_jb_str(&jb, "ah", admin);
    santa_jb_str(&jb, "ih", invite);
    return santa_jb_finish(&jb, len);
}

bool cache_codec_exchange_decode(const char *s, size_t len, struct santa_arena *a,
                                 struct santa_exchange *out)
{
    const char *v = NULL, *id = NULL, *date = NULL, *count = NULL, *admin = NULL, *invite = NULL;
    size_t id_len = 0, date_len = 0;
    memset(out, 0, sizeof *out);
    struct santa_field f[] = {
        {"v", SANTA_FIELD_STRING, true, &v, NULL, NULL, false},
        {"id", SANTA_FIELD_STRING, true, &id, &id_len, NULL, false},
        {"n", SANTA_FIELD_STRING, true, &out->name, NULL, NULL, false},
        {"b", SANTA_FIELD_STRING, false, &out->budget, NULL, NULL, false},
        {"d", SANTA_FIELD_STRING, true, &date, &date_len, NULL, false},
        {"nm", SANTA_FIELD_BOOL, true, NULL, NULL, &out->no_mutual, false},
        {"dr", SANTA_FIELD_BOOL, true, NULL, NULL, &out->drawn, false},
        {"c", SANTA_FIELD_STRING, true, &count, NULL, NULL, false},
        {"ah", SANTA_FIELD_STRING, true, &admin, NULL, NULL, false},
        {"ih", SANTA_FIELD_STRING, true, &invite, NULL, NULL, false},
    };
    struct santa_json_error err;
    if (santa_json_read_object(s, len, false, f, sizeof f / sizeof f[0], a, &err) != SANTA_OK)
        return false;
    if (strcmp(v, CODEC_VERSION) != 0 || !take_id(out->id, id, id_len, false) ||
        date_len > SANTA_DATE_LEN)
        return false;
    memcpy(out->exchange_date, date, date_len + 1);
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(count, &end, 10);
    if (count[0] < '0' || count[0] > '9' || *end != '\0' || errno != 0 || n > UINT32_MAX)
        return false;
    out->participant_count = (uint32_t)n;
    return santa_hash_from_hex(admin, &out->admin_hash) &&
           santa_hash_from_hex(invite, &out->invite_hash);
}

/* ---- principal: who a token hash stands for ---- */

char *cache_codec_principal_encode(const struct santa_principal *p, size_t *len)
{
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "v", CODEC_VERSION);
    santa_jb_str(&jb, "r", p->role == SANTA_ROLE_ADMIN ? "admin" : "participant");
    santa_jb_str(&jb, "x", p->exchange_id);
    santa_jb_str(&jb, "p", p->participant_id);
    return santa_jb_finish(&jb, len);
}

bool cache_codec_principal_decode(const char *s, size_t len, struct santa_arena *a,
                                  struct santa_principal *out)
{
    const char *v = NULL, *role = NULL, *ex = NULL, *pid = NULL;
    size_t ex_len = 0, pid_len = 0;
    memset(out, 0, sizeof *out);
    struct santa_field f[] = {
        {"v", SANTA_FIELD_STRING, true, &v, NULL, NULL, false},
        {"r", SANTA_FIELD_STRING, true, &role, NULL, NULL, false},
        {"x", SANTA_FIELD_STRING, true, &ex, &ex_len, NULL, false},
        {"p", SANTA_FIELD_STRING, true, &pid, &pid_len, NULL, false},
    };
    struct santa_json_error err;
    if (santa_json_read_object(s, len, false, f, sizeof f / sizeof f[0], a, &err) != SANTA_OK)
        return false;
    if (strcmp(v, CODEC_VERSION) != 0)
        return false;
    if (strcmp(role, "admin") == 0)
        out->role = SANTA_ROLE_ADMIN;
    else if (strcmp(role, "participant") == 0)
        out->role = SANTA_ROLE_PARTICIPANT;
    else
        return false;
    return take_id(out->exchange_id, ex, ex_len, false) &&
           take_id(out->participant_id, pid, pid_len, out->role == SANTA_ROLE_ADMIN);
}

/* ---- assignment: the giver and whom they give to ---- */
/* Version 2: without the recipient's wishlist, which has its own entry (a
 * version-1 value that still carries one decodes as a miss). */
#define ASSIGNMENT_VERSION "2"

char *cache_codec_assignment_encode(const struct santa_assignment *as, size_t *len)
{
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "v", ASSIGNMENT_VERSION);
    santa_jb_str(&jb, "g", as->giver_id);
    santa_jb_str(&jb, "gn", as->giver_name);
    santa_jb_str(&jb, "r", as->recipient_id);
    santa_jb_str(&jb, "rn", as->recipient_name);
    return santa_jb_finish(&jb, len);
}

bool cache_codec_assignment_decode(const char *s, size_t len, struct santa_arena *a,
                                   struct santa_assignment *out)
{
    const char *v = NULL, *g = NULL, *r = NULL;
    size_t g_len = 0, r_len = 0;
    memset(out, 0, sizeof *out);
    struct santa_field f[] = {
        {"v", SANTA_FIELD_STRING, true, &v, NULL, NULL, false},
        {"g", SANTA_FIELD_STRING, true, &g, &g_len, NULL, false},
        {"gn", SANTA_FIELD_STRING, true, &out->giver_name, NULL, NULL, false},
        {"r", SANTA_FIELD_STRING, true, &r, &r_len, NULL, false},
        {"rn", SANTA_FIELD_STRING, true, &out->recipient_name, NULL, NULL, false},
    };
    struct santa_json_error err;
    if (santa_json_read_object(s, len, false, f, sizeof f / sizeof f[0], a, &err) != SANTA_OK)
        return false;
    return strcmp(v, ASSIGNMENT_VERSION) == 0 && take_id(out->giver_id, g, g_len, false) &&
           take_id(out->recipient_id, r, r_len, false);
}

/* ---- wishlist: one participant's, as the reveal shows it to their giver ---- */

char *cache_codec_wishlist_encode(const char *wishlist, size_t *len)
{
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "v", CODEC_VERSION);
    if (wishlist)
        santa_jb_str(&jb, "w", wishlist);
    return santa_jb_finish(&jb, len);
}

bool cache_codec_wishlist_decode(const char *s, size_t len, struct santa_arena *a,
                                 const char **out)
{
    const char *v = NULL;
    *out = NULL;
    struct santa_field f[] = {
        {"v", SANTA_FIELD_STRING, true, &v, NULL, NULL, false},
        {"w", SANTA_FIELD_STRING, false, out, NULL, NULL, false},
    };
    struct santa_json_error err;
    if (santa_json_read_object(s, len, false, f, sizeof f / sizeof f[0], a, &err) != SANTA_OK)
        return false;
    return strcmp(v, CODEC_VERSION) == 0;
}
