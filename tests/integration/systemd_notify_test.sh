#!/usr/bin/env bash
# systemd's Type=notify protocol as hokand speaks it: READY=1 once it serves, WATCHDOG=1
# at half of WatchdogSec, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
# socat receives the datagrams on the socket systemd would own.
source "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || { echo "socat missing: run tools/install-deps" >&2; exit 1; }

config=$(write_config <<'TOML'
[[category]]
name = "operation"
retention = "30d"
TOML
)
notify=$WORK/notify.sock
socat -u UNIX-RECV:"$notify" OPEN:"$WORK/notify.log",creat,append &
PEER_PIDS+=($!)
for i in $(seq 1 50); do [ -S "$notify" ] && break; sleep 0.1; done

# Polls (bounded: 5 s) until the datagrams received hold `pattern` at least `n` times.
wait_notified() {  # pattern n
  local i
  for i in $(seq 1 50); do
    [ "$(grep -o "$1" "$WORK/notify.log" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# 200 ms WatchdogSec: keep-alives every 100 ms.
NOTIFY_SOCKET=$notify WATCHDOG_USEC=200000 start_hokand "$config"
wait_notified "READY=1" 1 && pass || fail "no READY=1 after start"
expect_contains "status line" "STATUS=listening on" "$(cat "$WORK/notify.log")"
before=$(grep -o "WATCHDOG=1" "$WORK/notify.log" | wc -l)
sleep 1
after=$(grep -o "WATCHDOG=1" "$WORK/notify.log" | wc -l)
[ $((after - before)) -ge 5 ] && pass || fail "watchdog: $((after - before)) keep-alives in 1 s, want at least 5"

kill -HUP "$HOKAND_PID"
wait_notified "RELOADING=1" 1 && pass || fail "no RELOADING=1 after SIGHUP"
wait_notified "READY=1" 2 && pass || fail "no READY=1 after the reload"
log=$(tr -d '\n' < "$WORK/notify.log")
reloading_at=${log%%RELOADING=1*}
ready_after=${log#*RELOADING=1}
[[ "$ready_after" == *"READY=1"* ]] && pass || fail "READY=1 did not follow RELOADING=1"
[ "${#reloading_at}" -lt "${#log}" ] && pass || fail "RELOADING=1 missing"

kill -TERM "$HOKAND_PID"
wait_notified "STOPPING=1" 1 && pass || fail "no STOPPING=1 on SIGTERM"
stop_hokand
finish
