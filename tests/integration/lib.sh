# Shared helpers for the integration tests: start the real hokand on free loopback
# ports, drive it with real peers, stop only the PIDs we started. Every wait is bounded.
# Sourced by each test; needs HOKAND, HOKANCTL (set by CTest) and a writable TMPDIR.
set -euo pipefail

: "${HOKAND:?HOKAND must point at the hokand binary}"
: "${HOKANCTL:?HOKANCTL must point at the hokanctl binary}"
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hokan-${TEST_NAME}.XXXXXX")
HOKAND_PID=""
PEER_PIDS=()
FAILURES=0
CHECKS=0

cleanup() {
  local status=$?
  for pid in "${PEER_PIDS[@]}"; do stop_pid "$pid"; done
  [ -n "$HOKAND_PID" ] && stop_pid "$HOKAND_PID"
  if [ "$status" -ne 0 ] || [ "$FAILURES" -ne 0 ]; then
    echo "--- hokand log ($WORK/hokand.log) ---" >&2
    tail -n 40 "$WORK/hokand.log" 2>/dev/null >&2 || true
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

stop_pid() {  # pid: TERM, wait up to 10 s, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }

expect_eq() {  # what expected actual
  if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
expect_contains() {  # what needle haystack
  if [[ "$3" == *"$2"* ]]; then pass; else fail "$1: [$2] not in [$3]"; fi
}

# Writes a test config with free ports; extra TOML (categories, ...) from stdin.
write_config() {
  local file=$WORK/hokan.toml
  {
    echo 'default_category = "operation"'
    echo '[daemon]'
    echo "state_dir = \"$WORK/state\""
    echo 'timezone = "Asia/Tokyo"'
    echo 'log_level = "info"'
    echo '[listen]'
    echo 'udp = ["127.0.0.1:0"]'
    echo 'tcp = ["127.0.0.1:0"]'
    echo "control = \"$WORK/hokan.sock\""
    echo '[storage]'
    echo 'sync = "batch"'
    cat
  } > "$file"
  echo "$file"
}

start_hokand() {  # config file
  rm -f "$WORK/state/endpoints"
  "$HOKAND" --config "$1" >> "$WORK/hokand.log" 2>&1 &
  HOKAND_PID=$!
  local i
  for i in $(seq 1 100); do
    if [ -s "$WORK/state/endpoints" ] && [ -S "$WORK/hokan.sock" ]; then
      UDP_PORT=$(awk '$1=="udp"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
      TCP_PORT=$(awk '$1=="tcp"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
      return 0
    fi
    kill -0 "$HOKAND_PID" 2>/dev/null || { echo "hokand exited at start" >&2; cat "$WORK/hokand.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "hokand did not start within 10 s" >&2
  exit 1
}

stop_hokand() { stop_pid "$HOKAND_PID"; HOKAND_PID=""; }

# A loopback TCP port nobody listens on now (for listeners that must keep their port
# across a restart).
# Ports the tests bind: below the kernel's ephemeral range, which the outgoing
# connections of tests running alongside take their local ports from (a port picked
# there can be taken between the pick and the bind).
port_range() {
  local low _
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  if [ "$low" -gt 12000 ]; then echo "10000-$((low - 1))"; else echo 20000-60000; fi
}
free_port() {
  local p
  for p in $(shuf -i "$(port_range)" -n 100); do
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

hctl() { "$HOKANCTL" --socket "$WORK/hokan.sock" "$@"; }

# Polls until a query counts at least N records (bounded: 10 s). Prints the count.
wait_count() {  # n query-args...
  local want=$1 got=0 i
  shift
  for i in $(seq 1 100); do
    got=$(hctl query --purpose test --count "$@" 2>/dev/null || echo 0)
    [ "$got" -ge "$want" ] && break
    sleep 0.1
  done
  echo "$got"
}

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$TEST_NAME: $FAILURES of $((CHECKS + FAILURES)) checks failed" >&2
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed"
}
