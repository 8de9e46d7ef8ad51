/*
 * sql_store_query.h - the statements of a SQL store, by name: what every
 * dialect must say, and how many parameters each takes.
 *
 * The operations (sql_store.h) run statements by these names. What both
 * databases read alike is written once, here (sql_store_query_portable);
 * what each says its own way is in its driver's dialect table, indexed by
 * the same names (store_sqlite_sql.c, stages/03-postgres/store_postgres_sql.c),
 * so the two tables side by side are the dialect lesson: the same name, the
 * same parameters in the same order, different SQL. The text is constant:
 * values reach the database only as parameters, never by building SQL.
 *
 * X(NAME, parameter count)
 */
#ifndef SANTA_SQL_STORE_QUERY_H
#define SANTA_SQL_STORE_QUERY_H

#define SQL_STORE_QUERIES(X)                                                                       \
    X(BEGIN_READ, 0)  /* a transaction that only reads */                                          \
    X(BEGIN_WRITE, 0) /* a transaction that writes */                                              \
    X(COMMIT, 0)                                                                                   \
    X(ROLLBACK, 0)                                                                                 \
    X(SCHEMA_VERSION, 0)      /* the migration the database is at */                               \
    X(EXCHANGE_INSERT, 7)     /* id, name, budget, date, no_mutual, admin_hash, invite_hash */     \
    X(EXCHANGE_GET, 1)        /* id */                                                             \
    X(EXCHANGE_STATE, 1)      /* id: no_mutual, drawn, participant_count */                        \
    X(EXCHANGE_LOCK, 1)       /* the same, for a write that depends on it */                       \
    X(EXCHANGE_SET_DRAWN, 2)  /* id, drawn */                                                      \
    X(PRINCIPAL_FIND, 1)      /* token hash: kind, exchange id, participant id */                  \
    X(EXCHANGE_OUTCOME, 2)    /* id, admin_hash: did a create commit? */                           \
    X(PARTICIPANT_OUTCOME, 3) /* id, exchange id, token hash: did a join commit? (seq) */          \
    X(EMAIL_TAKEN, 2)         /* exchange id, email key */                                         \
    X(PARTICIPANT_INSERT, 7) /* id, exchange, name, email, email key, wishlist, token hash: seq */ \
    X(PARTICIPANT_LIST, 3)   /* exchange id, after seq, limit */                                   \
    X(PARTICIPANT_GET, 2)    /* exchange id, participant id */                                     \
    X(PARTICIPANT_EXISTS, 2)                                                                       \
    X(PARTICIPANT_DELETE, 2)                                                                       \
    X(WISHLIST_SET, 3)     /* exchange id, participant id, wishlist */                             \
    X(EXCLUSION_INSERT, 3) /* exchange id, giver, receiver; a repeat is no error */                \
    X(DRAW_PARTICIPANTS, 1)                                                                        \
    X(DRAW_EXCLUSIONS, 1)                                                                          \
    X(ASSIGNMENTS_INSERT, 2) /* exchange id, [[giver, recipient], ...] as JSON */                  \
    X(ASSIGNMENTS_DELETE, 1)                                                                       \
    X(ASSIGNMENT_REVEAL, 2) /* exchange id, giver id */                                            \
    X(REMINDERS_QUEUE, 3)   /* exchange id, traceparent, mails */                                  \
    X(REMINDERS_PENDING, 0)                                                                        \
    X(BATCH_TAKE, 0)   /* the oldest batch, deleted: exchange, mails, traceparent, queued */       \
    X(BATCH_LOCK, 1)   /* exchange id: no join or removal commits before the expansion */          \
    X(BATCH_EXPAND, 3) /* exchange id, traceparent, queued */                                      \
    X(OUTBOX_CLAIM, 3) /* worker, limit, lease ms: the due rows, leased */                         \
    X(OUTBOX_DONE, 1)  /* id */                                                                    \
    X(OUTBOX_RETRY, 3) /* id, delay ms, error */                                                   \
    X(OUTBOX_DEAD, 2)  /* id, error */                                                             \
    X(OUTBOX_STATS, 0) /* depth, age of the oldest in ms */

enum sql_store_query {
#define SQL_STORE_QUERY_ENUM(name, n) SQL_Q_##name,
    SQL_STORE_QUERIES(SQL_STORE_QUERY_ENUM)
#undef SQL_STORE_QUERY_ENUM
        SQL_Q_COUNT
};

/* Its name ("EXCHANGE_GET"): for logs, and PostgreSQL's prepared statement. */
extern const char *const sql_store_query_name[SQL_Q_COUNT];
/* How many parameters it takes: a driver refuses a call with another count. */
extern const int sql_store_query_params[SQL_Q_COUNT];
/* The text both dialects share ($1, $2, ... for the parameters), NULL for a
 * statement each dialect writes itself. */
extern const char *const sql_store_query_portable[SQL_Q_COUNT];

/* The text of q for a driver whose own statements are dialect (NULL where
 * the portable text serves): the dialect's, else the portable one. Both are
 * static: nothing to free. */
const char *sql_store_query_sql(const char *const dialect[SQL_Q_COUNT], enum sql_store_query q);

#endif /* SANTA_SQL_STORE_QUERY_H */
