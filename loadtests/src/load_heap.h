/*
 * load_heap.h - a min-heap of (time, user) wake-ups for one worker: ramp-up
 * starts, think time, back-off. Arrays are the caller's (one slot per user,
 * so it never grows); no allocation here.
 */
#ifndef SANTA_LOAD_HEAP_H
#define SANTA_LOAD_HEAP_H

#include <stdint.h>

struct load_heap {
    uint64_t *at;   /* wake-up times; at[0] is the earliest */
    unsigned *vu;   /* the user of each */
    unsigned n;
};

void load_heap_push(struct load_heap *h, uint64_t at, unsigned vu);
/* Removes the earliest entry (n > 0) and returns its user. */
unsigned load_heap_pop(struct load_heap *h);

#endif /* SANTA_LOAD_HEAP_H */
