/*
 * draw_plan.c - names in, indices for the pure draw, names out.
 *
 * A store feeds participants and exclusions by id while it holds its write
 * transaction; the plan numbers them in join order, keeps the text in one
 * growing pool (offsets, not pointers, so growth never invalidates anything)
 * and finds ids through an open-addressing table, so feeding 100,000 people
 * and their exclusions stays linear.
 */
#include <stdio.h>
#include <string.h>

#include "santa/alloc.h"
#include "santa/draw_plan.h"
#include "santa/model.h"

struct person {
    size_t id;   /* offset of the id in pool */
    size_t name; /* offset of the name in pool */
};

struct santa_draw_plan {
    struct santa_rng *rng;
    bool no_mutual;
    char *pool;
    size_t pool_len, pool_cap;
    struct person *people;
    uint32_t count, people_cap;
    uint32_t *slots; /* index + 1 per slot, 0 = empty; power-of-two size */
    uint32_t slot_cap;
    struct santa_draw_arc *arcs;
    uint32_t arc_count, arc_cap;
    uint32_t *recipient;
    char detail[300];
};

struct santa_draw_plan *santa_draw_plan_new(struct santa_rng *rng)
{
    struct santa_draw_plan *plan = santa_calloc(1, sizeof *plan);
    if (plan)
        plan->rng = rng;
    return plan;
}

void santa_draw_plan_free(struct santa_draw_plan *plan)
{
    if (!plan)
        return;
    santa_free(plan->pool);
    santa_free(plan->people);
    santa_free(plan->slots);
    santa_free(plan->arcs);
    santa_free(plan->recipient);
    santa_free(plan);
}

void santa_draw_plan_begin(struct santa_draw_plan *plan, bool no_mutual)
{
    plan->no_mutual = no_mutual;
    plan->pool_len = 0;
    plan->count = 0;
    plan->arc_count = 0;
    plan->detail[0] = '\0';
    if (plan->slots)
        memset(plan->slots, 0, (size_t)plan->slot_cap * sizeof *plan->slots);
}

/* Grows *buf (of *cap elements of size each) to hold at least need. */
static bool reserve(void **buf, uint32_t *cap, size_t need, size_t each)
{
    if (need <= *cap)
        return true;
    if (need > SANTA_MAX_PARTICIPANTS * 64u)
        return false;
    size_t want = *cap ? *cap : 16;
    while (want < need)
        want *= 2;
    void *p = santa_realloc(*buf, want * each);
    if (!p)
        return false;
    *buf = p;
    *cap = (uint32_t)want;
    return true;
}

static bool pool_add(struct santa_draw_plan *plan, const char *s, size_t *offset)
{
    size_t len = strlen(s) + 1;
    if (plan->pool_len + len > plan->pool_cap) {
        size_t want = plan->pool_cap ? plan->pool_cap : 1024;
        while (want < plan->pool_len + len)
            want *= 2;
        char *p = santa_realloc(plan->pool, want);
        if (!p)
            return false;
        plan->pool = p;
        plan->pool_cap = want;
    }
    memcpy(plan->pool + plan->pool_len, s, len);
    *offset = plan->pool_len;
    plan->pool_len += len;
    return true;
}

static uint32_t hash_id(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a: ids are random already, this only spreads them */
    for (; *id; id++)
        h = (h ^ (uint8_t)*id) * 16777619u;
    return h;
}

/* The slot holding id, or the empty slot where it would go. */
static uint32_t *find_slot(const struct santa_draw_plan *plan, const char *id)
{
    uint32_t mask = plan->slot_cap - 1;
    for (uint32_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        uint32_t v = plan->slots[i];
        if (v == 0 || strcmp(plan->pool + plan->people[v - 1].id, id) == 0)
            return &plan->slots[i];
    }
}

/* Keeps the table at most half full so probes stay short. */
static bool grow_slots(struct santa_draw_plan *plan)
{
    if ((size_t)(plan->count + 1) * 2 <= plan->slot_cap)
        return true;
    uint32_t cap = plan->slot_cap ? plan->slot_cap * 2 : 64;
    uint32_t *slots = santa_calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    santa_free(plan->slots);
    plan->slots = slots;
    plan->slot_cap = cap;
    for (uint32_t i = 0; i < plan->count; i++)
        *find_slot(plan, plan->pool + plan->people[i].id) = i + 1;
    return true;
}

enum santa_status santa_draw_plan_add_participant(struct santa_draw_plan *plan, const char *id,
                                                  const char *name)
{
    struct person p;
    if (!grow_slots(plan) ||
        !reserve((void **)&plan->people, &plan->people_cap, (size_t)plan->count + 1,
                 sizeof *plan->people) ||
        !pool_add(plan, id, &p.id) || !pool_add(plan, name ? name : "", &p.name))
        return SANTA_UNAVAILABLE;
    uint32_t *slot = find_slot(plan, id);
    if (*slot != 0)
        return SANTA_OK; /* the same person twice: one participant */
    plan->people[plan->count++] = p;
    *slot = plan->count;
    return SANTA_OK;
}

static bool lookup(const struct santa_draw_plan *plan, const char *id, uint32_t *index)
{
    if (plan->slot_cap == 0)
        return false;
    uint32_t v = *find_slot(plan, id);
    if (v == 0)
        return false;
    *index = v - 1;
    return true;
}

enum santa_status santa_draw_plan_add_exclusion(struct santa_draw_plan *plan, const char *giver_id,
                                                const char *receiver_id)
{
    uint32_t g, r;
    if (!lookup(plan, giver_id, &g) || !lookup(plan, receiver_id, &r))
        return SANTA_OK;
    if (!reserve((void **)&plan->arcs, &plan->arc_cap, (size_t)plan->arc_count + 1,
                 sizeof *plan->arcs))
        return SANTA_UNAVAILABLE;
    plan->arcs[plan->arc_count++] = (struct santa_draw_arc){.giver = g, .receiver = r};
    return SANTA_OK;
}

static const char *name_of(const struct santa_draw_plan *plan, uint32_t i)
{
    return plan->pool + plan->people[i].name;
}

static void explain(struct santa_draw_plan *plan, enum santa_status st,
                    const struct santa_draw_result *res)
{
    char *d = plan->detail;
    size_t len = sizeof plan->detail;
    if (st == SANTA_TOO_FEW_PARTICIPANTS) {
        snprintf(d, len, "a draw needs at least %u participants; this exchange has %u",
                 SANTA_MIN_DRAW, plan->count);
        return;
    }
    if (st != SANTA_DRAW_INFEASIBLE)
        return;
    const char *who = name_of(plan, res->blocker);
    switch (res->why) {
    case SANTA_DRAW_BLOCK_GIVES:
        snprintf(d, len, "no valid draw: the exclusions leave %s nobody to give to", who);
        break;
    case SANTA_DRAW_BLOCK_RECEIVES:
        snprintf(d, len, "no valid draw: the exclusions leave nobody to give to %s", who);
        break;
    case SANTA_DRAW_BLOCK_GROUP:
        snprintf(d, len,
                 "no valid draw: %s cannot be matched; with %u others they may only give to %u "
                 "people",
                 who, res->group - 1, res->group - 1);
        break;
    case SANTA_DRAW_BLOCK_MUTUAL:
    case SANTA_DRAW_BLOCK_NONE:
        snprintf(d, len,
                 res->exhausted
                     ? "no draw without mutual pairs was found in the time allowed (%s could not "
                       "be placed); remove an exclusion or turn off no_mutual"
                     : "no valid draw avoids mutual pairs: %s cannot be matched without one; "
                       "remove an exclusion or turn off no_mutual",
                 who);
        break;
    }
}

enum santa_status santa_draw_plan_solve(struct santa_draw_plan *plan)
{
    struct santa_draw_result res;
    santa_free(plan->recipient);
    plan->recipient = santa_malloc(((size_t)plan->count + 1) * sizeof *plan->recipient);
    if (!plan->recipient)
        return SANTA_UNAVAILABLE;
    struct santa_draw_problem p = {
        .n = plan->count,
        .excluded = plan->arcs,
        .excluded_count = plan->arc_count,
        .no_mutual = plan->no_mutual,
    };
    enum santa_status st = santa_draw_solve(&p, plan->rng, plan->recipient, &res);
    explain(plan, st, &res);
    return st;
}

uint32_t santa_draw_plan_count(const struct santa_draw_plan *plan)
{
    return plan->count;
}

void santa_draw_plan_pair(const struct santa_draw_plan *plan, uint32_t i, const char **giver_id,
                          const char **recipient_id)
{
    *giver_id = plan->pool + plan->people[i].id;
    *recipient_id = plan->pool + plan->people[plan->recipient[i]].id;
}

const char *santa_draw_plan_detail(const struct santa_draw_plan *plan)
{
    return plan->detail;
}
