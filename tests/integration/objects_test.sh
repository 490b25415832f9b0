#!/usr/bin/env bash
# Objects over HTTP with curl as the real client: byte-identical round trips through
# hokanctl, every error status, sender tokens, per-camera retention and an evidence
# hold through a real purge with the on-disk proof, metrics, and a 100 MB upload with
# hokand's peak memory checked.
source "$(dirname "$0")/lib.sh"

TOKEN="nvr-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SCANNER_TOKEN="scanner-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
config=$(write_config <<TOML
max_object_bytes = "120MiB"
[[category]]
name = "cctv"
kind = "object"
retention = "30d"
retention_by_camera = { "vault-door" = "90d" }

[[category]]
name = "disclosure_request"
kind = "object"
retention = "1y"
starts = "case_closed"

[[category]]
name = "operation"
retention = "365d"

[[sender]]
name = "nvr-1"
token_sha256 = "$(sha "$TOKEN")"
categories = ["cctv"]

[[sender]]
name = "scanner"
token_sha256 = "$(sha "$SCANNER_TOKEN")"
categories = ["disclosure_request"]
TOML
)
sed -i 's/^control = .*/&\nhttp = "127.0.0.1:0"/' "$config"
start_hokand "$config"
HTTP_PORT=$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
url="http://127.0.0.1:$HTTP_PORT"
status() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
put() { # name camera time file [extra curl args]
  local name=$1 camera=$2 time=$3 file=$4; shift 4
  status -X PUT --data-binary @"$file" -H "Authorization: Bearer $TOKEN" -H "Content-Type: video/mp2t" \
    -H "X-Hokan-Time: $time" -H "X-Hokan-Camera: $camera" "$@" "$url/v1/objects/cctv/$name"
}
segment() { # file marker megabytes: random bytes with a marker at the start and end
  { printf 'MARKER-%s-START' "$2"; head -c $(($3 * 1048576)) /dev/urandom; printf 'MARKER-%s-END' "$2"; } > "$1"
}

# Round trip: byte-identical through hokanctl.
segment "$WORK/seg1" round 3
expect_eq "201 created" 201 "$(put seg1.ts entrance-1 2026-11-20T03:00:00+09:00 "$WORK/seg1" -H "X-Hokan-End: 2026-11-20T03:05:00+09:00")"
expect_eq "201 reports sha256" "$(sha256sum < "$WORK/seg1" | cut -d' ' -f1)" "$(jq -r .sha256 "$WORK/body")"
hctl object get cctv seg1.ts --purpose INC-9 -o "$WORK/seg1.back"
expect_eq "byte-identical" "$(sha256sum < "$WORK/seg1" | cut -d' ' -f1)" "$(sha256sum < "$WORK/seg1.back" | cut -d' ' -f1)"
listed=$(hctl object list --category cctv --camera entrance-1 --purpose INC-9 --format json)
expect_eq "listed by camera" seg1.ts "$(jq -r .message <<<"$listed")"
expect_eq "end time kept" "2026-11-20T03:05:00+09:00" "$(jq -r .fields.end <<<"$listed")"
set +e; out=$(hctl object get cctv seg1.ts -o "$WORK/x" 2>&1); code=$?; set -e
expect_eq "object get needs a purpose" 2 "$code"

# A body with a Content-Length is read straight into the chunks; a chunked one goes
# through the parser. Both round-trip, and a connection carries one PUT after another.
segment "$WORK/seg2" chunked 3
expect_eq "201 chunked body" 201 "$(put seg2.ts entrance-1 2026-11-20T03:10:00+09:00 "$WORK/seg2" -H "Transfer-Encoding: chunked")"
hctl object get cctv seg2.ts --purpose INC-9 -o "$WORK/seg2.back"
expect_eq "chunked byte-identical" "$(sha256sum < "$WORK/seg2" | cut -d' ' -f1)" "$(sha256sum < "$WORK/seg2.back" | cut -d' ' -f1)"
segment "$WORK/ka1" keepalive1 2; segment "$WORK/ka2" keepalive2 1
both=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}/%{num_connects} ' -H "Authorization: Bearer $TOKEN" \
  -H "X-Hokan-Time: 2026-11-20T03:20:00+09:00" -H "X-Hokan-Camera: entrance-1" \
  -T "$WORK/ka1" "$url/v1/objects/cctv/ka1.ts" -T "$WORK/ka2" "$url/v1/objects/cctv/ka2.ts")
expect_eq "two PUTs on one connection" "201/1 201/0 " "$both"
hctl object get cctv ka2.ts --purpose INC-9 -o "$WORK/ka2.back"
expect_eq "second PUT byte-identical" "$(sha256sum < "$WORK/ka2" | cut -d' ' -f1)" "$(sha256sum < "$WORK/ka2.back" | cut -d' ' -f1)"
# A sender that goes away mid-body leaves nothing behind: the name stays free.
segment "$WORK/cut" cut 8
curl -s -o /dev/null --limit-rate 2M -T "$WORK/cut" -H "Authorization: Bearer $TOKEN" \
  -H "X-Hokan-Time: 2026-11-20T03:30:00+09:00" -H "X-Hokan-Camera: entrance-1" "$url/v1/objects/cctv/cut.ts" &
cut_pid=$!; sleep 1; kill "$cut_pid"; wait "$cut_pid" 2>/dev/null || true
printf 'after the cut' > "$WORK/after-cut"
# Until hokand has seen the cut, the upload still holds the name and a second PUT is
# rightly refused (409); once it has, the name is free. A slow build (TSan) may see the
# cut after the next PUT arrives: asked again for up to 10 s, a leaked name still fails.
for _ in $(seq 1 50); do
  code=$(put cut.ts entrance-1 2026-11-20T03:30:00+09:00 "$WORK/after-cut")
  [ "$code" = 409 ] || break
  sleep 0.2
done
expect_eq "name free after a cut upload" 201 "$code"

# Every error status.
printf 'small' > "$WORK/small"
expect_eq "409 name taken" 409 "$(put seg1.ts entrance-1 2026-11-20T03:00:00+09:00 "$WORK/small")"
# No X-Hokan-Time, and the category reads no time from names: the received time, said so.
before=$(date +%s)
expect_eq "no time header: stored" 201 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $TOKEN" -H "Content-Type: video/mp2t" "$url/v1/objects/cctv/x1")"
after=$(date +%s)
x1=$(hctl object list --category cctv --since "-1min" --purpose INC-9 --format json | jq -c 'select(.message == "x1")')
expect_eq "no time header: time_source" received "$(jq -r .fields.time_source <<<"$x1")"
x1_time=$(date -d "$(jq -r .time <<<"$x1")" +%s)
expect_eq "no time header: the received time" true "$([ "$x1_time" -ge "$before" ] && [ "$x1_time" -le "$after" ] && echo true || echo "false ($x1_time not in $before..$after)")"
expect_eq "header time: time_source" header "$(hctl object list --category cctv --camera entrance-1 --purpose INC-9 --format json | jq -r 'select(.message == "seg1.ts") | .fields.time_source')"
expect_eq "400 bad time" 400 "$(put x2 c "yesterday" "$WORK/small")"
expect_eq "400 end before start" 400 "$(put x3 c 2026-11-20T03:00:00Z "$WORK/small" -H "X-Hokan-End: 2026-11-20T02:00:00Z")"
expect_contains "400 says why" "X-Hokan-End" "$(cat "$WORK/body")"
expect_eq "400 camera and host" 400 "$(put x4 c 2026-11-20T03:00:00Z "$WORK/small" -H "X-Hokan-Host: h")"
expect_eq "401 no token" 401 "$(status -X PUT --data-binary @"$WORK/small" -H "Content-Type: video/mp2t" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" "$url/v1/objects/cctv/x5")"
expect_eq "403 wrong token" 403 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer not-the-token" -H "Content-Type: video/mp2t" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" "$url/v1/objects/cctv/x6")"
expect_eq "403 sender not allowed there" 403 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $SCANNER_TOKEN" -H "Content-Type: video/mp2t" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" "$url/v1/objects/cctv/x7")"
expect_eq "404 no such category" 404 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $TOKEN" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" "$url/v1/objects/nosuch/x8")"
expect_eq "405 GET on an object" 405 "$(status "$url/v1/objects/cctv/seg1.ts")"
expect_eq "415 form encoding" 415 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $TOKEN" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" "$url/v1/objects/cctv/x9")"
head -c $((121 * 1048576)) /dev/zero > "$WORK/toolarge"
expect_eq "413 over max_object_bytes" 413 "$(put x10 c 2026-11-20T03:00:00Z "$WORK/toolarge")"
rm -f "$WORK/toolarge"
expect_eq "400 case required for case-closed categories" 400 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $SCANNER_TOKEN" -H "Content-Type: application/pdf" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" -H "X-Hokan-Host: scanner-1" "$url/v1/objects/disclosure_request/form1.pdf")"
expect_eq "201 document with its case" 201 "$(status -X PUT --data-binary @"$WORK/small" -H "Authorization: Bearer $SCANNER_TOKEN" -H "Content-Type: application/pdf" -H "X-Hokan-Time: 2026-11-20T03:00:00Z" -H "X-Hokan-Host: scanner-1" -H "X-Hokan-Case: REQ-2026-0012" "$url/v1/objects/disclosure_request/form1.pdf")"

# Per-camera retention and an evidence hold through a real purge: 40-day-old footage
# from three cameras (10 MB each, so it reaches blob files).
old=$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)
segment "$WORK/gone" gone 10; segment "$WORK/vault" vault 10; segment "$WORK/held" held 10
expect_eq "old entrance" 201 "$(put old-entrance.ts entrance-1 "$old" "$WORK/gone")"
expect_eq "old vault" 201 "$(put old-vault.ts vault-door "$old" "$WORK/vault")"
expect_eq "old held" 201 "$(put old-held.ts entrance-2 "$old" "$WORK/held")"
hctl hold place EVID-7 --reason "theft at entrance 2" --camera entrance-2 >/dev/null
in_blobs() { find "$WORK/state" -name '*.blob' -exec grep -a -l -q -- "$1" {} + && echo yes || echo no; }
on_disk() { grep -r -a -q --exclude-dir=audit -- "$1" "$WORK/state" && echo yes || echo no; }
expect_eq "destroyed segment on disk before purge" yes "$(on_disk MARKER-gone-START)"
out=$(hctl purge now)
expect_contains "purge destroyed the entrance segment" "cctv: destroyed 1 records" "$out"
expect_contains "the hold kept one" "held back 1 by EVID-7" "$out"
expect_eq "destroyed segment gone from every file" no "$(on_disk MARKER-gone-START)"
expect_eq "destroyed segment's end gone too" no "$(on_disk MARKER-gone-END)"
expect_eq "vault-door (90d) kept in blob files" yes "$(in_blobs MARKER-vault-START)"
expect_eq "held segment kept in blob files" yes "$(in_blobs MARKER-held-START)"
hctl object get cctv old-held.ts --purpose EVID-7 -o "$WORK/held.back"
expect_eq "held segment byte-identical after the rewrite" "$(sha256sum < "$WORK/held" | cut -d' ' -f1)" \
  "$(sha256sum < "$WORK/held.back" | cut -d' ' -f1)"
set +e; out=$(hctl object get cctv old-entrance.ts --purpose EVID-7 -o "$WORK/gone.back" 2>&1); set -e
expect_contains "destroyed segment cannot be read" "no object named" "$out"
hctl hold release EVID-7 --reason "handed to police" >/dev/null
hctl purge now >/dev/null
expect_eq "released segment destroyed" no "$(on_disk MARKER-held-START)"

# Metrics and health.
expect_eq "healthz" ok "$(curl -s "$url/healthz")"
metrics=$(curl -s "$url/metrics")
expect_contains "objects stored metric" "hokan_objects_stored_total 10" "$metrics"
expect_contains "purge metric" "hokan_purged_records_total" "$metrics"
expect_contains "latency histogram" 'hokan_write_batch_seconds_bucket{le="+Inf"}' "$metrics"
expect_contains "per-category metric" 'hokan_records_ingested_total{category="cctv"}' "$metrics"

# A 100 MB segment streams through: hokand's peak RSS stays under 150 MB.
head -c $((100 * 1048576)) /dev/urandom > "$WORK/big"
expect_eq "100 MB stored" 201 "$(put big.ts entrance-1 2026-11-20T04:00:00+09:00 "$WORK/big")"
peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$HOKAND_PID/status")
echo "hokand peak RSS after a 100 MB upload: $((peak_kb / 1024)) MB"
# Under a sanitizer the figure is the sanitizer's (ASan's quarantine alone keeps 256 MB of
# freed memory): the bound is checked in the plain build only.
if [ -z "${HOKAN_SANITIZER:-}" ]; then
  expect_eq "peak RSS under 150 MB" true "$([ "$peak_kb" -lt $((150 * 1024)) ] && echo true || echo "false ($peak_kb kB)")"
else
  echo "peak RSS bound not checked under $HOKAN_SANITIZER"
fi
hctl object get cctv big.ts --purpose INC-9 -o "$WORK/big.back"
expect_eq "100 MB byte-identical" "$(sha256sum < "$WORK/big" | cut -d' ' -f1)" "$(sha256sum < "$WORK/big.back" | cut -d' ' -f1)"
rm -f "$WORK/big" "$WORK/big.back"
finish
