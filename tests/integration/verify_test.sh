#!/usr/bin/env bash
# Tamper evidence: hokanctl verify finds every bucket intact after ordinary writes (the
# store's unit tests cover restarts and purges), then finds a block altered, a block
# removed and a block inserted behind hokan's back with RocksDB's own `ldb` tool, as
# someone with the disk but not hokan would; and footage whose bytes were altered.
source "$(dirname "$0")/lib.sh"
command -v ldb >/dev/null || { echo "ldb missing (rocksdb-tools): run tools/install-deps" >&2; exit 1; }

config=$(write_config <<'TOML'
[[category]]
name = "cctv"
kind = "object"
retention = "3650d"
[[category]]
name = "operation"
retention = "3650d"
TOML
)
sed -i 's/^control = .*/&\nhttp = "127.0.0.1:0"/' "$config"
start_hokand "$config"
url="http://127.0.0.1:$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")"
for cam in door-1 door-2; do
  { printf 'FOOTAGE-%s ' "$cam"; head -c 20000 /dev/urandom; } > "$WORK/$cam.ts"
  expect_eq "footage $cam stored" 201 "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/$cam.ts" \
    -H "X-Hokan-Time: 2026-11-20T03:00:00+09:00" -H "Content-Type: video/mp2t" -H "X-Hokan-Camera: $cam" \
    "$url/v1/objects/cctv/$cam.ts")"
done
exec 3<>"/dev/tcp/127.0.0.1/$TCP_PORT"
for i in $(seq 1 60); do
  printf '<13>1 2026-11-20T03:%02d:00+09:00 web01 app - - - message number %d\n' "$((i % 60))" "$i" >&3
  [ $((i % 20)) = 0 ] && sleep 0.2  # several writes, so several links
done
exec 3>&-
wait_count 60 --host web01 > /dev/null

status=0; out=$(hctl verify --format json) || status=$?
expect_eq "intact after writes: exit 0" 0 "$status"
expect_eq "no problems" "[]" "$(jq -c '.problems' <<<"$out" | sort -u | tr -d '\n')"
[ "$(jq -r .links <<<"$out" | head -1)" -ge 2 ] && pass || fail "expected several seal links: $out"
expect_contains "verify is audited" '"action":"verify"' \
  "$(hctl query --purpose test --category audit --format json | jq -c '{action}' | tr -d ' ')"

stop_hokand
# Footage: one byte of door-2's segment changed in place.
footage=$(ls -d "$WORK"/state/buckets/cctv/*/2026-11-20)
chunk=$(ldb --db="$footage" scan --key_hex --value_hex --column_family=default 2>/dev/null | grep '^0x6F' \
  | while read -r k _ v; do [[ "$v" == 0x464F4F544147452D646F6F722D32* ]] && echo "$k $v"; done || true)
chunk_key=${chunk%% *}; chunk_value=${chunk#* }
[ -n "$chunk_key" ] && pass || fail "door-2's chunk not found"
ldb --db="$footage" put --key_hex --value_hex --column_family=default "$chunk_key" \
  "${chunk_value:0:40}00${chunk_value:42}" >/dev/null
bucket=$(ls -d "$WORK"/state/buckets/operation/*/2026-11-20)
blocks=$(ldb --db="$bucket" scan --key_hex --value_hex --column_family=default 2>/dev/null | grep '^0x62')
first_key=$(sed -n 1p <<<"$blocks" | awk '{print $1}')
first_value=$(sed -n 1p <<<"$blocks" | awk '{print $3}')
second_key=$(sed -n 2p <<<"$blocks" | awk '{print $1}')
# Altered: "number" becomes "NUMBER" inside the first block's records.
altered_value=${first_value//6E756D626572/4E554D424552}
[ "$altered_value" != "$first_value" ] && pass || fail "could not find the text to alter in $first_value"
ldb --db="$bucket" put --key_hex --value_hex --column_family=default "$first_key" "$altered_value" >/dev/null
# Removed: the second block.
ldb --db="$bucket" delete --key_hex --column_family=default "$second_key" >/dev/null
# Inserted: a copy of the first block under a key hokan never wrote (id + 0x1000).
inserted_key="${first_key:0:30}FFFF"
ldb --db="$bucket" put --key_hex --value_hex --column_family=default "$inserted_key" "$first_value" >/dev/null

# Damaged: the third block's trailer claims four billion records.
third_key=$(sed -n 3p <<<"$blocks" | awk '{print $1}')
third_value=$(sed -n 3p <<<"$blocks" | awk '{print $3}')
[ -n "$third_key" ] && pass || fail "expected a third block"
ldb --db="$bucket" put --key_hex --value_hex --column_family=default "$third_key" \
  "${third_value:0:${#third_value}-10}FFFFFFFF02" >/dev/null

start_hokand "$config"
status=0; out=$(hctl verify --format json) || status=$?
expect_eq "tampering found: exit 1" 1 "$status"
kinds=$(jq -r 'select(.category == "operation") | .problems[].kind' <<<"$out" | sort | tr '\n' ' ')
expect_eq "two altered, one inserted, one removed" "altered altered inserted removed " "$kinds"
# A query of the damaged day goes on past the damage, says so, and counts it.
set +e; found=$(hctl query --purpose test --host web01 --count 2>"$WORK/query.err"); code=$?; set -e
expect_eq "the query of a damaged day succeeds" 0 "$code"
[ "$found" -gt 0 ] && pass || fail "nothing found past the damaged block"
expect_contains "and says what it skipped" "damaged blocks or records were skipped" "$(cat "$WORK/query.err")"
url="http://127.0.0.1:$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")"
expect_eq "the metric counts it" yes \
  "$(curl -s "$url/metrics" | awk '$1=="hokan_corrupt_total" && $2>0 {print "yes"}')"
expect_contains "the log names the bucket" "skipped it and went on" "$(cat "$WORK/hokand.log")"
expect_eq "hokand is still up" yes "$(kill -0 "$HOKAND_PID" && echo yes)"
footage_problems=$(jq -r 'select(.category == "cctv") | .problems[] | .kind + ": " + .detail' <<<"$out")
expect_eq "one segment's bytes altered" 1 "$(grep -c "bytes differ from their sealed SHA-256" <<<"$footage_problems")"
expect_eq "and nothing else in the footage bucket" 1 "$(grep -c . <<<"$footage_problems")"
expect_contains "the table says so" "TAMPERING OR DAMAGE FOUND" "$(hctl verify 2>&1 || true)"
expect_contains "the failed verification is audited" "failed verification" \
  "$(hctl query --purpose test --category audit --format json | jq -r .message)"
finish
