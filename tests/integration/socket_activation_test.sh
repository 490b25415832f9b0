#!/usr/bin/env bash
# Socket activation as hokand.socket does it, with systemd's own systemd-socket-activate:
# hokand takes the UDP and TCP sockets it is handed instead of binding them (a datagram
# sent before hokand even ran is stored), binds by itself what it is not handed, says
# which handed socket serves no listener, and, with $JOURNAL_STREAM naming its stderr,
# prefixes each log line with its syslog priority. As root, also the point of it all: an
# unprivileged hokand with no capabilities serves a privileged port it could not bind.
source "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null || { echo "systemd-socket-activate missing: run tools/install-deps" >&2; exit 1; }

free_udp_port() {
  local p
  for p in $(shuf -i "$(port_range)" -n 100); do
    ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

# Polls (bounded: 10 s) until hokand of `pid` has written `dir`/endpoints.
wait_started() {  # pid state-dir socket
  local i
  for i in $(seq 1 100); do
    [ -s "$2/endpoints" ] && [ -S "$3" ] && return 0
    kill -0 "$1" 2>/dev/null || { echo "hokand exited at start" >&2; cat "$WORK/hokand.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "hokand did not start within 10 s" >&2
  cat "$WORK/hokand.log" >&2
  exit 1
}

# Polls (bounded: 5 s) until something listens on `port` (ss filter: -Hlun or -Hltn).
wait_bound() {  # ss-flags port
  local i
  for i in $(seq 1 50); do
    ss "$1" "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  echo "nothing listens on port $2" >&2
  exit 1
}

udp=$(free_udp_port)
tcp=$(free_port)
stray=$(free_port)
while [ "$stray" = "$tcp" ]; do stray=$(free_port); done
config=$(write_config <<'TOML'
[[category]]
name = "operation"
retention = "30d"
TOML
)
# The UDP and first TCP listener are handed over; the second TCP listener (port 0) is not.
sed -i -e "s/^udp = .*/udp = [\"127.0.0.1:$udp\"]/" -e "s/^tcp = .*/tcp = [\"127.0.0.1:$tcp\", \"127.0.0.1:0\"]/" "$config"
# As systemd tells a service its stderr is the journal: that file's device and inode.
touch "$WORK/hokand.log"
journal_stream=$(stat -c '%d:%i' "$WORK/hokand.log")

# One activator per socket type (--datagram applies to all its -l): the outer hands its
# UDP socket to the inner, which adds two TCP sockets and execs hokand, all in one PID.
systemd-socket-activate --datagram -l "127.0.0.1:$udp" -- \
  systemd-socket-activate -l "127.0.0.1:$tcp" -l "127.0.0.1:$stray" -- \
  env JOURNAL_STREAM="$journal_stream" "$HOKAND" --config "$config" >> "$WORK/hokand.log" 2>&1 &
HOKAND_PID=$!
wait_bound -Hlun "$udp"
# This datagram wakes the activators; hokand reads it from the socket it inherits.
logger --udp --server 127.0.0.1 --port "$udp" --rfc5424 -t activation "sent before hokand ran"
wait_started "$HOKAND_PID" "$WORK/state" "$WORK/hokan.sock"
logger --tcp --octet-count --server 127.0.0.1 --port "$tcp" --rfc5424 -t activation "over the inherited tcp socket"

expect_eq "both messages stored" 2 "$(wait_count 2 --app activation)"
expect_eq "udp message" 1 "$(hctl query --purpose test --count --grep 'sent before hokand ran')"
expect_eq "tcp message" 1 "$(hctl query --purpose test --count --grep 'inherited tcp socket')"
endpoints=$(cat "$WORK/state/endpoints")
expect_contains "udp endpoint is the handed one" "udp 127.0.0.1:$udp" "$endpoints"
expect_contains "tcp endpoint is the handed one" "tcp 127.0.0.1:$tcp" "$endpoints"
own=$(awk -v t="$tcp" '$1=="tcp" && $2!="127.0.0.1:"t {print $2}' "$WORK/state/endpoints")
[ -n "$own" ] && [ "$own" != "127.0.0.1:0" ] && pass || fail "the listener not handed over was not bound by hokand: [$endpoints]"
own_port=${own##*:}
logger --tcp --server 127.0.0.1 --port "$own_port" -t activation "over a socket hokand bound itself"
expect_eq "message over hokand's own socket" 3 "$(wait_count 3 --app activation)"

log=$(cat "$WORK/hokand.log")
expect_contains "summary" "socket activation: 2 of 3 passed sockets serve [listen]" "$log"
expect_contains "stray socket named" "<4>daemon: warning: the socket unit passes stream 127.0.0.1:$stray, but [listen] names no listener there" "$log"
expect_contains "info priority for the journal" "<6>daemon: info: listening on udp 127.0.0.1:$udp" "$log"
# (The activators log to the same stderr, without priorities.)
unprefixed=$(grep -E '(daemon|ingest|store|api|retention): ' "$WORK/hokand.log" | grep -v '^<[0-7]>' || true)
expect_eq "every hokand line carries a priority" "" "$unprefixed"
# A stderr that is not the one $JOURNAL_STREAM names gets timestamps, not priorities.
printf '[daemon]\nstate_dir = "/proc/no-such-dir"\n[listen]\ncontrol = "%s/other.sock"\n' "$WORK" > "$WORK/unwritable.toml"
out=$(JOURNAL_STREAM=1:1 "$HOKAND" --config "$WORK/unwritable.toml" 2>&1 || true)
[[ "$out" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ .*daemon\ critical:\ cannot\ open ]] && pass ||
  fail "not the journal: expected a timestamped line, got [$out]"
stop_hokand

# The privileged port: root binds it, as systemd does for hokand.socket, and hokand runs
# as nobody with no capabilities at all (setpriv keeps the PID, so LISTEN_PID holds).
if [ "$(id -u)" = 0 ]; then
  low=""
  for p in 514 $(shuf -i 600-1000 -n 50); do
    ss -Hltn "sport = :$p" | grep -q . || { low=$p; break; }
  done
  [ -n "$low" ] || { fail "no free port below 1024"; finish; }
  priv=$WORK/priv
  mkdir -p "$priv/state"
  chown -R nobody:nogroup "$priv"
  chmod 755 "$WORK"
  cat > "$priv/hokan.toml" <<TOML
[daemon]
state_dir = "$priv/state"
[listen]
tcp = ["127.0.0.1:$low"]
control = "$priv/hokan.sock"
[[role]]
name = "test"
users = ["root"]
actions = ["query"]
categories = ["*"]
TOML
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all
             --no-new-privs)
  unprivileged_start=$(sysctl -n net.ipv4.ip_unprivileged_port_start 2>/dev/null || echo 1024)
  if [ "$low" -lt "$unprivileged_start" ]; then
    out=$("${as_nobody[@]}" "$HOKAND" --config "$priv/hokan.toml" 2>&1 || true)
    expect_contains "nobody cannot bind port $low alone" "cannot listen: Permission denied" "$out"
  fi
  systemd-socket-activate -l "127.0.0.1:$low" -- "${as_nobody[@]}" "$HOKAND" --config "$priv/hokan.toml" \
    >> "$WORK/hokand.log" 2>&1 &
  HOKAND_PID=$!
  wait_bound -Hltn "$low"
  logger --tcp --octet-count --server 127.0.0.1 --port "$low" --rfc5424 -t lowport "to port $low"
  wait_started "$HOKAND_PID" "$priv/state" "$priv/hokan.sock"
  got=0
  for i in $(seq 1 100); do
    got=$("$HOKANCTL" --socket "$priv/hokan.sock" query --purpose test --count --app lowport 2>/dev/null || echo 0)
    [ "$got" -ge 1 ] && break
    sleep 0.1
  done
  expect_eq "message on privileged port $low via an unprivileged hokand" 1 "$got"
  expect_eq "hokand runs as nobody" nobody "$(ps -o user= -p "$HOKAND_PID" | tr -d ' ')"
  expect_eq "with no capabilities" 0000000000000000 "$(awk '/^CapEff/{print $2}' "/proc/$HOKAND_PID/status")"
  stop_hokand
else
  echo "not root: the privileged-port part is skipped"
fi
finish
