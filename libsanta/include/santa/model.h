/*
 * model.h - the domain of santa-stack: exchanges, participants, exclusions,
 * assignments, and the principal a bearer token stands for.
 *
 * These are plain value structs. Fixed-size fields hold ids and digests; the
 * free-text fields (name, budget, email, wishlist) are pointers into an arena
 * (arena.h) or into the caller's memory, and a struct never owns them: whoever
 * owns the arena owns the text.
 *
 * Ids are 128 random bits in base64url (22 characters); tokens are 256 random
 * bits (43 characters). Only the SHA-256 of a token or invite code is ever
 * handed to a store.
 */
#ifndef SANTA_MODEL_H
#define SANTA_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Limits from docs/API.md. Lengths of text are in Unicode code points. */
#define SANTA_NAME_MAX_CHARS 100
#define SANTA_BUDGET_MAX_CHARS 100
#define SANTA_EMAIL_MAX_CHARS 254
#define SANTA_WISHLIST_MAX_CHARS 2000
#define SANTA_MAX_PARTICIPANTS 100000u
#define SANTA_BODY_MAX 65536u
#define SANTA_PAGE_DEFAULT 100u
#define SANTA_PAGE_MAX 1000u
#define SANTA_MIN_DRAW 3u

#define SANTA_ID_LEN 22     /* base64url of 16 random bytes */
#define SANTA_TOKEN_LEN 43  /* base64url of 32 random bytes */
#define SANTA_HASH_LEN 32   /* SHA-256 */
#define SANTA_DATE_LEN 10   /* YYYY-MM-DD */

/* A SHA-256 digest of a secret (admin token, participant token, invite code). */
struct santa_hash {
    uint8_t b[SANTA_HASH_LEN];
};

struct santa_exchange {
    char id[SANTA_ID_LEN + 1];
    const char *name;
    const char *budget;                       /* NULL when not set */
    char exchange_date[SANTA_DATE_LEN + 1];   /* "" when not set */
    bool no_mutual;
    bool drawn;
    uint32_t participant_count;               /* filled by reads, ignored on create */
    struct santa_hash admin_hash;
    struct santa_hash invite_hash;
};

struct santa_participant {
    char id[SANTA_ID_LEN + 1];
    char exchange_id[SANTA_ID_LEN + 1];
    const char *name;
    const char *email;
    const char *email_key;    /* ASCII-lowercased email: what uniqueness is judged on */
    const char *wishlist;     /* "" when not set, never NULL */
    struct santa_hash token_hash;
    uint64_t seq;             /* join order; assigned by the store, ascending */
};

/* One page of participants in join order. next_seq == 0 means "no more". */
struct santa_participant_page {
    struct santa_participant *items; /* arena memory */
    uint32_t count;
    uint64_t next_seq;
};

enum santa_role { SANTA_ROLE_ADMIN = 1, SANTA_ROLE_PARTICIPANT = 2 };

/* Who a bearer token stands for. participant_id is "" for the organizer. */
struct santa_principal {
    enum santa_role role;
    char exchange_id[SANTA_ID_LEN + 1];
    char participant_id[SANTA_ID_LEN + 1];
};

/* What GET /assignment answers: the giver and whom they give to. */
struct santa_assignment {
    char giver_id[SANTA_ID_LEN + 1];
    const char *giver_name;
    char recipient_id[SANTA_ID_LEN + 1];
    const char *recipient_name;
    const char *recipient_wishlist;
};

#endif /* SANTA_MODEL_H */
