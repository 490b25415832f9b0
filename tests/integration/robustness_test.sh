#!/usr/bin/env bash
# Bad input loses nothing: malformed lines are stored raw and flagged, over-long ones
# truncated and flagged, frames split across writes are joined, a slow client does not
# stall the others, and a restart finds everything acknowledged before SIGTERM.
source "$(dirname "$0")/lib.sh"

config=$(write_config <<'TOML'
max_message_bytes = 1024
[[category]]
name = "operation"
retention = "365d"
TOML
)
start_hokand "$config"

# A slow client opens first, sends half a frame and holds the connection.
exec 3<>"/dev/tcp/127.0.0.1/$TCP_PORT"
printf '<13>Nov 20 03:12:00 slowhost slowapp: first half' >&3

# Others are not held up by it.
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc3164 -t fast "not stalled"
expect_eq "fast client stored while slow one waits" 1 "$(wait_count 1 --app fast)"

# The slow client's frame completes across writes.
printf ' and second half\n' >&3
exec 3>&-
expect_eq "split frame joined" 1 "$(wait_count 1 --app slowapp)"
expect_eq "split frame message" "first half and second half" \
  "$(hctl query --purpose test --format json --app slowapp | jq -r .message)"

# Octet-counted frames split at awkward places, sent in pieces.
exec 4<>"/dev/tcp/127.0.0.1/$TCP_PORT"
msg='<165>1 2026-11-20T03:12:00.5+09:00 octhost octapp 99 ID1 [a@1 k="v\"q"] split octet frame'
printf '%d %s' "${#msg}" "${msg:0:20}" >&4
sleep 0.2
printf '%s' "${msg:20}" >&4
exec 4>&-
one=$(hctl query --purpose test --format json --app octapp 2>/dev/null || true)
for i in $(seq 1 50); do [ -n "$one" ] && break; sleep 0.1; one=$(hctl query --purpose test --format json --app octapp); done
expect_eq "octet frame message" "split octet frame" "$(jq -r .message <<<"$one")"
expect_eq "octet frame sd escape" 'v"q' "$(jq -r '.sd["a@1"].k' <<<"$one")"
expect_eq "fractional time kept" "2026-11-20T03:12:00.500000+09:00" "$(jq -r .time <<<"$one")"

# Malformed lines: stored raw and flagged, never dropped.
exec 5<>"/dev/tcp/127.0.0.1/$TCP_PORT"
printf 'no priority at all here\n<999>bad pri\n\n' >&5
exec 5>&-
printf 'junk-over-udp \001\002' > "/dev/udp/127.0.0.1/$UDP_PORT"
wait_count 1 --grep junk-over-udp >/dev/null
bad=$(hctl query --purpose test --format json --grep 'no priority')
expect_eq "malformed flag" true "$(jq -r .malformed <<<"$bad")"
expect_eq "raw kept" "no priority at all here" "$(jq -r .raw <<<"$bad")"
expect_eq "bad pri flagged" true "$(hctl query --purpose test --format json --grep 'bad pri' | jq -r .malformed)"
expect_eq "udp junk flagged" true "$(hctl query --purpose test --format json --grep junk-over-udp | jq -r .malformed)"

# Over max_message_bytes: truncated and flagged, the daemon survives, the next frame is fine.
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
exec 6<>"/dev/tcp/127.0.0.1/$TCP_PORT"
printf '<13>Nov 20 03:12:00 h bigapp: %s\n<13>Nov 20 03:12:01 h afterbig: fine\n' "$long" >&6
exec 6>&-
expect_eq "after long frame" 1 "$(wait_count 1 --app afterbig)"
big=$(hctl query --purpose test --format json --app bigapp)
expect_eq "truncated flag" true "$(jq -r .truncated <<<"$big")"
expect_eq "truncated length bounded" true "$([ "$(jq -r .message <<<"$big" | wc -c)" -le 1025 ] && echo true)"

# Many concurrent connections at once.
senders=()
for c in $(seq 1 40); do
  logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t "conc" "connection $c" &
  senders+=($!)
done
wait "${senders[@]}"  # not a bare wait: hokand is a child too
expect_eq "forty connections" 40 "$(wait_count 40 --app conc)"

# SIGTERM drains; a restart finds everything.
before=$(hctl query --purpose test --count)
logger --tcp --server 127.0.0.1 --port "$TCP_PORT" --rfc5424 -t lastword "sent just before stop"
expect_eq "last word stored" 1 "$(wait_count 1 --app lastword)"
stop_hokand
start_hokand "$config"
expect_eq "restart finds everything" "$((before + 1))" "$(hctl query --purpose test --count)"
finish
