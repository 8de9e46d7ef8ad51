# deploy/local/stages/03-postgres.sh - stage 03's servers: a private
# PostgreSQL 15 (deploy/local/lib-postgres.sh) under build/run/03-postgres/pg,
# its database `santa` with the schema applied, then santa --pg pointing at it.
# Sourced by deploy/local/up and down; defines stage_up and stage_down.
# shellcheck shell=bash
# shellcheck source=deploy/local/lib-postgres.sh
. "$root/deploy/local/lib-postgres.sh"

stage_up() {
  # A port to remember for psql during the workshop (the next free one).
  PG_FIRST_PORT=${PG_FIRST_PORT:-54320} pg_start "$run" "$run/postgres.log" santa || return 1
  # Migrations are applied at every start too; --migrate first makes a
  # failing one show up here, with its message, rather than as a santa that
  # never became ready.
  "$binary" --migrate --pg "$PG_CONNINFO" >>"$log" 2>&1 ||
    { note "santa --migrate failed; see $log"; return 1; }
  santa_args+=(--pg "$PG_CONNINFO")
  worker_args=(--pg "$PG_CONNINFO") # santa-worker-03-postgres claims from the outbox table
  santa_data_args=() # the data lives in PostgreSQL
}

stage_down() {
  pg_after_stop "$run"
}
