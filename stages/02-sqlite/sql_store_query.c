/*
 * sql_store_query.c - the names and parameter counts of sql_store_query.h,
 * expanded from the one X-macro list so they can never drift apart, and
 * the statements every dialect says alike.
 */
#include "sql_store_query.h"

const char *const sql_store_query_name[SQL_Q_COUNT] = {
#define SQL_STORE_QUERY_NAME(name, n) [SQL_Q_##name] = #name,
    SQL_STORE_QUERIES(SQL_STORE_QUERY_NAME)
#undef SQL_STORE_QUERY_NAME
};

const int sql_store_query_params[SQL_Q_COUNT] = {
#define SQL_STORE_QUERY_PARAMS(name, n) [SQL_Q_##name] = n,
    SQL_STORE_QUERIES(SQL_STORE_QUERY_PARAMS)
#undef SQL_STORE_QUERY_PARAMS
};

/* Plain SQL that SQLite and PostgreSQL read alike, parameters written $1,
 * $2, ... (PostgreSQL's form, which SQLite takes as named parameters). A
 * statement either dialect says its own way is not here but in the
 * driver's table (store_sqlite_sql.c, stages/03-postgres/store_postgres_sql.c). */
const char *const sql_store_query_portable[SQL_Q_COUNT] = {
    [SQL_Q_BEGIN_READ] = "BEGIN",
    [SQL_Q_COMMIT] = "COMMIT",
    [SQL_Q_ROLLBACK] = "ROLLBACK",
    [SQL_Q_EXCHANGE_GET] =
        "SELECT name, budget, exchange_date, no_mutual, drawn, admin_hash, invite_hash,"
        " participant_count FROM exchanges WHERE id = $1",
    [SQL_Q_EXCHANGE_STATE] =
        "SELECT no_mutual, drawn, participant_count FROM exchanges WHERE id = $1",
    [SQL_Q_EXCHANGE_SET_DRAWN] = "UPDATE exchanges SET drawn = $2 WHERE id = $1",
    [SQL_Q_PRINCIPAL_FIND] =
        "SELECT 1, id, NULL FROM exchanges WHERE admin_hash = $1"
        " UNION ALL SELECT 2, exchange_id, id FROM participants WHERE token_hash = $1 LIMIT 1",
    /* After a lost connection: did our write commit? (ids are random and
     * chosen before the write, so the row's id says whose it is.) SQLite's
     * runner never asks, an embedded database loses no connection; the
     * statements are here so every name has its SQL, and its plan checked. */
    [SQL_Q_EXCHANGE_OUTCOME] = "SELECT admin_hash = $2 FROM exchanges WHERE id = $1",
    [SQL_Q_PARTICIPANT_OUTCOME] =
        "SELECT seq FROM participants WHERE id = $1 AND exchange_id = $2 AND token_hash = $3",
    [SQL_Q_EMAIL_TAKEN] = "SELECT 1 FROM participants WHERE exchange_id = $1 AND email_key = $2",
    [SQL_Q_PARTICIPANT_INSERT] =
        "INSERT INTO participants (id, exchange_id, name, email, email_key, wishlist, token_hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
    [SQL_Q_PARTICIPANT_LIST] =
        "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"
        " WHERE exchange_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    [SQL_Q_PARTICIPANT_GET] =
        "SELECT seq, id, name, email, email_key, wishlist, token_hash FROM participants"
        " WHERE id = $2 AND exchange_id = $1",
    [SQL_Q_PARTICIPANT_EXISTS] = "SELECT 1 FROM participants WHERE id = $2 AND exchange_id = $1",
    [SQL_Q_PARTICIPANT_DELETE] = "DELETE FROM participants WHERE id = $2 AND exchange_id = $1",
    [SQL_Q_WISHLIST_SET] =
        "UPDATE participants SET wishlist = $3 WHERE id = $2 AND exchange_id = $1",
    [SQL_Q_DRAW_PARTICIPANTS] =
        "SELECT id, name FROM participants WHERE exchange_id = $1 ORDER BY seq",
    [SQL_Q_DRAW_EXCLUSIONS] = "SELECT giver_id, receiver_id FROM exclusions WHERE exchange_id = $1",
    [SQL_Q_ASSIGNMENTS_DELETE] = "DELETE FROM assignments WHERE exchange_id = $1",
    /* The whole reveal in one statement (one round trip) and one snapshot:
     * exchange (no row: not found), giver (NULL: not found), drawn,
     * recipient. */
    [SQL_Q_ASSIGNMENT_REVEAL] =
        "SELECT e.drawn, g.name, r.id, r.name, r.wishlist FROM exchanges AS e"
        " LEFT JOIN participants AS g ON g.id = $2 AND g.exchange_id = e.id"
        " LEFT JOIN assignments AS a ON a.giver_id = g.id AND a.exchange_id = e.id"
        " LEFT JOIN participants AS r ON r.id = a.recipient_id"
        " WHERE e.id = $1",
    /* Mails in unexpanded batches count too: the depth is the same before
     * and after a worker expands one. The outbox's count is on the partial
     * index outbox_due: only the waiting rows. */
    [SQL_Q_REMINDERS_PENDING] =
        "SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL)"
        " + (SELECT coalesce(sum(mails), 0) FROM reminder_batches)",
};

const char *sql_store_query_sql(const char *const dialect[SQL_Q_COUNT], enum sql_store_query q)
{
    return dialect[q] ? dialect[q] : sql_store_query_portable[q];
}
