/*
 * load_heap.c - the wake-up heap (see load_heap.h).
 */
#include "load_heap.h"

void load_heap_push(struct load_heap *h, uint64_t at, unsigned vu)
{
    unsigned i = h->n++;
    while (i > 0) {
        unsigned up = (i - 1) / 2;
        if (h->at[up] <= at) {
            break;
        }
        h->at[i] = h->at[up];
        h->vu[i] = h->vu[up];
        i = up;
    }
    h->at[i] = at;
    h->vu[i] = vu;
}

unsigned load_heap_pop(struct load_heap *h)
{
    unsigned top = h->vu[0];
    uint64_t at = h->at[--h->n];
    unsigned vu = h->vu[h->n], i = 0;
    for (;;) {
        unsigned c = 2 * i + 1;
        if (c >= h->n) {
            break;
        }
        if (c + 1 < h->n && h->at[c + 1] < h->at[c]) {
            c++;
        }
        if (h->at[c] >= at) {
            break;
        }
        h->at[i] = h->at[c];
        h->vu[i] = h->vu[c];
        i = c;
    }
    h->at[i] = at;
    h->vu[i] = vu;
    return top;
}
