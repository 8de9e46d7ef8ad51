/*
 * load_scenario.h - what a load test does: the scenario, read from a file that
 * reads like multi-mechanize's config.cfg, or built from plain-mode flags.
 *
 * A scenario has global settings ([global]), user groups ([user_group-N]: how
 * many virtual users run which transactions, closed loop or at a rate) and
 * transactions ([transaction-NAME]: a weight, a think time and a short list of
 * built-in steps, each timed under its own timer). loadtests/README.md
 * documents the format; load_scenario_parse reports the first mistake as
 * "FILE:LINE: message".
 *
 * The struct is plain data with fixed-size arrays: parsed once at start,
 * read-only afterwards, shared by every worker thread without locks.
 */
#ifndef SANTA_LOAD_SCENARIO_H
#define SANTA_LOAD_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#define LOAD_NAME_MAX 48
#define LOAD_MAX_TXNS 16
#define LOAD_MAX_STEPS 16
#define LOAD_MAX_GROUPS 8
#define LOAD_MAX_TIMERS 64 /* distinct (transaction, timer) pairs */

/* The built-in steps; load_step_name gives the scenario word for each. */
enum load_step_kind {
    LOAD_STEP_GET,              /* GET the base URL's path (plain mode) */
    LOAD_STEP_CREATE_EXCHANGE,  /* POST /api/exchanges; keeps id, admin token, invite code */
    LOAD_STEP_JOIN,             /* POST .../participants; keeps the participant's id+token */
    LOAD_STEP_VIEW_EXCHANGE,    /* GET /api/exchanges/{id} */
    LOAD_STEP_REVEAL,           /* GET .../assignment with a participant token */
    LOAD_STEP_UPDATE_WISHLIST,  /* PUT .../participants/{pid}/wishlist */
    LOAD_STEP_DRAW,             /* POST .../draw with the admin token */
    LOAD_STEP_LIST_PARTICIPANTS,/* GET .../participants?limit=100 with the admin token */
    LOAD_STEP_HEALTHZ,          /* GET /healthz: the cheapest request there is */
    LOAD_STEP_REMIND,           /* POST .../reminders with the admin token (202) */
    LOAD_STEP_KIND_COUNT
};

struct load_step {
    enum load_step_kind kind;
    unsigned repeat;   /* "join x3": run 3 times in a row */
    unsigned timer;    /* index into load_scenario.timers */
};

struct load_txn {
    char name[LOAD_NAME_MAX];
    double weight;     /* relative share among its group's transactions */
    unsigned think_ms; /* pause after each run of the transaction (closed loop) */
    unsigned nsteps;
    struct load_step steps[LOAD_MAX_STEPS];
    int line;          /* where it was defined, for messages */
};

struct load_group {
    unsigned users;    /* virtual users (multi-mechanize: threads) */
    double rate;       /* open loop: transactions started per second; 0 = closed loop */
    unsigned ntxns;
    unsigned txns[LOAD_MAX_TXNS];  /* indexes into load_scenario.txns */
    double cum_weight[LOAD_MAX_TXNS]; /* running sums of the weights, for the pick */
};

struct load_timer {
    unsigned txn;                  /* the transaction it belongs to */
    char name[LOAD_NAME_MAX];      /* the step's timer name */
};

struct load_scenario {
    char name[LOAD_NAME_MAX];      /* file name without directory and .cfg */
    double run_time;               /* measured seconds */
    double rampup;                 /* seconds over which closed-loop users start */
    double warmup;                 /* seconds run but not counted */
    unsigned ts_interval;          /* seconds between /metrics scrapes */
    unsigned seed_exchanges;
    unsigned seed_participants;    /* in all seeded exchanges together */
    unsigned ngroups, ntxns, ntimers;
    struct load_group groups[LOAD_MAX_GROUPS];
    struct load_txn txns[LOAD_MAX_TXNS];
    struct load_timer timers[LOAD_MAX_TIMERS];
};

/* Sets the defaults (run_time 30, rampup 0, warmup 5, ts_interval 5, no seed). */
void load_scenario_defaults(struct load_scenario *sc);

/* Reads a scenario file. Returns 0, or -1 with "FILE:LINE: message" in err. */
int load_scenario_parse_file(const char *path, struct load_scenario *sc, char *err, size_t errn);

/* The same for text already in memory; fname names it in messages. */
int load_scenario_parse_text(const char *fname, const char *text, struct load_scenario *sc,
                             char *err, size_t errn);

/* Plain mode: one group of users running one transaction, one GET step. */
void load_scenario_plain(struct load_scenario *sc, unsigned users, double rate);

/* Scales the users of every group so they total `users` (each group keeps at
   least one); the rates likewise to total `rate` when rate > 0. */
void load_scenario_override(struct load_scenario *sc, unsigned users, double rate);

unsigned load_scenario_users(const struct load_scenario *sc);
double load_scenario_rate(const struct load_scenario *sc);

const char *load_step_name(enum load_step_kind kind);

#endif /* SANTA_LOAD_SCENARIO_H */
