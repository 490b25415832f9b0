#!/usr/bin/env bash
# Investigation end to end with real Unix users (created here; needs root, as CI is):
# roles by SO_PEERCRED, refusals with reasons, required purpose, the audit trail, subject
# find and erase (with the on-disk proof), pseudonymized export and live follow.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "investigation_test creates Unix users and must run as root" >&2; exit 1; }

users=(hk-analyst hk-auditor hk-nobody hk-eraser hk-exporter)
for u in "${users[@]}"; do id "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"; done
chmod 755 "$WORK"
mkdir -p "$WORK/bin" && cp "$HOKANCTL" "$WORK/bin/hokanctl" && chmod 755 "$WORK/bin" "$WORK/bin/hokanctl"
as() { local who=$1; shift; runuser -u "$who" -- "$WORK/bin/hokanctl" --socket "$WORK/hokan.sock" "$@"; }

config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "365d"
match = { app = ["sshd"] }
disclosable = false
erasable = false

[[category]]
name = "hr"
retention = "365d"
match = { app = ["hr"] }

[[category]]
name = "operation"
retention = "365d"

[[role]]
name = "analyst"
users = ["hk-analyst"]
actions = ["query"]
categories = ["access", "operation"]

[[role]]
name = "auditor"
users = ["hk-auditor"]
actions = ["query", "admin"]
categories = []

[[role]]
name = "eraser"
users = ["hk-eraser"]
actions = ["erase", "query"]
categories = ["*"]

[[role]]
name = "exporter"
users = ["hk-exporter"]
actions = ["export"]
categories = ["operation"]
TOML
)
sed -i 's/^control = .*/&\ncontrol_mode = "0666"/' "$config"
start_hokand "$config"

tok() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
ALICE_OP=$(tok aliceop)
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t sshd -p auth.info "Accepted password for alice from 192.0.2.7 port 50022 ssh2"
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t hr "user=alice salary review confidential"
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t billing "user=alice src_ip=192.0.2.7 exported invoices $ALICE_OP"
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t billing "user=bob src_ip=198.51.100.9 order 4242 by bob@example.com"
expect_eq "stored" 4 "$(wait_count 4)"

# No role: refused, and the refusal says why.
set +e; out=$(as hk-nobody query --purpose INC-1 2>&1); code=$?; set -e
expect_eq "no role refused" 1 "$code"
expect_contains "no role says why" "hk-nobody (uid $(id -u hk-nobody)) has no role" "$out"

# Purpose is required for reads.
set +e; out=$(as hk-analyst query 2>&1); code=$?; set -e
expect_eq "purpose required" 2 "$code"
expect_contains "purpose message" "a purpose is required" "$out"

# A query naming no category returns only permitted categories.
cats=$(as hk-analyst query --purpose INC-1 --format json | jq -r .category | sort -u | xargs)
expect_eq "only permitted categories" "access operation" "$cats"
set +e; out=$(as hk-analyst query --purpose INC-1 --category hr 2>&1); code=$?; set -e
expect_eq "category not granted" 1 "$code"
expect_contains "category refusal says why" "may not query category \"hr\"" "$out"
set +e; out=$(as hk-analyst query --purpose INC-1 --category audit 2>&1); code=$?; set -e
expect_eq "audit not granted to analyst" 1 "$code"
set +e; out=$(as hk-analyst hold place H --reason x 2>&1); code=$?; set -e
expect_contains "action not granted" "no role that grants \"hold\"" "$out"

# The auditor reads the audit trail: reads and refusals, who, purpose, filter, count.
audit=$(as hk-auditor query --purpose AUDIT-REVIEW --category audit --format json)
expect_contains "refusal audited" "hk-nobody" "$(jq -r 'select(.msgid=="refused") | .message' <<<"$audit")"
expect_contains "refused category audited" "may not query category" "$audit"
read_rec=$(jq -c 'select(.user=="hk-analyst" and .action=="query" and .msgid=="query")' <<<"$audit" | head -1)
expect_eq "read audited with purpose" INC-1 "$(jq -r '.sd["hokan-audit@32473"].purpose' <<<"$read_rec")"
expect_eq "read audited with count" 3 "$(jq -r '.sd["hokan-audit@32473"].count' <<<"$read_rec")"
expect_eq "read audited with uid" "$(id -u hk-analyst)" "$(jq -r '.sd["hokan-audit@32473"].uid' <<<"$read_rec")"

# Subject request: everything about alice, grouped, marking what is not disclosed.
found=$(as hk-eraser subject find --user alice --purpose REQ-2026-0012)
expect_contains "subject grouped: access" "== access: 1 records" "$found"
expect_contains "access marked not disclosable" "not disclosed under the policy" "$found"
expect_contains "subject grouped: hr" "== hr: 1 records" "$found"
expect_contains "subject grouped: operation" "== operation: 1 records" "$found"
expect_eq "subject by ip" 2 "$(as hk-eraser subject find --ip 192.0.2.7 --purpose REQ-2026-0012 --format json | wc -l)"

# Erasure: refused for non-erasable categories and the audit trail; elsewhere it destroys
# the bytes and writes an erasure receipt.
set +e; out=$(as hk-eraser subject erase --user alice --category access --reason "request REQ-2026-0012" 2>&1); code=$?; set -e
expect_eq "non-erasable refused" 1 "$code"
expect_contains "non-erasable says why" "not erasable" "$out"
set +e; out=$(as hk-eraser subject erase --user alice --category audit --reason "x" 2>&1); set -e
expect_contains "audit not erasable" "append-only" "$out"
expect_eq "on disk before erasure" yes "$(grep -r -a -q --exclude-dir=audit "$ALICE_OP" "$WORK/state" && echo yes || echo no)"
out=$(as hk-eraser subject erase --user alice --reason "request REQ-2026-0012")
expect_contains "erased operation" "operation: destroyed 1 records" "$out"
expect_contains "erased hr" "hr: destroyed 1 records" "$out"
expect_eq "erased bytes gone" no "$(grep -r -a -q --exclude-dir=audit "$ALICE_OP" "$WORK/state" && echo yes || echo no)"
expect_eq "access kept (not erasable)" 1 "$(hctl query --purpose t --count --user alice)"
expect_eq "bob untouched" 1 "$(hctl query --purpose t --count --user bob)"
expect_eq "erasure receipt" erasure "$(hctl ledger --format json | jq -r .reason | sort -u | xargs)"

# Pseudonymized export: no original user, address or host; stable pseudonyms.
head -c 32 /dev/urandom > "$WORK/export.key"; chmod 644 "$WORK/export.key"
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t billing "user=bob src_ip=198.51.100.9 second order 77"
wait_count 2 --user bob >/dev/null
export=$(as hk-exporter export --purpose LOAD-2026-11 --anonymize --key-file "$WORK/export.key")
expect_eq "export rows" 2 "$(wc -l <<<"$export")"
for secret in bob 198.51.100.9 bob@example.com "$(hostname)" 4242; do
  expect_eq "export free of $secret" no "$(grep -q -F -- "$secret" <<<"$export" && echo yes || echo no)"
done
expect_eq "same user, same pseudonym" 1 "$(jq -r .user <<<"$export" | sort -u | wc -l)"
expect_contains "pseudonym form" "u-" "$(jq -r .user <<<"$export" | head -1)"
expect_eq "times kept" true "$(jq -r '.time | test("^20[0-9]{2}-")' <<<"$export" | sort -u)"
set +e; out=$(as hk-exporter export --purpose LOAD --category hr 2>&1); set -e
expect_contains "export limited by role" "may not export category \"hr\"" "$out"

# Live follow: a new matching event arrives on a running follower.
as hk-analyst query --purpose INC-LIVE --follow --app liveapp --format json > "$WORK/follow.out" 2>&1 &
follower=$!; PEER_PIDS+=($follower)
sleep 0.5
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t liveapp "arrived while following"
for i in $(seq 1 50); do grep -q "arrived while following" "$WORK/follow.out" && break; sleep 0.1; done
expect_contains "follow received the live event" "arrived while following" "$(cat "$WORK/follow.out")"
stop_pid "$follower"
finish
