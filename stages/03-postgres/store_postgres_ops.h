/*
 * store_postgres_ops.h - what the files of stage 03's driver share.
 *
 * Internal to the store. The operations are SQL's, written once in
 * sql_store.h (stages/02-sqlite); this stage is their PostgreSQL driver.
 * Both SQL stages cut their driver into files of the same roles, the
 * driver's members by the same names, so tools/stage-diff between them
 * shows only what the back end changes:
 * - store_postgres.c: the store itself (its struct, the transaction runner,
 *   open and close, the driver and ops tables);
 * - store_postgres_rows.c: running statements and reading columns;
 * - store_postgres_conn.c: the connections;
 * - store_postgres_sql.c: the dialect.
 */
#ifndef SANTA_STORE_POSTGRES_OPS_H
#define SANTA_STORE_POSTGRES_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "sql_store.h"
#include "store_postgres_conn.h"

/* ---- store_postgres_rows.c: the driver's members (sql_store.h) --------- */

enum santa_status postgres_store_exec(struct sql_store_conn *c, enum sql_store_query q,
                                      const struct sql_store_params *p, struct sql_store_rows *r);
enum santa_status postgres_store_next_row(struct sql_store_rows *r);
void postgres_store_rows_clear(struct sql_store_rows *r);
bool postgres_store_col(const struct sql_store_rows *r, int col, struct santa_col *out);
bool postgres_store_col_int(const struct sql_store_rows *r, int col, int64_t *out);
bool postgres_store_col_hash(const struct sql_store_rows *r, int col, struct santa_hash *out);
bool postgres_store_col_bool(const struct sql_store_rows *r, int col);
bool postgres_store_unique_violation(const struct sql_store_conn *c);

#endif /* SANTA_STORE_POSTGRES_OPS_H */
