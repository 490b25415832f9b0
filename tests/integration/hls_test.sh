#!/usr/bin/env bash
# Footage from a real encoder: ffmpeg's HLS muxer pushes ~10 s of testsrc video with
# plain PUTs that carry no X-Hokan-* header (time and camera from the segment names),
# rewrites its playlist after every segment (ignored: no 409 storm) and DELETEs old
# segments (405, audited, nothing destroyed). A segment read back with hokanctl is
# valid MPEG-TS/H.264 to ffprobe. curl covers the other paths: the time from the header
# and the received time, the camera from the header and from the sender's token, names
# that lack what the category reads from them, and playlists kept as versions. Then a
# hold on the camera and two purges show retention treats these objects as any other.
# Last, the README's ffmpeg command, taken from the README, runs against a daemon on
# conf/hokan.toml.
source "$(dirname "$0")/lib.sh"

for tool in ffmpeg ffprobe curl jq; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: tools/install-deps installs it" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")/../.." && pwd)
# ffmpeg names segments in its local time (-strftime 1); hokand reads names in [daemon]
# timezone. A recorder must run in that zone (or put %z in both): here Asia/Tokyo.
export TZ=Asia/Tokyo

token() { printf '%s-%s' "$1" "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
NVR_TOKEN=$(token nvr); DOOR_TOKEN=$(token door)
config=$(write_config <<TOML
[[category]]
name = "cctv"
kind = "object"
retention = "0d"
retention_by_camera = { "door-2" = "30d" }
name_time = "%Y%m%dT%H%M%S"
name_camera = "{camera}-"

[[category]]
name = "playlists"
kind = "object"
retention = "30d"
replace = ["*.m3u8"]

[[category]]
name = "docs"
kind = "object"
retention = "1y"

[[category]]
name = "operation"
retention = "365d"

[[sender]]
name = "nvr-1"
token_sha256 = "$(sha "$NVR_TOKEN")"

[[sender]]
name = "door"
token_sha256 = "$(sha "$DOOR_TOKEN")"
camera = "door-2"
TOML
)
sed -i 's/^control = .*/&\nhttp = "127.0.0.1:0"/' "$config"
start_hokand "$config"
http_port() { awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints"; }
url="http://127.0.0.1:$(http_port)"
metric() { curl -s "$url/metrics" | awk -v m="$1" '$1==m{print $2; f=1} END{if(!f) print "absent"}'; }
status() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
list() { hctl object list --purpose HLS-TEST --format json "$@"; }
epoch() { date -d "$1" +%s; }
in_window() { # epoch from to
  [ "$1" -ge "$2" ] && [ "$1" -le "$3" ] && echo yes || echo "no ($1 not in $2..$3)"
}

# Polls until a command's output has at least N lines (bounded: 10 s); prints the output.
wait_lines() { # n command...
  local want=$1 out i; shift
  for i in $(seq 1 100); do
    out=$("$@")
    [ "$(grep -c . <<<"$out")" -ge "$want" ] && break
    sleep 0.1
  done
  printf '%s\n' "$out"
}

# Runs a peer in the background as one of PEER_PIDS and waits for it, at most $1 seconds.
run_peer() {
  local limit=$1 pid i; shift
  "$@" </dev/null &
  pid=$!
  PEER_PIDS+=("$pid")
  for i in $(seq 1 $((limit * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "$1 still running after ${limit}s: stopped" >&2; stop_pid "$pid"; return 1; fi
  wait "$pid"
}

# --- The real encoder: ffmpeg's HLS muxer over PUT ---------------------------------------
# 10 fps with a key frame every 2 s, so each 2 s segment ends on time; no lookahead
# (zerolatency), or the frames it holds are flushed at the end at once and the last
# segments open within one second, under one name; a short playlist so that ffmpeg
# deletes its old segments.
run_start=$(date +%s)
run_peer 60 ffmpeg -hide_banner -nostdin -re -f lavfi -i testsrc=size=320x240:rate=10 -t 10 -c:v libx264 -tune zerolatency -g 20 \
  -f hls -hls_time 2 -hls_list_size 2 -hls_flags delete_segments -method PUT -strftime 1 \
  -headers "Authorization: Bearer $NVR_TOKEN"$'\r\n' \
  -hls_segment_filename "$url/v1/objects/cctv/cam1-%Y%m%dT%H%M%S.ts" "$url/v1/objects/cctv/cam1.m3u8" \
  > "$WORK/ffmpeg.log" 2>&1 || { cat "$WORK/ffmpeg.log" >&2; fail "ffmpeg exited with an error"; }
run_end=$(date +%s)
mapfile -t segments < <(grep -o "cam1-[0-9]\{8\}T[0-9]\{6\}\.ts" "$WORK/ffmpeg.log" | sort -u)
echo "ffmpeg wrote ${#segments[@]} segments: ${segments[*]}"
expect_eq "ffmpeg wrote 4 or more segments" yes "$([ "${#segments[@]}" -ge 4 ] && echo yes || echo "no: ${#segments[@]}")"
expect_eq "ffmpeg printed no error" "" "$(grep -i -E 'error|failed' "$WORK/ffmpeg.log" | grep -v -i 'error-resilient' || true)"
# ffmpeg does not wait for the answers (it sends a segment's last chunk and closes), so
# the last segment may still be on its way to the disk when ffmpeg exits.
stored=$(wait_lines "${#segments[@]}" list --category cctv --camera cam1 --since "-5min")
expect_eq "every segment stored under camera cam1" "$(printf '%s\n' "${segments[@]}")" \
  "$(jq -r .message <<<"$stored" | sort)"
expect_eq "time from the name" name "$(jq -r .fields.time_source <<<"$stored" | sort -u)"
expect_eq "camera from the name" name "$(jq -r .fields.camera_source <<<"$stored" | sort -u)"
for seg in "${segments[@]}"; do
  t=$(jq -r --arg s "$seg" 'select(.message == $s) | .time' <<<"$stored")
  expect_eq "$seg: time inside the run" yes "$(in_window "$(epoch "$t")" "$run_start" "$run_end")"
  name_time=$(sed -E 's/cam1-([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2}).ts/\1-\2-\3 \4:\5:\6/' <<<"$seg")
  expect_eq "$seg: the time the name says" "$(epoch "$name_time")" "$(epoch "$t")"
done
# The playlist was PUT after every segment: ignored, not a 409 storm.
expect_eq "no 409" 0 "$(metric 'hokan_http_refused_total{reason="exists"}')"
ignored=$(metric hokan_objects_ignored_total)
expect_eq "playlist PUTs ignored" yes "$([ "$ignored" -ge "${#segments[@]}" ] && echo yes || echo "no: $ignored")"
set +e; out=$(hctl object get cctv cam1.m3u8 --purpose HLS-TEST -o "$WORK/none" 2>&1); set -e
expect_contains "the playlist was not stored" "no object named" "$out"
# ffmpeg's DELETEs of old segments: refused, audited one by one (a token names the
# sender), one log line a minute, and nothing destroyed.
deletes=$(metric 'hokan_http_refused_total{reason="delete"}')
expect_eq "ffmpeg's DELETEs refused" yes "$([ "$deletes" -ge 1 ] && echo yes || echo "no: $deletes")"
# Each is counted once its audit record is durable.
deletes_audited() {
  hctl query --category audit --purpose HLS-TEST --since "-5min" --format json |
    jq -c 'select(.sd["hokan-audit@32473"].action == "object_delete")'
}
audited=$(wait_lines "$deletes" deletes_audited)
expect_eq "each DELETE audited" "$deletes" "$(grep -c . <<<"$audited")"
expect_contains "the audit record names the sender" "http:nvr-1" "$(head -1 <<<"$audited")"
expect_contains "the audit record names the segment" "cam1-" "$(head -1 <<<"$audited")"
expect_eq "one log line a minute for the sender's DELETEs" 1 "$(grep -c '405 delete for sender nvr-1' "$WORK/hokand.log")"
expect_eq "no segment destroyed by a DELETE" "${#segments[@]}" "$(grep -c . <<<"$stored")"
# A DELETE no token names: 405 with the reason; audited once a minute per address.
expect_eq "a stranger's DELETE" 405 "$(status -X DELETE "$url/v1/objects/cctv/${segments[0]}")"
expect_contains "405 says why" "destroyed by hokan's retention" "$(cat "$WORK/body")"
expect_eq "a stranger's second DELETE" 405 "$(status -X DELETE "$url/v1/objects/cctv/${segments[1]}")"
expect_eq "a stranger's DELETEs: one audit record a minute" 1 \
  "$(hctl query --category audit --purpose HLS-TEST --since "-5min" --format json |
     jq -c 'select(.sd["hokan-audit@32473"].action == "object_delete" and .sd["hokan-audit@32473"].user == "http:127.0.0.1")' |
     grep -c .)"
# A segment read back through hokanctl is what ffmpeg encoded.
hctl object get cctv "${segments[1]}" --purpose HLS-TEST -o "$WORK/segment.ts"
expect_eq "ffprobe: MPEG-TS" mpegts "$(ffprobe -v error -show_entries format=format_name -of csv=p=0 "$WORK/segment.ts")"
expect_eq "ffprobe: H.264 320x240" "h264,320,240" \
  "$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$WORK/segment.ts" | grep . | sort -u)"
expect_eq "ffprobe: about 2 s" 2 "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$WORK/segment.ts" | cut -d. -f1)"

# --- The other paths, with curl -----------------------------------------------------------
printf 'MARKER-lobby' > "$WORK/lobby"; printf 'MARKER-door' > "$WORK/door"; printf 'scan' > "$WORK/scan"
now_name=$(date +%Y%m%dT%H%M%S)
# Camera from the header beats the sender's; time from the header beats the name.
expect_eq "header time and camera" 201 "$(status -T "$WORK/lobby" -H "Authorization: Bearer $DOOR_TOKEN" \
  -H "X-Hokan-Time: $(date -d '-10 min' --iso-8601=seconds)" -H "X-Hokan-Camera: lobby" \
  "$url/v1/objects/cctv/x-$now_name.ts")"
lobby=$(list --category cctv --camera lobby --since "-15min")
expect_eq "time from the header" header "$(jq -r .fields.time_source <<<"$lobby")"
expect_eq "camera from the header" header "$(jq -r .fields.camera_source <<<"$lobby")"
# Camera from the sender's token beats the name's prefix ("door" here).
expect_eq "sender's camera" 201 "$(status -T "$WORK/door" -H "Authorization: Bearer $DOOR_TOKEN" \
  "$url/v1/objects/cctv/door-$now_name.ts")"
door=$(list --category cctv --camera door-2 --since "-5min")
expect_eq "camera from the token" sender "$(jq -r .fields.camera_source <<<"$door")"
expect_eq "time from the name (sender path)" "$(epoch "$(sed -E 's/(....)(..)(..)T(..)(..)(..)/\1-\2-\3 \4:\5:\6/' <<<"$now_name")")" \
  "$(epoch "$(jq -r .time <<<"$door")")"
# No header and no name_time: the received time.
before=$(date +%s)
expect_eq "received time" 201 "$(status -T "$WORK/scan" -H "Authorization: Bearer $NVR_TOKEN" "$url/v1/objects/docs/scan-0042.pdf")"
after=$(date +%s)
scan=$(list --category docs --since "-5min")
expect_eq "time_source received" received "$(jq -r .fields.time_source <<<"$scan")"
expect_eq "the received time" yes "$(in_window "$(epoch "$(jq -r .time <<<"$scan")")" "$before" "$after")"
# Names without what the category reads from them: 400 saying why.
expect_eq "name without a time" 400 "$(status -T "$WORK/scan" -H "Authorization: Bearer $NVR_TOKEN" "$url/v1/objects/cctv/cam1-latest.ts")"
expect_contains "400 says which time form" 'no time of the form \"%Y%m%dT%H%M%S\"' "$(cat "$WORK/body")"
expect_eq "name without a camera" 400 "$(status -T "$WORK/scan" -H "Authorization: Bearer $NVR_TOKEN" "$url/v1/objects/cctv/$now_name.ts")"
expect_contains "400 says which camera form" 'does not begin with a camera of the form \"{camera}-\"' "$(cat "$WORK/body")"
expect_eq "refusals by reason" 2 "$(metric 'hokan_http_refused_total{reason="name"}')"
# A replaced playlist: every PUT stored as a version, the newest read by its name.
printf '#EXTM3U\n#v1\n' > "$WORK/v1.m3u8"; printf '#EXTM3U\n#v2\n' > "$WORK/v2.m3u8"
expect_eq "playlist version 1" 201 "$(status -T "$WORK/v1.m3u8" -H "Authorization: Bearer $NVR_TOKEN" "$url/v1/objects/playlists/cam1.m3u8")"
expect_contains "stored as a version" '"name":"cam1.m3u8@' "$(cat "$WORK/body")"
expect_eq "playlist version 2" 201 "$(status -T "$WORK/v2.m3u8" -H "Authorization: Bearer $NVR_TOKEN" "$url/v1/objects/playlists/cam1.m3u8")"
hctl object get playlists cam1.m3u8 --purpose HLS-TEST -o "$WORK/newest.m3u8"
expect_eq "object get reads the newest version" "$(cat "$WORK/v2.m3u8")" "$(cat "$WORK/newest.m3u8")"
expect_eq "still no 409" 0 "$(metric 'hokan_http_refused_total{reason="exists"}')"

# --- Retention: a hold on the camera named by the segment names, then purges ---------------
# cctv keeps footage 0 days, door-2 30 days: the lobby segment goes at once, door-2's
# stays, and cam1's stay while held.
on_disk() { grep -r -a -q --exclude-dir=audit -- "$1" "$WORK/state" && echo yes || echo no; }
expect_eq "ffmpeg's segments on disk before the purge" yes "$(on_disk 'x264 - core')"
hctl hold place CAM1-HOLD --reason "incident on camera 1" --camera cam1 >/dev/null
out=$(hctl purge now)
expect_contains "purge destroyed the lobby segment" "cctv: destroyed 1 records" "$out"
expect_contains "the hold kept cam1's segments" "held back ${#segments[@]} by CAM1-HOLD" "$out"
expect_eq "lobby segment gone from disk" no "$(on_disk MARKER-lobby)"
expect_eq "door-2 (30d, camera from the token) kept" yes "$(on_disk MARKER-door)"
hctl object get cctv "${segments[0]}" --purpose HLS-TEST -o "$WORK/held.ts"
expect_eq "a held segment still reads" mpegts "$(ffprobe -v error -show_entries format=format_name -of csv=p=0 "$WORK/held.ts")"
hctl hold release CAM1-HOLD --reason "case closed" >/dev/null
out=$(hctl purge now)
expect_contains "released segments destroyed" "cctv: destroyed ${#segments[@]} records" "$out"
expect_eq "no byte of ffmpeg's segments left on disk" no "$(on_disk 'x264 - core')"
set +e; out=$(hctl object get cctv "${segments[0]}" --purpose HLS-TEST -o "$WORK/gone.ts" 2>&1); set -e
expect_contains "a destroyed segment cannot be read" "no object named" "$out"
expect_contains "the ledger has the receipt" "cctv" "$(hctl ledger 2>&1)"
stop_hokand

# --- The README's command, as written, against conf/hokan.toml -----------------------------
readme_cmd=$(sed -n 's/^ *\(ffmpeg -re -f lavfi .*\)$/\1/p' "$here/README.md" | head -1)
expect_contains "the README has the ffmpeg command" "-method PUT" "$readme_cmd"
rm -rf "$WORK/state"
sed -e "s|^state_dir = .*|state_dir = \"$WORK/state\"|" -e "s|^control = .*|control = \"$WORK/hokan.sock\"|" \
  -e 's|127\.0\.0\.1:5514|127.0.0.1:0|g' -e 's|127\.0\.0\.1:5580|127.0.0.1:0|' "$here/conf/hokan.toml" > "$WORK/shipped.toml"
start_hokand "$WORK/shipped.toml"
port=$(http_port)
url="http://127.0.0.1:$port"
run_start=$(date +%s)
run_peer 60 bash -c "${readme_cmd//127.0.0.1:5580/127.0.0.1:$port}" > "$WORK/readme-ffmpeg.log" 2>&1 ||
  { cat "$WORK/readme-ffmpeg.log" >&2; fail "the README's ffmpeg command failed"; }
run_end=$(date +%s)
shipped=$(wait_lines 1 list --category cctv --camera cam1 --since "-5min")
expect_eq "README command: a segment stored" yes "$([ -n "$shipped" ] && echo yes || echo no)"
expect_eq "README command: time from the name" name "$(jq -r .fields.time_source <<<"$shipped" | sort -u)"
expect_eq "README command: time inside the run" yes \
  "$(in_window "$(epoch "$(jq -r .time <<<"$shipped" | head -1)")" "$run_start" "$run_end")"
expect_eq "README command: nothing refused" 0 "$(curl -s "$url/metrics" | awk '/^hokan_http_refused_total/{s+=$2} END{print s+0}')"
expect_eq "README command: the playlist ignored" yes "$([ "$(metric hokan_objects_ignored_total)" -ge 1 ] && echo yes || echo no)"
finish
