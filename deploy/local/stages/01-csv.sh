# deploy/local/stages/01-csv.sh - stage 01 sends reminders inside the request:
# into the Maildir build/run/01-csv/mail unless SANTA_SMTP names a server.
# Sourced by deploy/local/up and down; defines stage_up.
# shellcheck shell=bash

stage_up() {
  santa_args+=(--maildir "$run/mail")
}
