#!/usr/bin/env bash
# Retention end to end through the real daemon and hokanctl: per-category and per-host
# periods, back-filled events, future-dated senders, case-closed clocks (by command and
# by event), legal holds, dry runs, the destruction ledger, and the proof on disk: after
# `purge now` returns, no file under the state dir holds a destroyed record's bytes
# (grep -a over every file, and sst_dump over every SST for compressed blocks), while
# kept records are still found by the same searches.
source "$(dirname "$0")/lib.sh"
command -v sst_dump >/dev/null || { echo "sst_dump missing: run tools/install-deps" >&2; exit 1; }

config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "30d"
retention_by_host = { "keep-host" = "365d" }
match = { app = ["sshd"] }

[[category]]
name = "disclosure"
retention = "1y"
starts = "case_closed"
match = { app = ["scanner"] }

[[category]]
name = "applicant"
starts = "case_closed"
retention_by_outcome = { rejected = "0d", hired = "5y", default = "1y" }
match = { app = ["hr"] }

[[category]]
name = "operation"
retention = "365d"
TOML
)
start_hokand "$config"

tok() { echo "$1-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
DESTROY=$(tok destroyme); KEEP=$(tok keepme); KEEPHOST=$(tok keephost); HELD=$(tok heldme)
APPLICANT=$(tok applicant); APPLICANT2=$(tok applicanttwo); REQUEST=$(tok request)
old=$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)
recent=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ)
future=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)

send() { # rfc5424 lines, octet-counted, over one TCP connection
  local line out=""
  for line in "$@"; do out+="${#line} $line"; done
  printf '%s' "$out" > "/dev/tcp/127.0.0.1/$TCP_PORT"
}
send "<38>1 $old web01 sshd 1 - - Accepted password for alice from 192.0.2.1 port 1 ssh2 $DESTROY" \
     "<38>1 $recent web01 sshd 1 - - Accepted password for alice from 192.0.2.1 port 1 ssh2 $KEEP" \
     "<38>1 $old keep-host sshd 1 - - Accepted password for carol from 192.0.2.3 port 1 ssh2 $KEEPHOST" \
     "<38>1 $old web02 sshd 1 - - Accepted password for held-user from 192.0.2.2 port 1 ssh2 $HELD" \
     "<134>1 $old hrsys hr - - - case=APP-1 applicant form $APPLICANT" \
     "<134>1 $old hrsys hr - - - case=APP-2 applicant form $APPLICANT2" \
     "<134>1 $old scan01 scanner - - - case=REQ-1 disclosure form $REQUEST" \
     "<134>1 $future web01 billing - - - from the future"
expect_eq "all stored" 8 "$(wait_count 8)"

# A claimed time beyond clock_skew is replaced by the received time; the claim is kept.
fut=$(hctl query --purpose test --format json --app billing)
expect_eq "future claim kept" true "$(jq -r '.claimed_time != null' <<<"$fut")"
expect_eq "time is the received time" "$(jq -r .received <<<"$fut" | cut -c1-16)" "$(jq -r .time <<<"$fut" | cut -c1-16)"

# Holds: one that keeps a record, one that (so far) keeps nothing.
out=$(hctl hold place INC-1 --reason "police disclosure request 2026-11" --user held-user)
expect_contains "hold keeps one" "keeps 1 records" "$out"
out=$(hctl hold place PRESERVE-2 --reason "litigation notice" --user nobody-yet --category access)
expect_contains "empty hold allowed and said" "matches no record yet" "$out"
expect_eq "hold list" "INC-1 PRESERVE-2" "$(hctl hold list --format json | jq -r .name | sort | xargs)"

# The audit trail keeps what investigators typed (this test's --grep TOKEN filters) under
# its own retention; that is the audit's purpose, not a copy of the record, so the
# searches for record bytes leave buckets/audit out (and a check below shows it is there).
raw_has() { grep -r -a -q --exclude-dir=audit -- "$1" "$WORK/state" && echo yes || echo no; }
sst_has() { # token: found in any SST, decompressed (hex: values hold NUL bytes)
  local f hex
  hex=$(printf %s "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  for f in $(find "$WORK/state" -name '*.sst' -not -path '*/buckets/audit/*'); do
    sst_dump --file="$f" --command=scan --output_hex 2>/dev/null | grep -q -- "$hex" && { echo yes; return; }
  done
  echo no
}
# Found by either search: in a WAL or uncompressed block, or in a compressed SST.
on_disk() { [ "$(raw_has "$1")" = yes ] || [ "$(sst_has "$1")" = yes ] && echo yes || echo no; }
# Bytes are on disk before the purge (the control that shows the searches see data).
expect_eq "destroy token on disk before purge" yes "$(on_disk "$DESTROY")"

# A dry run says what would go and destroys nothing.
dry=$(hctl purge --dry-run)
expect_contains "dry run names access" "access: would destroy 1 records" "$dry"
expect_contains "dry run names the hold" "held back 1 by INC-1" "$dry"
expect_eq "dry run destroyed nothing" 1 "$(hctl query --purpose test --count --grep "$DESTROY")"

held_before=$(hctl query --purpose test --format json --user held-user)
out=$(hctl purge now)
expect_contains "purge reports access" "access: destroyed 1 records" "$out"
expect_contains "purge reports what the hold kept" "held back 1 by INC-1" "$out"

expect_eq "destroyed: no raw bytes" no "$(raw_has "$DESTROY")"
expect_eq "destroyed: not in any SST" no "$(sst_has "$DESTROY")"
expect_eq "expired applicant of an open case kept" yes "$(on_disk "$APPLICANT")"
expect_eq "kept recent record still on disk" yes "$(on_disk "$KEEP")"
expect_eq "held record rewritten into an SST (sst_dump sees data)" yes "$(sst_has "$HELD")"
expect_eq "per-host retention kept" 1 "$(hctl query --purpose test --count --grep "$KEEPHOST")"
expect_eq "held record found exactly as before" "$held_before" "$(hctl query --purpose test --format json --user held-user)"
expect_eq "destroyed record not found" 0 "$(hctl query --purpose test --count --grep "$DESTROY")"

# Case clocks: open cases are kept; a rejected applicant goes at once; a disclosure
# form is kept a year after its answer.
out=$(hctl case close APP-1 --outcome rejected --reason "not hired")
expect_contains "case closed" "case APP-1 closed" "$out"
set +e; again=$(hctl case close APP-1 --outcome rejected --reason "again" 2>&1); code=$?; set -e
expect_eq "closing twice fails" 1 "$code"
expect_contains "closing twice says when" "already closed at" "$again"
hctl case close REQ-1 --reason "answer sent 2026-11-24" >/dev/null
# An event can close a case too.
send "<134>1 $recent hrsys hr - - - case=APP-2 case_state=closed outcome=rejected decision recorded"
for i in $(seq 1 50); do
  [ "$(hctl case list --closed --format json | jq -r 'select(.id=="APP-2") | .outcome')" = rejected ] && break; sleep 0.1; done
expect_eq "closed by event" rejected "$(hctl case list --closed --format json | jq -r 'select(.id=="APP-2") | .outcome')"
expect_eq "case list shows outcome" rejected "$(hctl case list --format json | jq -r 'select(.id=="APP-1") | .outcome')"
out=$(hctl purge now)
expect_contains "applicant purged" "applicant: destroyed" "$out"
expect_eq "rejected applicant destroyed" no "$(on_disk "$APPLICANT")"
expect_eq "rejected-by-event applicant destroyed" no "$(on_disk "$APPLICANT2")"
expect_eq "disclosure form kept a year after the answer" 1 "$(hctl query --purpose test --count --grep "$REQUEST")"

# Releasing the hold lets the next purge destroy what it kept.
hctl hold release INC-1 --reason "case closed by the police" >/dev/null
out=$(hctl purge now)
expect_contains "released record purged" "access: destroyed 1 records" "$out"
expect_eq "released record gone from disk" no "$(raw_has "$HELD")"
expect_eq "released record gone from SSTs" no "$(sst_has "$HELD")"
expect_eq "kept record still there" yes "$(on_disk "$KEEP")"

# The ledger: one receipt per category and purge, the documented keys, no personal data.
ledger=$(hctl ledger --format json)
expect_eq "receipts" 3 "$(wc -l <<<"$ledger")"
first=$(head -1 <<<"$ledger")
for key in time category from until records bytes reason by rule held_back; do
  expect_eq "receipt has $key" true "$(jq "has(\"$key\")" <<<"$first")"
done
expect_eq "first receipt" "access 1 manual 1 INC-1" \
  "$(jq -r '[.category, .records, .reason, .held_back.count, .held_back.holds[0]] | join(" ")' <<<"$first")"
for secret in alice held-user web01 web02 192.0.2 "$DESTROY" "$HELD" APP-1 hrsys; do
  expect_eq "ledger free of $secret" no "$(grep -q -- "$secret" <<<"$ledger" && echo yes || echo no)"
done
expect_contains "ledger table" "RECORDS" "$(hctl ledger)"
expect_contains "the audit trail recorded the searches" "$DESTROY" \
  "$(hctl query --purpose test --category audit --format json | jq -r .message)"
finish
