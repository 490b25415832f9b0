#!/usr/bin/env bash
# Hostile input never kills or fools hokand (issue 9): the requests, headers and lines
# that used to crash it or pass silently, sent by real clients (curl, socat, logger,
# runuser'd hokanctl, and control_client for what hokanctl never sends). Needs root for
# the Unix users, as CI has.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "hostile_input_test creates Unix users and must run as root" >&2; exit 1; }
: "${CONTROL_CLIENT:?CONTROL_CLIENT must point at the control_client test tool}"

users=(hk-opshold hk-inv hk-nobody)
for u in "${users[@]}"; do id "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"; done
chmod 755 "$WORK"
mkdir -p "$WORK/bin" && cp "$HOKANCTL" "$WORK/bin/hokanctl" && chmod 755 "$WORK/bin" "$WORK/bin/hokanctl"
as() { local who=$1; shift; runuser -u "$who" -- "$WORK/bin/hokanctl" --socket "$WORK/hokan.sock" "$@"; }
alive() { kill -0 "$HOKAND_PID" 2>/dev/null && hctl status >/dev/null 2>&1 && echo yes || echo no; }

config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "1d"
match = { app = ["sshd"] }

[[category]]
name = "requests"
starts = "case_closed"
retention = "1y"
match = { app = ["reqform"] }

[[category]]
name = "cctv"
kind = "object"
retention = "30d"

[[category]]
name = "disclosure_request"
kind = "object"
starts = "case_closed"
retention = "1y"

[[category]]
name = "operation"
retention = "1d"

[[role]]
name = "ops-hold"
users = ["hk-opshold"]
actions = ["hold", "query"]
categories = ["operation"]

[[role]]
name = "investigator"
users = ["hk-inv"]
actions = ["query", "hold", "purge"]
categories = ["*"]
TOML
)
sed -i 's/^control = .*/&\ncontrol_mode = "0666"\nhttp = "127.0.0.1:0"/' "$config"
start_hokand "$config"
HTTP_PORT=$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
url="http://127.0.0.1:$HTTP_PORT"
send_tcp() { socat -u - "TCP:127.0.0.1:$TCP_PORT"; }
audit_json() { hctl query --purpose test --category audit --format json; }

# ---- Crashes ---------------------------------------------------------------------------
# A case id that is not UTF-8, in a header (unauthenticated, no tokens configured) and in
# a datagram for a case-clock category.
printf 'form' > "$WORK/f1.pdf"
for i in 1 2 3; do
  code=$(curl -s -o "$WORK/body" -w '%{http_code}' -T "$WORK/f1.pdf" \
    -H "X-Hokan-Time: $(date -u +%FT%TZ)" -H $'X-Hokan-Case: REQ-\xff' "$url/v1/objects/disclosure_request/f1.pdf")
  expect_eq "non-UTF-8 case header refused ($i)" 400 "$code"
done
expect_contains "the refusal names the header" "X-Hokan-Case: not valid UTF-8" "$(cat "$WORK/body")"
printf '<134>1 %s host1 reqform - - - case=BAD-\xff form received\n' "$(date -u +%FT%TZ)" | socat -u - "UDP:127.0.0.1:$UDP_PORT"
expect_eq "the datagram is stored" 1 "$(wait_count 1 --category requests)"
expect_eq "and flagged malformed, bytes kept" "true" \
  "$(hctl query --purpose test --category requests --format json | jq -r '.malformed')"
expect_eq "alive after bad case ids" yes "$(alive)"

# Deep nesting, from a caller with no role at all.
out=$(runuser -u hk-nobody -- "$CONTROL_CLIENT" "$WORK/hokan.sock" deep 100000)
expect_contains "deep nesting refused" "nested deeper than" "$out"
expect_eq "alive after deep nesting" yes "$(alive)"

# Every op with each of its fields wrong-typed, unknown fields, and framing abuse.
cat > "$WORK/base.jsonl" <<'JSON'
{"op":"query","purpose":"p","since":"-1h","until":"now","category":["operation"],"host":["h"],"app":["a"],"user":["u"],"ip":["1.2.3.4"],"grep":"x","limit":5,"reverse":false,"count":true,"follow":false}
{"op":"export","purpose":"p","regex":"x","limit":5,"reverse":false,"anonymize":true,"key_hex":"00112233445566778899aabbccddeeff"}
{"op":"status"}
{"op":"purge","dry_run":true,"category":["operation"]}
{"op":"case_close","id":"C1","reason":"r","outcome":"o"}
{"op":"case_list","which":"open"}
{"op":"hold_place","name":"h","reason":"r","category":["operation"],"host":["h"],"camera":["c"],"user":["u"],"ip":["1.2.3.4"],"case":["C"],"since":"-1d","until":"now","filter_text":"t"}
{"op":"hold_release","name":"h","reason":"r"}
{"op":"ledger","since":"-1d"}
{"op":"verify","category":["operation"],"since":"-1d","until":"now"}
{"op":"subject_find","purpose":"p","user":["u"]}
{"op":"subject_erase","reason":"r","user":["u"],"category":["operation"]}
{"op":"object_list","purpose":"p","category":"cctv","camera":["c"],"since":"-1d","until":"now"}
{"op":"object_get","purpose":"p","category":"cctv","name":"n"}
JSON
jq -c '. as $r | ($r | keys[] | select(. != "op")) as $k | (5, -1, 1.5, true, "x", [1], {}) as $v
       | ($r[$k] | type) as $t | ($v | type) as $vt
       | select(if $t == "number" then ($vt != "number" or $v < 0 or $v != ($v | floor))
                elif $t == "array" then ($vt != "array" or (($v | map(type) | all(. == "string")) | not))
                else $vt != $t end)
       | $r + {($k): $v}' "$WORK/base.jsonl" > "$WORK/hostile.jsonl"
jq -c '. + {"colour": "blue"}' "$WORK/base.jsonl" >> "$WORK/hostile.jsonl"
cat >> "$WORK/hostile.jsonl" <<'JSON'
{"op":"purge","dry_run":"x"}
{"op":"export","purpose":"p","anonymize":"yes"}
{"op":"export","purpose":"p","anonymize":true,"key_hex":"zzzz"}
{"op":"hold_place","name":"h","reason":"r","since":5}
{"op":"query","purpose":"p","limit":"abc"}
{"op":"subject_erase","reason":"r","user":["u"],"category":5}
{"op":"query","purpose":"p","host":[[["x"]]]}
{"op":"frobnicate"}
{"op":null}
{}
[]
"op"
not json at all
{"op":"query","purpose":"p"
JSON
printf '\n' >> "$WORK/hostile.jsonl"
lines=$(wc -l < "$WORK/hostile.jsonl")
answers=$("$CONTROL_CLIENT" "$WORK/hokan.sock" lines "$WORK/hostile.jsonl")
expect_eq "every hostile request answered" "$lines" "$(wc -l <<<"$answers")"
expect_eq "each with one error frame" "$lines" "$(grep -c '^{"error":' <<<"$answers")"
expect_eq "the error names the field" yes \
  "$(grep -q '"error":"bad request: dry_run: expected true or false (got a string)"' <<<"$answers" && echo yes || echo no)"
expect_eq "alive after $lines hostile requests" yes "$(alive)"
[ "$lines" -ge 150 ] && pass || fail "only $lines hostile requests generated"

# ---- Silently wrong, no longer ---------------------------------------------------------
# A UTF-8-encoded surrogate is flagged; every output stays valid.
printf '<134>1 %s host1 surrapp - - - bad \xed\xa0\x80 text\n' "$(date -u +%FT%TZ)" | send_tcp
expect_eq "surrogate stored" 1 "$(wait_count 1 --app surrapp)"
json=$(hctl query --purpose test --app surrapp --format json)
expect_eq "surrogate flagged malformed" true "$(jq -r .malformed <<<"$json")"
expect_eq "its JSON is valid" 0 "$(jq -e . <<<"$json" >/dev/null; echo $?)"
expect_contains "its table row is not empty" "surrapp" "$(hctl query --purpose test --app surrapp)"

# A sender time of year 0001 counts from when it was received.
printf '<134>1 0001-01-01T00:00:00Z host1 ancientapp - - - from the dawn of time\n' | send_tcp
expect_eq "ancient claim stored" 1 "$(wait_count 1 --app ancientapp --since -1h)"
expect_contains "the claim is kept" "0001-01-01" \
  "$(hctl query --purpose test --app ancientapp --format json | jq -r .claimed_time)"

# Roles scope holds: a hold role over "operation" placing a hold without --category
# keeps operation records only; expired access records of the same user still go.
old=$(date -u -d '-3 days' +%FT%TZ)
printf '<38>1 %s host1 sshd - - - Accepted password for alice from 192.0.2.7 port 22 ssh2\n' "$old" | send_tcp
printf '<134>1 %s host1 billing - - - user=alice action=update\n' "$old" | send_tcp
expect_eq "two old records of alice" 2 "$(wait_count 2 --user alice)"
out=$(as hk-opshold hold place opshold --reason "internal review" --user alice)
expect_contains "the hold says what it covers" "placed over operation" "$out"
set +e; out=$(as hk-opshold hold place opshold2 --reason x --category access 2>&1); code=$?; set -e
expect_eq "a hold outside the role is refused" 1 "$code"
expect_contains "and says why" "may not hold category \"access\"" "$out"
out=$(as hk-inv hold place invhold --reason "litigation" --category access --user carol)
set +e; out=$(as hk-opshold hold release invhold --reason "not mine" 2>&1); code=$?; set -e
expect_eq "another's hold outside the role cannot be released" 1 "$code"
expect_contains "the refusal says why" "placed by hk-inv" "$out"
expect_eq "that hold is still in place" 1 "$(hctl hold list --format json | jq -r .name | grep -c '^invhold$')"
hctl purge now >/dev/null
expect_eq "the access record expired and went" 0 "$(hctl query --purpose t --count --user alice --category access)"
expect_eq "the operation record is held" 1 "$(hctl query --purpose t --count --user alice --category operation)"
out=$(as hk-opshold hold release opshold --reason "review done")
expect_contains "one's own hold is released" "released" "$out"
set +e; out=$(as hk-opshold purge now 2>&1); code=$?; set -e
expect_contains "no purge role, no purge" "no role that grants \"purge\"" "$out"

# Concurrent PUTs of one name: one 201, the rest 409, and the winner's bytes read back.
for i in 1 2 3; do head -c 200000 /dev/urandom > "$WORK/seg$i"; done
putters=()
for i in 1 2 3; do
  curl -s -o /dev/null -w '%{http_code}\n' -X PUT -T "$WORK/seg$i" \
    -H "X-Hokan-Time: $(date -u +%FT%TZ)" -H "X-Hokan-Camera: door" "$url/v1/objects/cctv/race.ts" > "$WORK/put$i" &
  putters+=($!)
done
wait "${putters[@]}"
codes=$(cat "$WORK"/put1 "$WORK"/put2 "$WORK"/put3 | sort | xargs)
expect_eq "one upload wins the name" "201 409 409" "$codes"
hctl object get cctv race.ts --purpose test -o "$WORK/race.out"
winner=""; for i in 1 2 3; do [ "$(cat "$WORK/put$i")" = 201 ] && winner=$i; done
expect_eq "the winner's bytes read back" "$(sha256sum < "$WORK/seg$winner")" "$(sha256sum < "$WORK/race.out")"

# A purged object's name is free again.
curl -s -o /dev/null -X PUT -T "$WORK/seg1" -H "X-Hokan-Time: $(date -u -d '-40 days' +%FT%TZ)" \
  -H "X-Hokan-Camera: door" "$url/v1/objects/cctv/old.ts"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -T "$WORK/seg1" -H "X-Hokan-Time: $(date -u +%FT%TZ)" \
  "$url/v1/objects/cctv/old.ts")
expect_eq "a kept object's name is taken" 409 "$code"
hctl purge now >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -T "$WORK/seg1" -H "X-Hokan-Time: $(date -u +%FT%TZ)" \
  "$url/v1/objects/cctv/old.ts")
expect_eq "a purged object's name is free" 201 "$code"

# ---- Audit -----------------------------------------------------------------------------
# Every request of a user without a role is audited (under the rate limit).
before=$(audit_json | jq -r 'select(.msgid=="refused" and .user=="hk-nobody")' | jq -s length)
for args in "status" "categories" "query --purpose x" "hold list" "ledger" "verify" "purge --dry-run" \
            "object list --category operation --purpose x"; do
  # shellcheck disable=SC2086
  as hk-nobody $args >/dev/null 2>&1 || true
done
after=$(audit_json | jq -r 'select(.msgid=="refused" and .user=="hk-nobody")' | jq -s length)
expect_eq "all 8 refusals of a stranger audited" 8 $((after - before))
set +e; out=$(as hk-nobody object list --category operation --purpose x 2>&1); set -e
expect_contains "no category is revealed before the role check" "has no role" "$out"
# Past the limit, a stranger's refusals stop flooding the trail.
for i in $(seq 1 30); do as hk-nobody status >/dev/null 2>&1 || true; done
flood=$(audit_json | jq -r 'select(.msgid=="refused" and .user=="hk-nobody")' | jq -s length)
[ $((flood - after)) -le 4 ] && pass || fail "30 more refusals recorded $((flood - after)) audit records"

# A huge filter is refused before it is buffered; a large one is audited as a digest.
du0=$(du -sk "$WORK/state" | cut -f1)
out=$("$CONTROL_CLIENT" "$WORK/hokan.sock" big 62914560)
expect_contains "a 60 MiB request is refused" "bytes; at most" "$out"
out=$("$CONTROL_CLIENT" "$WORK/hokan.sock" big 4000)
grep_digest=$(audit_json | jq -r '.sd["hokan-audit@32473"].filter // empty' | grep -c '<4000 bytes, sha256' || true)
[ "$grep_digest" -ge 1 ] && pass || fail "a 4000-byte grep was not audited as a digest"
du1=$(du -sk "$WORK/state" | cut -f1)
[ $((du1 - du0)) -lt 2048 ] && pass || fail "refused large requests grew the state by $((du1 - du0)) KiB"

# A client that stops reading after the first record finds the intent already stored.
now=$(date -u +%FT%TZ)
awk -v now="$now" 'BEGIN { for (i = 1; i <= 20000; i++) printf "<134>1 %s host2 bulk - - - bulk record %d of a slow read\n", now, i }' | send_tcp
expect_eq "bulk stored" 20000 "$(wait_count 20000 --app bulk)"
"$CONTROL_CLIENT" "$WORK/hokan.sock" stall '{"op":"query","purpose":"SLOW-READER-1","app":["bulk"]}' > "$WORK/stall.out" &
staller=$!; PEER_PIDS+=($staller)
for i in $(seq 1 100); do [ -s "$WORK/stall.out" ] && break; sleep 0.1; done
expect_contains "the slow reader got a first record" '"event"' "$(head -1 "$WORK/stall.out")"
intent=$(audit_json | jq -c 'select(.msgid=="intent" and .sd["hokan-audit@32473"].purpose=="SLOW-READER-1")')
expect_eq "its intent is stored while it stalls" 1 "$(grep -c . <<<"$intent")"
stop_pid "$staller"
for i in $(seq 1 100); do
  outcome=$(audit_json | jq -r 'select(.msgid=="query" and .sd["hokan-audit@32473"].purpose=="SLOW-READER-1") | .sd["hokan-audit@32473"].why')
  [ -n "$outcome" ] && break; sleep 0.1
done
expect_contains "its outcome says it was cut short" "cut short" "$outcome"
# 32 connections that send a frame's header and nothing more do not lock others out:
# one uid gets 8 at once (the rest are told the daemon is busy), and each is cut off
# after [listen] control_timeout.
runuser -u hk-nobody -- "$CONTROL_CLIENT" "$WORK/hokan.sock" header-only 32 > "$WORK/lockers" 2>&1 &
locker=$!; PEER_PIDS+=($locker)
for i in $(seq 1 100); do [ "$(grep -c . "$WORK/lockers")" -ge 24 ] && break; sleep 0.1; done
started=$(date +%s%N)
expect_eq "hokanctl still answers beside 32 stuck connections" 0 "$(timeout 5 "$HOKANCTL" --socket "$WORK/hokan.sock" status >/dev/null; echo $?)"
expect_eq "as another user too" 0 "$(as hk-inv status >/dev/null; echo $?)"
# Each stuck one is answered once its control_timeout (10 s) has passed.
for i in $(seq 1 250); do kill -0 "$locker" 2>/dev/null || break; sleep 0.1; done
busy=$(grep -c "this user has too many control connections" "$WORK/lockers" || true)
timed_out=$(grep -c "not sent within \[listen\] control_timeout" "$WORK/lockers" || true)
expect_eq "one uid gets 8 connections, the rest are told why" "24 8" "$busy $timed_out"
expect_eq "alive at the end" yes "$(alive)"
finish
