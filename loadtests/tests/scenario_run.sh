#!/usr/bin/env bash
# scenario_run.sh SANTA_LOAD STAGE_BINARY SCENARIO [FLAGS...] - integration test: runs
# santa-load in scenario mode for a few seconds against a real stage binary
# (started here on a free loopback port with a fresh data directory) and
# checks that the results folder is complete and adds up:
#   requests > 0; errors == 0; errors_by_kind sums to errors; the transactions'
#   requests sum to the total and each transaction's steps to it; samples.csv
#   has one row per request; timeseries.csv one row per second; every
#   transaction with >= 10 % of the weight ran; the slowest list carries trace ids.
set -euo pipefail
load=$1 stage=$2 scenario=$3
shift 3
extra=("$@")   # more santa-load flags, e.g. --rate 40 for open loop
mode=closed
for f in "${extra[@]}"; do [ "$f" = --rate ] && mode=open; done
work=$(mktemp -d /tmp/santa-load-it-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "scenario_run: $*" >&2; exit 1; }
command -v jq >/dev/null || fail "jq is missing (deploy/install-deps)"

# A free port: a random one from 20000 up that nothing answers on (others run
# tests on this machine too; a port taken between the probe and the bind makes
# the stage fail to start, and the test says so).
port=
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999)
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port found"
"$stage" --listen "127.0.0.1:$port" --data "$work/data" --threads 64 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$port/readyz" && break
  sleep 0.1
done
curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$port/readyz" || fail "the stage did not start"

out=$work/out
"$load" --scenario "$scenario" --url "http://127.0.0.1:$port" -t 2 -c 8 -d 3 -w 1 \
  --seed-exchanges 6 --seed-participants 60 --out "$out" --stage it -q "${extra[@]}" || {
  rc=$?; [ "$rc" -eq 3 ] || fail "santa-load exited $rc"; }
s=$out/summary.json
[ -f "$s" ] || fail "no summary.json"
check() { # jq-expression description
  jq -e "$1" "$s" >/dev/null || fail "$2 ($(jq -c "$1" "$s" 2>&1 || true))"
}
check '.requests > 0' "requests > 0"
check '.errors == 0' "no errors against a healthy stage"
check '(.errors_by_kind | add) == .errors' "errors_by_kind adds up to errors"
check '([.transactions[].requests] | add) == .requests' "transactions add up to requests"
check '[.transactions[] | (([.steps[].requests] | add) == .requests)] | all' \
  "each transaction's steps add up to it"
# Rare transactions (read-mostly's 1 %) may not run in 3 s; the common ones must.
check '([.transactions[].weight] | add) as $w
       | [.transactions[] | select(.weight / $w >= 0.1) | .count > 0] | all' \
  "every transaction with >= 10 % of the weight ran at least once"
check ".meta.mode == \"$mode\" and .meta.stage == \"it\" and .meta.samples_every == 1" "meta"
check '.latency_ms.p50 <= .latency_ms.p99 and .latency_ms.p99 <= .latency_ms.max' "percentiles"
check '.slowest | length > 0 and (.[0].trace_id | test("^[0-9a-f]{32}$"))' "slowest trace ids"
check '.server_timing_ms.store.count > 0' "Server-Timing was read"
rows=$(($(wc -l <"$out/samples.csv") - 1))
want=$(jq .requests "$s")
[ "$rows" -eq "$want" ] || fail "samples.csv has $rows rows, summary says $want requests"
secs=$(($(wc -l <"$out/timeseries.csv") - 1))
[ "$secs" -eq 3 ] || fail "timeseries.csv has $secs rows, want 3"
series=$(awk -F, 'NR > 1 { n += $2 } END { print n }' "$out/timeseries.csv")
[ "$series" -eq "$want" ] || fail "timeseries.csv counts $series requests, summary $want"
# A scenario that queues reminders (the remind step) against a stage with a
# queue: the /metrics scrapes sampled its depth (no worker runs here, so it
# only grows), and santa-report draws it over time.
if grep -q '^steps = .*remind' "$scenario"; then
  grep -h '^santa_reminder_queue_depth ' "$out"/metrics/t*.prom 2>/dev/null |
    awk '$2 > 0 { seen = 1 } END { exit !seen }' ||
    fail "no metrics/tNNNNN.prom scrape saw santa_reminder_queue_depth above 0"
  "$(dirname "$load")/santa-report" run "$out" >/dev/null || fail "santa-report failed"
  grep -q 'id="chart-queue"' "$out/report.html" || fail "report.html has no queue depth chart"
fi
echo "scenario_run: ok: $want requests, $(jq -c '[.transactions | to_entries[] | {(.key): .value.count}] | add' "$s")"
