#!/usr/bin/env bash
# A real rsyslogd reads a file (imfile) and forwards it over TCP (omfwd, RFC 5424 with
# octet counting, as relays do); hokan must store every line with its fields.
source "$(dirname "$0")/lib.sh"
command -v rsyslogd >/dev/null || { echo "rsyslogd missing: run tools/install-deps" >&2; exit 1; }

config=$(write_config <<'TOML'
[[category]]
name = "web"
retention = "90d"
match = { app = ["nginx"] }

[[category]]
name = "operation"
retention = "365d"
TOML
)
start_hokand "$config"

input=$WORK/access.log
: > "$input"
mkdir -p "$WORK/rsyslog"
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rsyslog")
module(load="imfile")
input(type="imfile" File="$input" Tag="nginx" Facility="local5" Severity="info" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="$TCP_PORT" protocol="tcp"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
CONF
rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid" >> "$WORK/rsyslog.log" 2>&1 &
PEER_PIDS+=($!)

for i in $(seq 1 50); do
  printf '198.51.100.%d - user%d [20/Nov/2026:03:12:%02d +0900] "GET /orders/%d HTTP/1.1" 200 512 "-" "curl/7.88"\n' \
    "$i" "$i" "$((i % 60))" "$i" >> "$input"
done

expect_eq "every forwarded line stored" 50 "$(wait_count 50 --category web)"
one=$(hctl query --purpose test --format json --user user7)
expect_eq "web category" web "$(jq -r .category <<<"$one")"
expect_eq "combined-log src_ip" 198.51.100.7 "$(jq -r .src_ip <<<"$one")"
expect_eq "combined-log action" GET "$(jq -r .action <<<"$one")"
expect_eq "facility" local5 "$(jq -r .facility <<<"$one")"
expect_eq "app from tag" nginx "$(jq -r .app <<<"$one")"
expect_contains "message kept whole" '"GET /orders/7 HTTP/1.1" 200 512' "$(jq -r .message <<<"$one")"
expect_eq "ip lookup" 1 "$(hctl query --purpose test --count --ip 198.51.100.42)"
finish
