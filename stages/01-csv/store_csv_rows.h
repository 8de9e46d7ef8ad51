/*
 * store_csv_rows.h - the columns of each CSV table and the conversion between
 * a row and the model structs (model.h). Internal to the CSV store.
 *
 * Decoders borrow: the strings of the struct they fill point into the record
 * and live as long as it does; copy them (csv_store_row_exchange_copy ...)
 * to keep them. Decoders return false on a row that does not parse (a bad
 * hash, number or flag): corruption, which the caller logs and reports as
 * SANTA_UNAVAILABLE. Encoders return false only when out of memory.
 */
#ifndef SANTA_STORE_CSV_ROWS_H
#define SANTA_STORE_CSV_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "csv.h"
#include "santa/arena.h"
#include "santa/model.h"

/* exchanges.csv: budget_set tells a missing budget (NULL) from an empty one;
 * draw_gen names the assignment rows of the current draw. */
enum {
    EX_ID,
    EX_NAME,
    EX_BUDGET_SET,
    EX_BUDGET,
    EX_DATE,
    EX_NO_MUTUAL,
    EX_DRAWN,
    EX_DRAW_GEN,
    EX_ADMIN_HASH,
    EX_INVITE_HASH,
    EX_NCOLS
};
/* participants.csv */
enum {
    PA_SEQ,
    PA_ID,
    PA_EXCHANGE_ID,
    PA_NAME,
    PA_EMAIL,
    PA_EMAIL_KEY,
    PA_WISHLIST,
    PA_TOKEN_HASH,
    PA_NCOLS
};
/* exclusions.csv: one row per forbidden direction */
enum { XC_EXCHANGE_ID, XC_GIVER_ID, XC_RECEIVER_ID, XC_NCOLS };
/* assignments.csv: rows of a draw generation the exchange no longer names
 * are dead (a crashed or undone draw). */
enum { AS_EXCHANGE_ID, AS_DRAW_GEN, AS_GIVER_ID, AS_RECIPIENT_ID, AS_NCOLS };
/* outbox.csv: one reminder to send */
enum { OB_EXCHANGE_ID, OB_PARTICIPANT_ID, OB_EMAIL, OB_QUEUED_AT, OB_NCOLS };

extern const char *const csv_store_exchange_header[EX_NCOLS];
extern const char *const csv_store_participant_header[PA_NCOLS];
extern const char *const csv_store_exclusion_header[XC_NCOLS];
extern const char *const csv_store_assignment_header[AS_NCOLS];
extern const char *const csv_store_outbox_header[OB_NCOLS];

/* A decimal uint64 with no sign, blanks or excess; false otherwise. */
bool csv_store_parse_u64(const char *s, uint64_t *out);

bool csv_store_row_exchange_decode(const struct csv_record *r, struct santa_exchange *ex,
                                   uint64_t *draw_gen);
bool csv_store_row_exchange_encode(struct csv_buf *b, const struct santa_exchange *ex,
                                   uint64_t draw_gen);
/* Deep copy of src's text into a; false when the arena is exhausted. */
bool csv_store_row_exchange_copy(struct santa_arena *a, const struct santa_exchange *src,
                                 struct santa_exchange *dst);

bool csv_store_row_participant_decode(const struct csv_record *r, struct santa_participant *p);
bool csv_store_row_participant_encode(struct csv_buf *b, const struct santa_participant *p);
bool csv_store_row_participant_copy(struct santa_arena *a, const struct santa_participant *src,
                                    struct santa_participant *dst);

#endif /* SANTA_STORE_CSV_ROWS_H */
