#!/usr/bin/env bash
# The real util-linux `logger` sends over UDP and TCP (octet counting and LF framing,
# RFC 5424 and RFC 3164); hokanctl must return each message field by field.
source "$(dirname "$0")/lib.sh"

config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "365d"
match = { facility = ["auth", "authpriv"] }

[[category]]
name = "operation"
retention = "365d"
TOML
)
start_hokand "$config"

# RFC 5424 over UDP with structured data and a msgid.
logger --udp --server 127.0.0.1 --port "$UDP_PORT" --rfc5424 -t billing --msgid ORDER \
  --sd-id 'origin@32473' --sd-param 'region="tokyo"' -p local3.warning "udp5424 order=17 user=carol"
# RFC 5424 over TCP with octet counting: an sshd login, into the access category.
logger --tcp --octet-count --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t sshd -i -p auth.info \
  "Accepted password for alice from 192.0.2.7 port 50022 ssh2"
# RFC 3164 over TCP, LF-framed.
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc3164 -t cron -p cron.notice "tcp3164 nightly job done"

expect_eq "all three stored" 3 "$(wait_count 3)"

udp=$(hctl query --purpose test --format json --grep udp5424)
expect_eq "udp category" operation "$(jq -r .category <<<"$udp")"
expect_eq "udp facility" local3 "$(jq -r .facility <<<"$udp")"
expect_eq "udp severity" warning "$(jq -r .severity <<<"$udp")"
expect_eq "udp app" billing "$(jq -r .app <<<"$udp")"
expect_eq "udp msgid" ORDER "$(jq -r .msgid <<<"$udp")"
expect_eq "udp sd param" tokyo "$(jq -r '.sd["origin@32473"].region' <<<"$udp")"
expect_eq "udp message" "udp5424 order=17 user=carol" "$(jq -r .message <<<"$udp")"
expect_eq "udp kv user" carol "$(jq -r .user <<<"$udp")"
expect_eq "udp host" "$(hostname)" "$(jq -r .host <<<"$udp")"
expect_contains "udp source" "127.0.0.1:" "$(jq -r .source <<<"$udp")"
expect_eq "udp time has offset" "+09:00" "$(jq -r .time <<<"$udp" | grep -o '+09:00$')"

ssh=$(hctl query --purpose test --format json --user alice)
expect_eq "sshd category by facility" access "$(jq -r .category <<<"$ssh")"
expect_eq "sshd app" sshd "$(jq -r .app <<<"$ssh")"
expect_eq "sshd user extracted" alice "$(jq -r .user <<<"$ssh")"
expect_eq "sshd src_ip extracted" 192.0.2.7 "$(jq -r .src_ip <<<"$ssh")"
expect_eq "sshd procid" true "$([ -n "$(jq -r '.procid // empty' <<<"$ssh")" ] && echo true)"
expect_eq "lookup by ip" alice "$(hctl query --purpose test --format json --ip 192.0.2.7 | jq -r .user)"

bsd=$(hctl query --purpose test --format json --app cron)
expect_eq "3164 facility" cron "$(jq -r .facility <<<"$bsd")"
expect_eq "3164 severity" notice "$(jq -r .severity <<<"$bsd")"
expect_eq "3164 message" "tcp3164 nightly job done" "$(jq -r .message <<<"$bsd")"
expect_eq "3164 not malformed" null "$(jq -r .malformed <<<"$bsd")"

# Filters: OR within a field, AND across fields; categories; limits; order.
expect_eq "two apps" 2 "$(hctl query --purpose test --count --app cron --app sshd)"
expect_eq "app and user" 0 "$(hctl query --purpose test --count --app cron --user alice)"
expect_eq "category filter" 1 "$(hctl query --purpose test --count --category access)"
expect_eq "limit" 1 "$(hctl query --purpose test --format json --limit 1 | wc -l)"
first=$(hctl query --purpose test --format json | head -1 | jq -r .id)
last_rev=$(hctl query --purpose test --format json --reverse | tail -1 | jq -r .id)
expect_eq "reverse is the same set backwards" "$first" "$last_rev"
expect_eq "regex" 1 "$(hctl query --purpose test --count --regex 'nightly\s+job')"
expect_eq "time window excludes" 0 "$(hctl query --purpose test --count --since -1h --until -30min)"
expect_eq "time window includes" 3 "$(hctl query --purpose test --count --since -2d --until +1h)"
csv=$(hctl query --purpose test --format csv --app cron)
expect_contains "csv header" "id,time,received,category" "$csv"
expect_contains "table" "nightly job done" "$(hctl query --purpose test --app cron)"
finish
