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
expect_eq "bad time is a usage error" 2 "$code"
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

# Each command takes only its own options: one another command takes is refused, not
# silently ignored; usage errors exit 2 in one line.
for args in "object list --category cctv --purpose p --host web01" "status --purpose p" \
            "hold list --user alice" "query --purpose p --camera c1" "purge --dry-run --reason x" \
            "case close C1 --reason r --purpose p" "subject find --user a --purpose p --grep x"; do
  set +e
  # shellcheck disable=SC2086
  out=$(hctl $args 2>&1); code=$?
  set -e
  expect_eq "option of another command refused: $args" 2 "$code"
  expect_contains "says which option: $args" "unknown option" "$out"
  expect_eq "one line: $args" 1 "$(wc -l <<<"$out")"
done
for args in "" "frobnicate" "hold" "hold frob x" "query --purpose p extra" "object get cctv"; do
  set +e
  # shellcheck disable=SC2086
  out=$(hctl $args 2>&1); code=$?
  set -e
  expect_eq "usage error exits 2: [$args]" 2 "$code"
  [ -n "$args" ] && expect_eq "usage error is one line: [$args]" 1 "$(wc -l <<<"$out")"
done
finish
