#!/usr/bin/env bash
# Clear errors: bad config names file, line and key (exit 78); hokanctl says in one line
# why it failed and exits non-zero for an unreachable daemon, a bad time, a bad regex.
source "$(dirname "$0")/lib.sh"

bad=$WORK/bad.toml
cat > "$bad" <<'TOML'
[storage]
sync = "sometimes"
colour = "blue"
TOML
set +e
out=$("$HOKAND" --check-config "$bad" 2>&1); code=$?
set -e
expect_eq "bad config exit code" 78 "$code"
expect_contains "names file line and key" "$bad:2:" "$out"
expect_contains "names the key" "storage.sync" "$out"
expect_contains "reports every error" "storage.colour" "$out"

good=$(write_config <<'TOML'
[[category]]
name = "operation"
retention = "365d"
TOML
)
set +e
"$HOKAND" --check-config "$good" >/dev/null 2>&1; code=$?
set -e
expect_eq "good config" 0 "$code"

set +e
out=$("$HOKANCTL" --socket "$WORK/nobody.sock" query --purpose test 2>&1); code=$?
set -e
expect_eq "unreachable exit" 69 "$code"
expect_contains "unreachable says so" "cannot reach hokand" "$out"
expect_eq "unreachable is one line" 1 "$(wc -l <<<"$out")"

start_hokand "$good"
set +e
out=$(hctl query --purpose test --since "2026-13-45" 2>&1); code=$?
set -e
expect_eq "bad time exit" 1 "$code"
expect_contains "bad time says which" "bad --since" "$out"
expect_eq "bad time one line" 1 "$(wc -l <<<"$out")"
set +e
out=$(hctl query --purpose test --regex '(unclosed' 2>&1); code=$?
set -e
expect_eq "bad regex exit" 1 "$code"
expect_contains "bad regex says so" "bad --regex" "$out"
set +e
out=$(hctl query --purpose test --format yaml 2>&1); code=$?
set -e
expect_eq "bad format exit" 2 "$code"
expect_contains "bad format" "unknown --format" "$out"
finish
