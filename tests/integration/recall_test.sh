#!/usr/bin/env bash
# Issue 13 end to end: real `logger` lines (and exact bytes through socat) go in over UDP
# and TCP; the real hokanctl finds every record naming an address in any of its forms
# or by CIDR prefix, finds an account as the invoker and as the su/sudo target, and
# gives back the bytes received exactly (--format raw, JSON raw/raw_b64).
source "$(dirname "$0")/lib.sh"

config=$(write_config <<'TOML'
[[category]]
name = "access"
retention = "365d"
match = { facility = ["auth", "authpriv"] }
TOML
)
start_hokand "$config"

send_tcp() { logger --tcp --server 127.0.0.1 --port "$TCP_PORT" "$@"; }
send_tcp --rfc3164 -t sshd -i -p auth.info \
  "reverse mapping checking getaddrinfo for evil.example [198.51.100.77] failed - POSSIBLE BREAK-IN ATTEMPT!"
logger --udp --server 127.0.0.1 --port "$UDP_PORT" --rfc5424 -t sshd -i -p auth.info \
  --sd-id origin --sd-param 'ip="10.0.0.5"' --sd-param 'ip="10.0.0.6"' \
  "Received disconnect from 203.0.113.9 port 52100:11: disconnected by user"
send_tcp --octet-count --rfc5424 -t sshd -i -p auth.warning \
  "Failed password for invalid user admin from 2001:DB8:0::AB port 4242 ssh2"
send_tcp --rfc3164 -t sshd -i -p auth.info "Accepted publickey for bob from ::ffff:192.0.2.55 port 5000 ssh2"
send_tcp --rfc3164 -t sudo -p authpriv.notice "alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
send_tcp --rfc3164 -t 'su(pam_unix)' -i -p authpriv.info "session opened for user root by alice(uid=1000)"
# Exact bytes: one line that is not UTF-8 (LF-framed), and one with a NUL (octet
# counting, on a connection of its own as framing is chosen per connection, so the NUL
# is part of the message whatever a framer makes of NULs).
printf '<38>Nov 20 03:12:00 web01 app: bad \xff\xfe bytes from 10.9.8.7' > "$WORK/invalid.bin"
printf '<38>Nov 20 03:12:01 web01 app: a nul\0here and a \\ backslash' > "$WORK/nul.bin"
{ cat "$WORK/invalid.bin"; printf '\n'; } | socat -u - "TCP:127.0.0.1:$TCP_PORT"
{ printf '%d ' "$(wc -c < "$WORK/nul.bin")"; cat "$WORK/nul.bin"; } | socat -u - "TCP:127.0.0.1:$TCP_PORT"

expect_eq "all eight stored" 8 "$(wait_count 8)"
count() { hctl query --purpose test --count "$@"; }

# Addresses: every one the text names, in any text form, and by prefix.
expect_eq "break-in line by its bracketed address" 1 "$(count --ip 198.51.100.77)"
expect_eq "disconnect by its client" 1 "$(count --ip 203.0.113.9)"
expect_eq "IPv6 typed in lower case" 1 "$(count --ip 2001:db8::ab)"
expect_eq "IPv6 typed in another form" 1 "$(count --ip 2001:DB8:0:0::ab)"
expect_eq "mapped address typed as IPv4" 1 "$(count --ip 192.0.2.55)"
expect_eq "mapped address typed as mapped" 1 "$(count --ip ::ffff:192.0.2.55)"
expect_eq "origin sender address" 1 "$(count --ip 10.0.0.5)"
expect_eq "second origin address" 1 "$(count --ip 10.0.0.6)"
expect_eq "address in a line that is not UTF-8" 1 "$(count --ip 10.9.8.7)"
expect_eq "IPv4 prefix" 1 "$(count --ip 198.51.100.0/24)"
expect_eq "IPv6 prefix" 1 "$(count --ip 2001:db8::/32)"
expect_eq "prefix over two records" 2 "$(count --ip 10.0.0.0/8)"
expect_eq "prefix or address" 3 "$(count --ip 10.0.0.0/8 --ip 2001:DB8::AB)"
expect_eq "prefix with no match" 0 "$(count --ip 192.0.3.0/24)"
ssh=$(hctl query --purpose test --format json --ip 10.0.0.6)
expect_eq "origin_ip is the sender" 10.0.0.5 "$(jq -r .origin_ip <<<"$ssh")"
expect_eq "src_ip is the client" 203.0.113.9 "$(jq -r .src_ip <<<"$ssh")"
expect_eq "repeated SD param is a list" '["10.0.0.5","10.0.0.6"]' "$(jq -c .sd.origin.ip <<<"$ssh")"
expect_eq "ips lists every address" '["10.0.0.5","10.0.0.6","203.0.113.9"]' "$(jq -c '.ips | sort' <<<"$ssh")"
expect_eq "ipv6 canonical in JSON" 2001:db8::ab "$(hctl query --purpose test --format json --ip 2001:db8::ab | jq -r .src_ip)"

# Accounts: the invoker and the target of su and sudo.
expect_eq "alice's sudo and su" 2 "$(count --user alice)"
expect_eq "root as their target" 2 "$(count --user root)"
expect_eq "targets in JSON" "root root" "$(hctl query --purpose test --format json --user alice | jq -r .target_user | xargs)"

# Usage errors and ranges.
set +e
err=$(hctl query --purpose test --ip web01 2>&1 >/dev/null); code=$?
set -e
expect_eq "bad --ip exits 2" 2 "$code"
expect_eq "bad --ip is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
expect_contains "bad --ip says why" 'bad --ip: bad network "web01": not an IPv4 or IPv6 address' "$err"
set +e
err=$(hctl query --purpose test --ip 10.0.0.0/33 2>&1 >/dev/null); code=$?
set -e
expect_eq "prefix too long exits 2" 2 "$code"
expect_eq "since == until is empty, not an error" 0 "$(count --since '2026-01-01 00:00' --until '2026-01-01 00:00')"

# Evidence: the bytes received, exactly.
json=$(hctl query --purpose test --format json --ip 10.9.8.7)
expect_eq "not UTF-8: raw_b64, no raw" "null $(base64 -w0 < "$WORK/invalid.bin")" "$(jq -r '"\(.raw) \(.raw_b64)"' <<<"$json")"
hctl query --purpose test --format raw --ip 10.9.8.7 > "$WORK/invalid.out"
printf '\n' >> "$WORK/invalid.bin"
expect_eq "raw format gives the invalid bytes back" same "$(cmp -s "$WORK/invalid.bin" "$WORK/invalid.out" && echo same)"
expect_eq "grep finds a byte that is not UTF-8" 1 "$(count --grep $'\xff\xfe')"
expect_eq "grep finds text in the raw line" 1 "$(count --grep 'nul')"
nul=$(hctl query --purpose test --format json --grep 'backslash')
expect_eq "NUL kept in JSON raw" "$(od -An -tx1 < "$WORK/nul.bin" | tr -d ' \n')" \
  "$(jq -j .raw <<<"$nul" | od -An -tx1 | tr -d ' \n')"
expect_eq "raw format escapes NUL and backslash" \
  '<38>Nov 20 03:12:01 web01 app: a nul\0here and a \\ backslash' \
  "$(hctl query --purpose test --format raw --grep backslash)"
expect_eq "export --format raw too" \
  '<38>Nov 20 03:12:01 web01 app: a nul\0here and a \\ backslash' \
  "$(hctl export --purpose test --format raw --grep backslash)"
expect_eq "csv keeps the NUL" 1 "$(hctl query --purpose test --format csv --grep backslash | tr '\0' '@' | grep -c 'nul@here')"
# A logger line: --format raw equals JSON raw, which holds the header as sent.
line=$(hctl query --purpose test --format raw --ip 198.51.100.77)
expect_eq "raw format is the JSON raw" "$(hctl query --purpose test --format json --ip 198.51.100.77 | jq -r .raw)" "$line"
expect_contains "raw holds the header as sent" "<38>" "$line"
expect_contains "raw holds the message" "[198.51.100.77] failed - POSSIBLE BREAK-IN ATTEMPT!" "$line"
finish
