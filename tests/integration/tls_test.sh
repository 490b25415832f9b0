#!/usr/bin/env bash
# Syslog over TLS (RFC 5425) with the real `openssl s_client` as the sender: octet-
# counted frames inside TLS are stored like TCP's; with a CA configured, a client must
# present a certificate that CA signed; a config naming an unreadable key is refused.
source "$(dirname "$0")/lib.sh"

pki=$WORK/pki
mkdir -p "$pki"
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hokan test CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem"
issue() {  # name cn: a key and a certificate signed by the test CA
  ossl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$pki/$1.key" -out "$pki/$1.csr"
  ossl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -out "$pki/$1.pem"
}
issue server 127.0.0.1
issue client web01.example
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=stranger" \
  -keyout "$pki/stranger.key" -out "$pki/stranger.pem"

config=$(write_config <<TOML
tls = [{ address = "127.0.0.1:0", cert = "$pki/server.pem", key = "$pki/server.key", ca = "$pki/ca.pem" }]
[[category]]
name = "operation"
retention = "30d"
TOML
)
# write_config puts the extra TOML after [storage]: move the tls line into [listen].
sed -i "/^tls = /d" "$config"
sed -i "/^\[listen\]/a tls = [{ address = \"127.0.0.1:0\", cert = \"$pki/server.pem\", key = \"$pki/server.key\", ca = \"$pki/ca.pem\" }]" "$config"
status=0; "$HOKAND" --check-config "$config" > /dev/null || status=$?
expect_eq "check-config accepts the TLS listener" 0 "$status"
start_hokand "$config"
TLS_PORT=$(awk '$1=="tls"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
[ -n "$TLS_PORT" ] && pass || fail "no tls endpoint in $(cat "$WORK/state/endpoints")"

frame() { printf '%d %s' "${#1}" "$1"; }  # RFC 5425 / 6587 octet counting
send_tls() {  # cert-name frames-file
  local auth=()
  [ "$1" != none ] && auth=(-cert "$pki/$1.pem" -key "$pki/$1.key")
  timeout 10 openssl s_client -connect "127.0.0.1:$TLS_PORT" -CAfile "$pki/ca.pem" -verify_return_error \
    "${auth[@]}" -quiet -no_ign_eof < "$2" > "$WORK/s_client.out" 2>&1
}

{
  frame "<86>1 2026-11-20T03:12:00.123+09:00 web01 sshd 811 - - Accepted password for tls-alice from 192.0.2.7 port 4242 ssh2"
  frame "<134>1 2026-11-20T03:12:01+09:00 web01 billing - - [meta@32473 user=\"tls-bob\"] split
across lines"
} > "$WORK/frames"
send_tls client "$WORK/frames"
expect_eq "two events over TLS" 2 "$(wait_count 2 --host web01)"
expect_eq "user from the sshd message" "tls-alice" \
  "$(hctl query --purpose test --app sshd --format json | jq -r .user)"
expect_eq "octet counting keeps a newline inside a frame" "split
across lines" "$(hctl query --purpose test --app billing --format json | jq -r .message)"
expect_contains "peer address recorded" "127.0.0.1:" \
  "$(hctl query --purpose test --app sshd --format json | jq -r .source)"

# Without a client certificate, or with one the CA did not sign: refused, nothing stored.
frame "<86>1 2026-11-20T03:13:00+09:00 web02 sshd - - - Accepted password for intruder from 192.0.2.9 port 1 ssh2" \
  > "$WORK/intruder"
send_tls none "$WORK/intruder" || true
send_tls stranger "$WORK/intruder" || true
sleep 0.5
expect_eq "no record from clients without a CA-signed certificate" 0 \
  "$(hctl query --purpose test --host web02 --count)"
expect_contains "the refusal is logged" "tls handshake from 127.0.0.1" "$(cat "$WORK/hokand.log")"
stop_hokand

# A key that cannot be read is a config error naming the file, line and key.
sed -i "s|key = \"$pki/server.key\"|key = \"$pki/missing.key\"|" "$config"
status=0; out=$("$HOKAND" --check-config "$config" 2>&1) || status=$?
expect_eq "check-config refuses an unreadable key" 78 "$status"
expect_contains "error names the key" "listen.tls[0].key: cannot read \"$pki/missing.key\"" "$out"
# A readable file that is not a key: hokand names it at start and does not run.
sed -i "s|key = \"$pki/missing.key\"|key = \"$pki/ca.pem\"|" "$config"
status=0; out=$(timeout 10 "$HOKAND" --config "$config" 2>&1) || status=$?
[ "$status" -ne 0 ] && pass || fail "hokand started with a certificate as its key"
expect_contains "start-up error names the key" "listen.tls[0].key: $pki/ca.pem" "$out"
finish
