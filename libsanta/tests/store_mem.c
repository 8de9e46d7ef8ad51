/*
 * store_mem.c - the in-memory reference store (see store_mem.h).
 *
 * One mutex guards everything, so each operation is trivially atomic and two
 * draws can never both win. Participants live in one array in seq order
 * (seq is a store-wide counter), so "join order" is simply array order and a
 * removal is a memmove that keeps it. Lookups are linear scans on purpose:
 * this store exists to be obviously right, not fast.
 *
 * Atomicity under out-of-memory: every write allocates everything it needs
 * (copies of text, room in the arrays) before it changes a single field, so a
 * failure returns SANTA_UNAVAILABLE with the store untouched.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "santa/alloc.h"
#include "santa/token.h"
#include "store_mem.h"

struct mem_exchange {
    char id[SANTA_ID_LEN + 1];
    char *name;
    char *budget; /* NULL when not set: NULL and "" are different answers */
    char exchange_date[SANTA_DATE_LEN + 1];
    bool no_mutual;
    bool drawn;
    struct santa_hash admin_hash;
    struct santa_hash invite_hash;
};

struct mem_participant {
    char id[SANTA_ID_LEN + 1];
    char exchange_id[SANTA_ID_LEN + 1];
    char *name;
    char *email;
    char *email_key;
    char *wishlist;
    struct santa_hash token_hash;
    uint64_t seq;
    /* The assignment lives in the giver's row, so recording a draw needs no
     * allocation and therefore cannot fail halfway. "" while open. */
    char recipient_id[SANTA_ID_LEN + 1];
};

struct mem_exclusion {
    char exchange_id[SANTA_ID_LEN + 1];
    char giver_id[SANTA_ID_LEN + 1];
    char receiver_id[SANTA_ID_LEN + 1];
};

struct mem_reminder {
    char exchange_id[SANTA_ID_LEN + 1];
    char participant_id[SANTA_ID_LEN + 1];
};

struct mem_store {
    struct santa_store base; /* first, so a santa_store * casts back */
    pthread_mutex_t lock;
    struct mem_exchange *exchanges;
    size_t exchange_count, exchange_cap;
    struct mem_participant *participants; /* ascending seq */
    size_t participant_count, participant_cap;
    struct mem_exclusion *exclusions;
    size_t exclusion_count, exclusion_cap;
    struct mem_reminder *outbox;
    size_t outbox_count, outbox_cap;
    uint64_t next_seq;
};

static struct mem_store *mem_cast(struct santa_store *s)
{
    return (struct mem_store *)s;
}

/* Ensures room for `need` elements; false (buffer unchanged) when out of memory. */
static bool mem_reserve(void **buf, size_t *cap, size_t need, size_t each)
{
    if (need <= *cap)
        return true;
    size_t want = *cap ? *cap : 16;
    while (want < need) {
        if (want > SIZE_MAX / 2 / each)
            return false;
        want *= 2;
    }
    void *p = santa_realloc(*buf, want * each);
    if (p == NULL)
        return false;
    *buf = p;
    *cap = want;
    return true;
}

/* A heap copy; a NULL input is copied as "" (for text that is never NULL). */
static char *mem_dup(const char *s)
{
    return santa_strdup(s ? s : "");
}

static void mem_copy_id(char dst[SANTA_ID_LEN + 1], const char *src)
{
    size_t n = strnlen(src, SANTA_ID_LEN);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool mem_id_equal(const char *a, const char *b)
{
    return strncmp(a, b, SANTA_ID_LEN + 1) == 0;
}

static struct mem_exchange *mem_find_exchange(struct mem_store *m, const char *id)
{
    for (size_t i = 0; i < m->exchange_count; i++)
        if (mem_id_equal(m->exchanges[i].id, id))
            return &m->exchanges[i];
    return NULL;
}

/* Index of participant `id` of exchange `ex_id`, or SIZE_MAX: a participant
 * of another exchange is as unknown as one that never existed. */
static size_t mem_find_participant(const struct mem_store *m, const char *ex_id, const char *id)
{
    for (size_t i = 0; i < m->participant_count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (mem_id_equal(p->id, id) && mem_id_equal(p->exchange_id, ex_id))
            return i;
    }
    return SIZE_MAX;
}

static uint32_t mem_count_participants(const struct mem_store *m, const char *ex_id)
{
    uint32_t n = 0;
    for (size_t i = 0; i < m->participant_count; i++)
        if (mem_id_equal(m->participants[i].exchange_id, ex_id))
            n++;
    return n;
}

static bool mem_has_exclusion(const struct mem_store *m, const char *ex_id, const char *giver,
                              const char *receiver)
{
    for (size_t i = 0; i < m->exclusion_count; i++) {
        const struct mem_exclusion *x = &m->exclusions[i];
        if (mem_id_equal(x->exchange_id, ex_id) && mem_id_equal(x->giver_id, giver) &&
            mem_id_equal(x->receiver_id, receiver))
            return true;
    }
    return false;
}

static void mem_free_participant(struct mem_participant *p)
{
    santa_free(p->name);
    santa_free(p->email);
    santa_free(p->email_key);
    santa_free(p->wishlist);
}

static enum santa_status mem_out_participant(const struct mem_participant *p, struct santa_arena *a,
                                             struct santa_participant *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->id, p->id, sizeof out->id);
    memcpy(out->exchange_id, p->exchange_id, sizeof out->exchange_id);
    out->name = santa_arena_strdup(a, p->name);
    out->email = santa_arena_strdup(a, p->email);
    out->email_key = santa_arena_strdup(a, p->email_key);
    out->wishlist = santa_arena_strdup(a, p->wishlist);
    out->token_hash = p->token_hash;
    out->seq = p->seq;
    if (!out->name || !out->email || !out->email_key || !out->wishlist)
        return SANTA_UNAVAILABLE;
    return SANTA_OK;
}

/* ---- the operations, in the order of struct santa_store_ops ---- */

static void store_close(struct santa_store *s)
{
    struct mem_store *m = mem_cast(s);
    for (size_t i = 0; i < m->exchange_count; i++) {
        santa_free(m->exchanges[i].name);
        santa_free(m->exchanges[i].budget);
    }
    for (size_t i = 0; i < m->participant_count; i++)
        mem_free_participant(&m->participants[i]);
    santa_free(m->exchanges);
    santa_free(m->participants);
    santa_free(m->exclusions);
    santa_free(m->outbox);
    pthread_mutex_destroy(&m->lock);
    santa_free(m);
}

static enum santa_status store_ping(struct santa_store *s)
{
    (void)s;
    return SANTA_OK;
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    struct mem_store *m = mem_cast(s);
    char *name = mem_dup(ex->name);
    char *budget = ex->budget ? santa_strdup(ex->budget) : NULL;
    enum santa_status st = SANTA_UNAVAILABLE;
    pthread_mutex_lock(&m->lock);
    if (name && (budget || !ex->budget) &&
        mem_reserve((void **)&m->exchanges, &m->exchange_cap, m->exchange_count + 1,
                    sizeof *m->exchanges)) {
        struct mem_exchange *e = &m->exchanges[m->exchange_count++];
        memset(e, 0, sizeof *e);
        mem_copy_id(e->id, ex->id);
        e->name = name;
        e->budget = budget;
        memcpy(e->exchange_date, ex->exchange_date, sizeof e->exchange_date);
        e->exchange_date[SANTA_DATE_LEN] = '\0';
        e->no_mutual = ex->no_mutual;
        e->drawn = false; /* a new exchange is open whatever the caller says */
        e->admin_hash = ex->admin_hash;
        e->invite_hash = ex->invite_hash;
        name = budget = NULL; /* owned by the store now */
        st = SANTA_OK;
    }
    pthread_mutex_unlock(&m->lock);
    santa_free(name);
    santa_free(budget);
    return st;
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    const struct mem_exchange *e = mem_find_exchange(m, id);
    if (e) {
        memset(out, 0, sizeof *out);
        memcpy(out->id, e->id, sizeof out->id);
        out->name = santa_arena_strdup(a, e->name);
        out->budget = santa_arena_strdup(a, e->budget);
        memcpy(out->exchange_date, e->exchange_date, sizeof out->exchange_date);
        out->no_mutual = e->no_mutual;
        out->drawn = e->drawn;
        out->participant_count = mem_count_participants(m, e->id);
        out->admin_hash = e->admin_hash;
        out->invite_hash = e->invite_hash;
        bool ok = out->name && (out->budget || !e->budget);
        st = ok ? SANTA_OK : SANTA_UNAVAILABLE;
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->lock);
    /* Only admin and participant tokens are principals: an invite code
     * opens the door to join, it never stands for anyone. */
    for (size_t i = 0; st == SANTA_NOT_FOUND && i < m->exchange_count; i++) {
        if (santa_hash_equal(&m->exchanges[i].admin_hash, token_hash)) {
            out->role = SANTA_ROLE_ADMIN;
            memcpy(out->exchange_id, m->exchanges[i].id, sizeof out->exchange_id);
            st = SANTA_OK;
        }
    }
    for (size_t i = 0; st == SANTA_NOT_FOUND && i < m->participant_count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (santa_hash_equal(&p->token_hash, token_hash)) {
            out->role = SANTA_ROLE_PARTICIPANT;
            memcpy(out->exchange_id, p->exchange_id, sizeof out->exchange_id);
            memcpy(out->participant_id, p->id, sizeof out->participant_id);
            st = SANTA_OK;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

/* Every check of participant_add, in the order store.h lists them. */
static enum santa_status mem_check_join(struct mem_store *m, const struct santa_participant *p,
                                        uint32_t max_participants)
{
    const struct mem_exchange *e = mem_find_exchange(m, p->exchange_id);
    if (e == NULL)
        return SANTA_NOT_FOUND;
    if (e->drawn)
        return SANTA_ALREADY_DRAWN;
    const char *key = p->email_key ? p->email_key : "";
    uint32_t joined = 0;
    for (size_t i = 0; i < m->participant_count; i++) {
        const struct mem_participant *q = &m->participants[i];
        if (!mem_id_equal(q->exchange_id, e->id))
            continue;
        if (strcmp(q->email_key, key) == 0)
            return SANTA_EMAIL_TAKEN;
        joined++;
    }
    return joined >= max_participants ? SANTA_EXCHANGE_FULL : SANTA_OK;
}

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct mem_store *m = mem_cast(s);
    struct mem_participant row;
    memset(&row, 0, sizeof row);
    row.name = mem_dup(p->name);
    row.email = mem_dup(p->email);
    row.email_key = mem_dup(p->email_key);
    row.wishlist = mem_dup(p->wishlist);
    enum santa_status st = SANTA_UNAVAILABLE;
    pthread_mutex_lock(&m->lock);
    if (row.name && row.email && row.email_key && row.wishlist) {
        st = mem_check_join(m, p, max_participants);
        if (st == SANTA_OK && !mem_reserve((void **)&m->participants, &m->participant_cap,
                                           m->participant_count + 1, sizeof *m->participants))
            st = SANTA_UNAVAILABLE;
    }
    if (st == SANTA_OK) {
        mem_copy_id(row.id, p->id);
        mem_copy_id(row.exchange_id, p->exchange_id);
        row.token_hash = p->token_hash;
        row.seq = m->next_seq++;
        p->seq = row.seq;
        m->participants[m->participant_count++] = row;
    }
    pthread_mutex_unlock(&m->lock);
    if (st != SANTA_OK)
        mem_free_participant(&row);
    return st;
}

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    struct mem_store *m = mem_cast(s);
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->lock);
    enum santa_status st = SANTA_NOT_FOUND;
    if (mem_find_exchange(m, exchange_id) == NULL)
        goto out;
    /* First pass: how many fit, and whether any follow them. */
    uint32_t count = 0;
    bool more = false;
    size_t first = m->participant_count;
    for (size_t i = 0; i < m->participant_count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (!mem_id_equal(p->exchange_id, exchange_id) || p->seq <= after_seq)
            continue;
        if (count == limit) {
            more = true;
            break;
        }
        if (count == 0)
            first = i;
        count++;
    }
    st = SANTA_OK;
    if (count == 0)
        goto out;
    out->items = santa_arena_alloc(a, (size_t)count * sizeof *out->items);
    if (out->items == NULL) {
        st = SANTA_UNAVAILABLE;
        goto out;
    }
    for (size_t i = first; out->count < count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (!mem_id_equal(p->exchange_id, exchange_id) || p->seq <= after_seq)
            continue;
        st = mem_out_participant(p, a, &out->items[out->count++]);
        if (st != SANTA_OK)
            goto out;
    }
    out->next_seq = more ? out->items[count - 1].seq : 0;
out:
    pthread_mutex_unlock(&m->lock);
    if (st != SANTA_OK)
        memset(out, 0, sizeof *out);
    return st;
}

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    size_t i = mem_find_participant(m, exchange_id, participant_id);
    if (i != SIZE_MAX)
        st = mem_out_participant(&m->participants[i], a, out);
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    const struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    size_t i = mem_find_participant(m, exchange_id, participant_id);
    if (e == NULL || i == SIZE_MAX)
        goto out;
    st = SANTA_ALREADY_DRAWN;
    if (e->drawn)
        goto out;
    char gone[SANTA_ID_LEN + 1];
    memcpy(gone, m->participants[i].id, sizeof gone);
    mem_free_participant(&m->participants[i]);
    /* memmove, not swap-with-last: the array order is the join order. */
    memmove(&m->participants[i], &m->participants[i + 1],
            (m->participant_count - i - 1) * sizeof *m->participants);
    m->participant_count--;
    size_t kept = 0;
    for (size_t j = 0; j < m->exclusion_count; j++) {
        const struct mem_exclusion *x = &m->exclusions[j];
        bool names_gone = mem_id_equal(x->exchange_id, exchange_id) &&
                          (mem_id_equal(x->giver_id, gone) || mem_id_equal(x->receiver_id, gone));
        if (!names_gone)
            m->exclusions[kept++] = *x;
    }
    m->exclusion_count = kept;
    st = SANTA_OK;
out:
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct mem_store *m = mem_cast(s);
    char *copy = mem_dup(wishlist);
    if (copy == NULL)
        return SANTA_UNAVAILABLE;
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    size_t i = mem_find_participant(m, exchange_id, participant_id);
    if (i != SIZE_MAX) {
        santa_free(m->participants[i].wishlist);
        m->participants[i].wishlist = copy;
        copy = NULL;
        st = SANTA_OK;
    }
    pthread_mutex_unlock(&m->lock);
    santa_free(copy);
    return st;
}

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    const struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    if (e == NULL || mem_find_participant(m, exchange_id, giver_id) == SIZE_MAX ||
        mem_find_participant(m, exchange_id, receiver_id) == SIZE_MAX)
        goto out;
    st = SANTA_ALREADY_DRAWN;
    if (e->drawn)
        goto out;
    /* An arc that exists already is not stored twice: adding it is a no-op
     * that succeeds. */
    bool fwd = !mem_has_exclusion(m, exchange_id, giver_id, receiver_id);
    bool back = mutual && !mem_id_equal(giver_id, receiver_id) &&
                !mem_has_exclusion(m, exchange_id, receiver_id, giver_id);
    st = SANTA_UNAVAILABLE;
    if (!mem_reserve((void **)&m->exclusions, &m->exclusion_cap,
                     m->exclusion_count + (size_t)fwd + (size_t)back, sizeof *m->exclusions))
        goto out;
    if (fwd) {
        struct mem_exclusion *x = &m->exclusions[m->exclusion_count++];
        mem_copy_id(x->exchange_id, exchange_id);
        mem_copy_id(x->giver_id, giver_id);
        mem_copy_id(x->receiver_id, receiver_id);
    }
    if (back) {
        struct mem_exclusion *x = &m->exclusions[m->exclusion_count++];
        mem_copy_id(x->exchange_id, exchange_id);
        mem_copy_id(x->giver_id, receiver_id);
        mem_copy_id(x->receiver_id, giver_id);
    }
    st = SANTA_OK;
out:
    pthread_mutex_unlock(&m->lock);
    return st;
}

/* Feeds the plan what the exchange holds, in join order. */
static enum santa_status mem_feed_plan(const struct mem_store *m, const struct mem_exchange *e,
                                       struct santa_draw_plan *plan)
{
    santa_draw_plan_begin(plan, e->no_mutual);
    for (size_t i = 0; i < m->participant_count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (!mem_id_equal(p->exchange_id, e->id))
            continue;
        enum santa_status st = santa_draw_plan_add_participant(plan, p->id, p->name);
        if (st != SANTA_OK)
            return st;
    }
    for (size_t i = 0; i < m->exclusion_count; i++) {
        const struct mem_exclusion *x = &m->exclusions[i];
        if (!mem_id_equal(x->exchange_id, e->id))
            continue;
        enum santa_status st = santa_draw_plan_add_exclusion(plan, x->giver_id, x->receiver_id);
        if (st != SANTA_OK)
            return st;
    }
    return SANTA_OK;
}

/* Checks every pair names a participant of the exchange before any is
 * written, so a wrong plan cannot leave half an assignment behind. */
static bool mem_pairs_valid(const struct mem_store *m, const struct mem_exchange *e,
                            const struct santa_draw_plan *plan)
{
    uint32_t n = santa_draw_plan_count(plan);
    if (n != mem_count_participants(m, e->id))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        if (mem_find_participant(m, e->id, giver) == SIZE_MAX ||
            mem_find_participant(m, e->id, recipient) == SIZE_MAX)
            return false;
    }
    return true;
}

static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    /* Everything under the one lock: whoever locks second sees "drawn". */
    pthread_mutex_lock(&m->lock);
    struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    if (e == NULL)
        goto out;
    st = SANTA_ALREADY_DRAWN;
    if (e->drawn)
        goto out;
    st = mem_feed_plan(m, e, plan);
    if (st == SANTA_OK)
        st = santa_draw_plan_solve(plan);
    if (st != SANTA_OK)
        goto out;
    st = SANTA_UNAVAILABLE;
    if (!mem_pairs_valid(m, e, plan))
        goto out;
    uint32_t n = santa_draw_plan_count(plan);
    for (uint32_t i = 0; i < n; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        size_t g = mem_find_participant(m, e->id, giver);
        mem_copy_id(m->participants[g].recipient_id, recipient);
    }
    e->drawn = true;
    st = SANTA_OK;
out:
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    pthread_mutex_lock(&m->lock);
    struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    if (e) {
        for (size_t i = 0; i < m->participant_count; i++)
            if (mem_id_equal(m->participants[i].exchange_id, e->id))
                m->participants[i].recipient_id[0] = '\0';
        e->drawn = false;
        st = SANTA_OK;
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->lock);
    const struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    size_t g = mem_find_participant(m, exchange_id, giver_id);
    if (e == NULL || g == SIZE_MAX)
        goto out;
    st = SANTA_NOT_DRAWN;
    if (!e->drawn)
        goto out;
    const struct mem_participant *giver = &m->participants[g];
    size_t r = mem_find_participant(m, exchange_id, giver->recipient_id);
    st = SANTA_UNAVAILABLE; /* a drawn giver without a recipient: corrupt */
    if (r == SIZE_MAX)
        goto out;
    const struct mem_participant *recipient = &m->participants[r];
    memcpy(out->giver_id, giver->id, sizeof out->giver_id);
    memcpy(out->recipient_id, recipient->id, sizeof out->recipient_id);
    out->giver_name = santa_arena_strdup(a, giver->name);
    out->recipient_name = santa_arena_strdup(a, recipient->name);
    out->recipient_wishlist = santa_arena_strdup(a, recipient->wishlist);
    if (out->giver_name && out->recipient_name && out->recipient_wishlist)
        st = SANTA_OK;
out:
    pthread_mutex_unlock(&m->lock);
    return st;
}

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct mem_store *m = mem_cast(s);
    enum santa_status st = SANTA_NOT_FOUND;
    *queued = 0;
    pthread_mutex_lock(&m->lock);
    const struct mem_exchange *e = mem_find_exchange(m, exchange_id);
    if (e == NULL)
        goto out;
    uint32_t n = mem_count_participants(m, e->id);
    st = SANTA_UNAVAILABLE;
    /* Room for all first: the batch is queued whole or not at all. */
    if (!mem_reserve((void **)&m->outbox, &m->outbox_cap, m->outbox_count + n, sizeof *m->outbox))
        goto out;
    for (size_t i = 0; i < m->participant_count; i++) {
        const struct mem_participant *p = &m->participants[i];
        if (!mem_id_equal(p->exchange_id, e->id))
            continue;
        struct mem_reminder *r = &m->outbox[m->outbox_count++];
        memcpy(r->exchange_id, p->exchange_id, sizeof r->exchange_id);
        memcpy(r->participant_id, p->id, sizeof r->participant_id);
    }
    *queued = n;
    st = SANTA_OK;
out:
    pthread_mutex_unlock(&m->lock);
    return st;
}

static const struct santa_store_ops mem_store_ops = {
    .name = "mem",
    .close = store_close,
    .thread_stop = NULL, /* no per-thread state */
    .ping = store_ping,
    .exchange_create = store_exchange_create,
    .exchange_get = store_exchange_get,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_list = store_participant_list,
    .participant_get = store_participant_get,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .exclusion_add = store_exclusion_add,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
    .reminders_queue = store_reminders_queue,
};

enum santa_status mem_store_open(struct santa_store **out)
{
    *out = NULL;
    struct mem_store *m = santa_calloc(1, sizeof *m);
    if (m == NULL)
        return SANTA_UNAVAILABLE;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        santa_free(m);
        return SANTA_UNAVAILABLE;
    }
    m->base.ops = &mem_store_ops;
    m->next_seq = 1; /* 0 means "from the start" to participant_list */
    *out = &m->base;
    return SANTA_OK;
}
