#!/usr/bin/env bash
# kill at any moment of a purge: hokand (a test build with fault injection) stops dead
# between the steps of a destruction; the restarted daemon must finish the purge, never
# destroy an unexpired or held record, and leave exactly one receipt for what went.
source "$(dirname "$0")/lib.sh"
# (buckets/audit is left out of the byte search: it records this test's --grep filters.)

config=$(write_config <<'TOML'
[[category]]
name = "operation"
retention = "30d"
TOML
)
old=$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)
older=$(date -u -d '-50 days' +%Y-%m-%dT%H:%M:%SZ)
recent=$(date -u -d '-1 days' +%Y-%m-%dT%H:%M:%SZ)

for point in drop-after-receipt drop-after-rename drop-after-remove rewrite-after-receipt rewrite-after-swap; do
  rm -rf "$WORK/state"
  start_hokand "$config"
  lines=("<13>1 $older h app - - - user=gone-user whole-bucket-$point"
         "<13>1 $old h app - - - user=gone-user partial-bucket-$point"
         "<13>1 $old h app - - - user=held-user held-$point"
         "<13>1 $recent h app - - - user=kept-user kept-$point")
  out=""; for l in "${lines[@]}"; do out+="${#l} $l"; done
  printf '%s' "$out" > "/dev/tcp/127.0.0.1/$TCP_PORT"
  wait_count 4 >/dev/null
  hctl hold place HOLD-1 --reason "keep one" --user held-user >/dev/null
  stop_hokand
  # The crash: the purge dies at $point.
  HOKAN_TEST_CRASH_AT=$point "$HOKAND" --config "$config" >> "$WORK/hokand.log" 2>&1 &
  HOKAND_PID=$!
  # The start-up catch-up purge runs first and dies there (bounded: 10 s).
  for i in $(seq 1 100); do kill -0 "$HOKAND_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$HOKAND_PID" 2>/dev/null; then stop_pid "$HOKAND_PID"; code=alive; else
    set +e; wait "$HOKAND_PID"; code=$?; set -e; fi
  HOKAND_PID=""
  expect_eq "$point: died at the crash point" 137 "$code"
  start_hokand "$config"
  expect_eq "$point: whole expired bucket destroyed" 0 "$(hctl query --purpose test --count --grep whole-bucket-$point)"
  expect_eq "$point: expired record destroyed" 0 "$(hctl query --purpose test --count --grep partial-bucket-$point)"
  expect_eq "$point: held record kept" 1 "$(hctl query --purpose test --count --grep held-$point)"
  expect_eq "$point: unexpired record kept" 1 "$(hctl query --purpose test --count --grep kept-$point)"
  expect_eq "$point: no destroyed bytes on disk" no \
    "$(grep -r -a -q --exclude-dir=audit -e whole-bucket-$point -e partial-bucket-$point "$WORK/state" && echo yes || echo no)"
  expect_eq "$point: one receipt per destruction, none twice" 2 \
    "$(hctl ledger --format json | jq -s 'map(.records) | add')"
  stop_hokand
done
finish
