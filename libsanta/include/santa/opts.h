/*
 * opts.h - the option table of the command-line tools that are not a stage
 * server (santa-remind, the santa-worker-* programs).
 *
 * The same rules as config.h, on a table each tool declares itself: every
 * option has a flag, an environment variable, a default, bounds and a help
 * line; values are read default, then environment, then command line; the
 * table prints --help. Tools keep their own table because their options
 * (batch size, lease, attempts...) are not a server's, and a server's
 * (listen address, threads) are not theirs.
 *
 * Why not config.h's option sets (which already take rows that are not the
 * core's, and would replace this second parser)? Moving the tools over is
 * the plan, and what it takes is known; it was left out of issue 13's last
 * round for time, not because it cannot be done:
 *  - config.c reads every row's environment variable and prints it in
 *    --help; rows without one (--ready-file, santa-remind's --exchange,
 *    --index, --threads, --processes) would need "command line only"
 *    support there first;
 *  - a tool's rows must land in a struct at an offset (config.h) rather
 *    than at a pointer: worker.c's locals become one struct, and each back
 *    end's value (worker_sqlite.c's data_dir, worker_postgres.c's conninfo,
 *    worker_redis.c's address), today a file-level static because the
 *    santa_queue_open_fn callback carries no context, moves into a struct
 *    the back end's main() owns and santa_worker_config points to;
 *  - config.c's messages say "of this stage" and its --help has no summary
 *    line: both need a word for tools.
 */
#ifndef SANTA_OPTS_H
#define SANTA_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SANTA_OPT_STR 256

enum santa_tool_opt_type {
    SANTA_TOOL_STRING, /* char[SANTA_OPT_STR]; may be empty */
    SANTA_TOOL_UINT,   /* uint32_t within [min, max] */
    SANTA_TOOL_BOOL,   /* uint32_t 0/1; a flag without value on the command line */
};

struct santa_opt {
    const char *flag; /* without the leading "--" */
    const char *env;  /* NULL: command line only */
    enum santa_tool_opt_type type;
    const char *def;
    uint32_t min, max;
    void *dst;
    const char *metavar;
    const char *help;
};

enum santa_opts_result { SANTA_OPTS_OK = 0, SANTA_OPTS_EXIT_OK = 1, SANTA_OPTS_ERROR = 2 };

/* Fills every option's dst; messages go to stderr (--help to stdout). */
enum santa_opts_result santa_opts_load(const char *program, const char *summary,
                                       const struct santa_opt *opts, size_t n, int argc,
                                       char **argv);

#endif /* SANTA_OPTS_H */
