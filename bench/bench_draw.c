/*
 * santa-bench-draw - how long the draw takes for big exchanges.
 *
 * The goal from the issue: 100,000 participants with random exclusions (10%
 * of them, i.e. 10,000 arcs) draw in under 2 s on this machine. The baseline,
 * measured in the same run with the same CSPRNG, is a bare Fisher-Yates
 * shuffle of n: the least work any uniformly random draw must do. Each case
 * prints its best time of a few runs and that ratio, so figures from
 * different machines stay comparable.
 *
 * Usage: santa-bench-draw [N] [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "santa/draw.h"
#include "santa/draw_plan.h"
#include "santa/token.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double time_shuffle(struct santa_rng *rng, uint32_t *perm, uint32_t n)
{
    double t0 = now_ms();
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = rng->uniform(rng->ctx, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    return now_ms() - t0;
}

/* One case through the whole plan (ids, names, lookups), as a store runs it. */
static double time_plan(struct santa_rng *rng, uint32_t n, uint32_t arcs, bool no_mutual,
                        enum santa_status *st)
{
    static char ids[100001][16];
    struct santa_draw_plan *plan = santa_draw_plan_new(rng);
    if (!plan) {
        *st = SANTA_UNAVAILABLE;
        return 0;
    }
    for (uint32_t i = 0; i < n && i < 100001; i++)
        snprintf(ids[i], sizeof ids[i], "p%u", i);
    double t0 = now_ms();
    santa_draw_plan_begin(plan, no_mutual);
    for (uint32_t i = 0; i < n; i++)
        santa_draw_plan_add_participant(plan, ids[i], ids[i]);
    for (uint32_t k = 0; k < arcs; k++)
        santa_draw_plan_add_exclusion(plan, ids[rng->uniform(rng->ctx, n)],
                                      ids[rng->uniform(rng->ctx, n)]);
    *st = santa_draw_plan_solve(plan);
    double ms = now_ms() - t0;
    santa_draw_plan_free(plan);
    return ms;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 3 || n > 100000 || runs < 1) {
        fprintf(stderr, "usage: santa-bench-draw [N (3..100000)] [RUNS]\n");
        return 2;
    }
    if (santa_token_init() != SANTA_OK)
        return 1;
    struct santa_rng rng = santa_rng_csprng();
    uint32_t *perm = malloc(n * sizeof *perm);
    if (!perm)
        return 1;
    double base = 1e30;
    for (int r = 0; r < runs; r++) {
        double ms = time_shuffle(&rng, perm, n);
        base = ms < base ? ms : base;
    }
    printf("draw benchmark, n = %u, best of %d runs, CSPRNG\n", n, runs);
    printf("%-44s %10.1f ms  (baseline)\n", "baseline: one Fisher-Yates shuffle", base);
    struct {
        const char *what;
        uint32_t arcs;
        bool no_mutual;
    } cases[] = {
        {"draw, 10% exclusions (n/10 arcs)", n / 10, false},
        {"draw, 10% exclusions, no_mutual", n / 10, true},
        {"draw, one exclusion per person", n, false},
        {"draw, one exclusion per person, no_mutual", n, true},
    };
    int failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double best = 1e30;
        enum santa_status st = SANTA_OK;
        for (int r = 0; r < runs; r++) {
            double ms = time_plan(&rng, n, cases[c].arcs, cases[c].no_mutual, &st);
            best = ms < best ? ms : best;
            failed |= st != SANTA_OK;
        }
        printf("%-44s %10.1f ms  %6.1fx baseline  %s\n", cases[c].what, best, best / base,
               st == SANTA_OK ? "ok" : santa_status_code(st));
    }
    printf("goal: 100,000 people with 10%% exclusions under 2000 ms\n");
    free(perm);
    return failed;
}
