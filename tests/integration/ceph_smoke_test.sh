#!/usr/bin/env bash
# The S3 peer of the remote tier, proven with curl before hokan talks to it: a real
# single-node Ceph with the RADOS Gateway (tests/integration/ceph_lib.sh) on loopback. A
# bucket with Object Lock; a version under COMPLIANCE retention and one under a legal
# hold, whose deletes are refused (403) until the hold is released and the retention has
# passed; ListObjectVersions; a multipart upload (two parts of 5 MiB and more) with
# Object Lock headers on its initiation; 404 for deleted objects; radosgw stopped and
# started again on its port; garbage collection forced. Prints the bring-up time and
# the daemons' memory. Runs no hokand. Needs root and the Ceph packages
# (tools/install-deps); skips (77) otherwise.
# lib.sh wants the binaries under test; this test starts none of them.
HOKAND=${HOKAND:-/nonexistent/hokand}
HOKANCTL=${HOKANCTL:-/nonexistent/hokanctl}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ceph_lib.sh"
ceph_skip_unless_usable
# cleanup reads the test's exit status from $?: stopping Ceph must not replace it.
trap 'rc=$?; set +e; [ "$rc" = 0 ] && [ "$FAILURES" = 0 ] || ceph_log_tail 20; ceph_stop; (exit $rc); cleanup' EXIT

ceph_start "$WORK/ceph"
echo "ceph: up in $CEPH_START_SECONDS s at $CEPH_RGW_ENDPOINT; RSS $(($(ceph_rss_kib) / 1024)) MiB"
body() { cat "$S3_BODY"; }
xml() { sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" "$S3_BODY" | head -1; }  # first element's text
iso_in() { date -u -d "+$1 seconds" +%Y-%m-%dT%H:%M:%SZ; }              # now + n s, as S3 wants
wait_past() {  # iso-date: sleeps (bounded: 60 s) until the date has passed by a second
  local until i
  until=$(date -u -d "$1" +%s)
  for i in $(seq 1 600); do [ "$(date -u +%s)" -gt "$until" ] && return 0; sleep 0.1; done
  fail "$1 did not pass within 60 s"
}
lock_xml='<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>%s</Status></LegalHold>'
bucket=hokan-smoke

# ---- A bucket with Object Lock (which turns versioning on) ---------------------------
expect_eq "create bucket with object lock" 200 \
  "$(s3code PUT "/$bucket" -H 'x-amz-bucket-object-lock-enabled: true')"
expect_eq "object lock configuration" 200 "$(s3code GET "/$bucket?object-lock=")"
expect_eq "object lock enabled" Enabled "$(xml ObjectLockEnabled)"
expect_eq "versioning configuration" 200 "$(s3code GET "/$bucket?versioning=")"
expect_eq "versioning enabled by object lock" Enabled "$(xml Status)"

# ---- COMPLIANCE retention and a legal hold refuse deletes ----------------------------
head -c 100000 /dev/urandom > "$WORK/small"
retain=$(iso_in 10)
expect_eq "put with compliance retention" 200 "$(s3code PUT "/$bucket/retained" -T "$WORK/small" \
  -H 'x-amz-object-lock-mode: COMPLIANCE' -H "x-amz-object-lock-retain-until-date: $retain")"
v_ret=$(s3header x-amz-version-id)
[ -n "$v_ret" ] && pass || fail "no x-amz-version-id on the retained put"
expect_eq "put with legal hold" 200 "$(s3code PUT "/$bucket/held" -T "$WORK/small" \
  -H 'x-amz-object-lock-legal-hold: ON')"
v_held=$(s3header x-amz-version-id)
expect_eq "head retained" 200 "$(s3code HEAD "/$bucket/retained")"
expect_eq "retained: mode" COMPLIANCE "$(s3header x-amz-object-lock-mode)"
expect_contains "retained: until (RGW adds nanoseconds)" "${retain%Z}" "$(s3header x-amz-object-lock-retain-until-date)"
expect_eq "get retention" 200 "$(s3code GET "/$bucket/retained?retention=&versionId=$v_ret")"
expect_eq "retention mode" COMPLIANCE "$(xml Mode)"
expect_eq "head held" 200 "$(s3code HEAD "/$bucket/held")"
expect_eq "held: legal hold" ON "$(s3header x-amz-object-lock-legal-hold)"
expect_eq "get legal hold" 200 "$(s3code GET "/$bucket/held?legal-hold=&versionId=$v_held")"
expect_eq "legal hold status" ON "$(xml Status)"

expect_eq "delete retained version refused" 403 "$(s3code DELETE "/$bucket/retained?versionId=$v_ret")"
expect_eq "refused: code" AccessDenied "$(xml Code)"
expect_eq "delete held version refused" 403 "$(s3code DELETE "/$bucket/held?versionId=$v_held")"
expect_eq "refused: code" AccessDenied "$(xml Code)"
expect_eq "shorten compliance retention refused" 403 \
  "$(s3code PUT "/$bucket/retained?retention=&versionId=$v_ret" --data-binary \
     "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>$(iso_in 2)</RetainUntilDate></Retention>")"
expect_eq "still there" 200 "$(s3code GET "/$bucket/retained?versionId=$v_ret")"
cmp -s "$S3_BODY" "$WORK/small" && pass || fail "retained object's bytes differ"

# ---- ListObjectVersions ---------------------------------------------------------------
expect_eq "list versions" 200 "$(s3code GET "/$bucket?versions=")"
expect_contains "versions: retained" "<Key>retained</Key><VersionId>$v_ret</VersionId>" "$(body)"
expect_contains "versions: held" "<Key>held</Key><VersionId>$v_held</VersionId>" "$(body)"
expect_eq "versions: two <Version>" 2 "$(grep -o '<Version>' "$S3_BODY" | wc -l)"

# ---- Hold OFF: the delete goes through ------------------------------------------------
# shellcheck disable=SC2059
expect_eq "legal hold off" 200 "$(s3code PUT "/$bucket/held?legal-hold=&versionId=$v_held" \
  --data-binary "$(printf "$lock_xml" OFF)")"
expect_eq "get legal hold after off" 200 "$(s3code GET "/$bucket/held?legal-hold=&versionId=$v_held")"
expect_eq "legal hold status after off" OFF "$(xml Status)"
expect_eq "delete released version" 204 "$(s3code DELETE "/$bucket/held?versionId=$v_held")"
expect_eq "deleted version is gone" 404 "$(s3code GET "/$bucket/held?versionId=$v_held")"
expect_eq "deleted object is gone" 404 "$(s3code GET "/$bucket/held")"
expect_eq "404: code" NoSuchKey "$(xml Code)"
expect_eq "head of deleted object" 404 "$(s3code HEAD "/$bucket/held")"

# ---- Multipart with Object Lock headers on the initiation -----------------------------
head -c $((5 * 1024 * 1024)) /dev/urandom > "$WORK/part1"
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom > "$WORK/part2"
mp_retain=$(iso_in 12)
expect_eq "initiate multipart" 200 "$(s3code POST "/$bucket/multi?uploads=" \
  -H 'x-amz-object-lock-mode: COMPLIANCE' -H "x-amz-object-lock-retain-until-date: $mp_retain" \
  -H 'x-amz-object-lock-legal-hold: ON' -H 'x-amz-meta-hokan-test: smoke')"
upload=$(xml UploadId)
[ -n "$upload" ] && pass || fail "no UploadId in $(body)"
# Query parameters in byte order: curl 7.88 signs the query as written.
expect_eq "part 1" 200 "$(s3code PUT "/$bucket/multi?partNumber=1&uploadId=$upload" -T "$WORK/part1")"
etag1=$(s3header etag)
expect_eq "part 2" 200 "$(s3code PUT "/$bucket/multi?partNumber=2&uploadId=$upload" -T "$WORK/part2")"
etag2=$(s3header etag)
expect_eq "list parts" 200 "$(s3code GET "/$bucket/multi?uploadId=$upload")"
expect_eq "list parts: two" 2 "$(grep -o '<Part>' "$S3_BODY" | wc -l)"
complete="<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>$etag1</ETag></Part>"
complete+="<Part><PartNumber>2</PartNumber><ETag>$etag2</ETag></Part></CompleteMultipartUpload>"
expect_eq "complete multipart" 200 "$(s3code POST "/$bucket/multi?uploadId=$upload" --data-binary "$complete")"
expect_contains "complete: result" "<CompleteMultipartUploadResult" "$(body)"
v_multi=$(s3header x-amz-version-id)
[ -n "$v_multi" ] && pass || fail "no x-amz-version-id on complete"
expect_eq "get multipart object" 200 "$(s3code GET "/$bucket/multi?versionId=$v_multi")"
cat "$WORK/part1" "$WORK/part2" | cmp -s - "$S3_BODY" && pass || fail "multipart bytes differ"
expect_eq "multipart etag has the part count" 2 "$(s3header etag | sed 's/.*-\([0-9]*\)"$/\1/')"
expect_eq "multipart metadata" smoke "$(s3header x-amz-meta-hokan-test)"
# RGW 16.2 keeps the lock headers of the initiation off the completed object: a client
# sets retention and legal hold on the version after completing (bucket default
# retention does reach multipart objects).
if [ "$(s3code GET "/$bucket/multi?legal-hold=&versionId=$v_multi")" != 200 ]; then
  echo "NOTE: RGW dropped the object lock headers of CreateMultipartUpload ($(xml Code)): set after complete"
  mp_retain=$(iso_in 8)  # a date already past is refused (400 InvalidArgument)
  # shellcheck disable=SC2059
  expect_eq "multipart: legal hold after complete" 200 \
    "$(s3code PUT "/$bucket/multi?legal-hold=&versionId=$v_multi" --data-binary "$(printf "$lock_xml" ON)")"
  expect_eq "multipart: retention after complete" 200 \
    "$(s3code PUT "/$bucket/multi?retention=&versionId=$v_multi" --data-binary \
       "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>$mp_retain</RetainUntilDate></Retention>")"
fi
expect_eq "multipart head" 200 "$(s3code HEAD "/$bucket/multi?versionId=$v_multi")"
expect_eq "multipart: mode" COMPLIANCE "$(s3header x-amz-object-lock-mode)"
expect_eq "multipart: legal hold" ON "$(s3header x-amz-object-lock-legal-hold)"
expect_eq "delete locked multipart version refused" 403 "$(s3code DELETE "/$bucket/multi?versionId=$v_multi")"

# ---- Retention passes: deletes go through ---------------------------------------------
wait_past "$retain"
expect_eq "delete version after retention" 204 "$(s3code DELETE "/$bucket/retained?versionId=$v_ret")"
expect_eq "retained object is gone" 404 "$(s3code GET "/$bucket/retained")"
wait_past "$mp_retain"
expect_eq "multipart: still held after retention" 403 "$(s3code DELETE "/$bucket/multi?versionId=$v_multi")"
# shellcheck disable=SC2059
expect_eq "multipart: hold off" 200 "$(s3code PUT "/$bucket/multi?legal-hold=&versionId=$v_multi" \
  --data-binary "$(printf "$lock_xml" OFF)")"
expect_eq "multipart: delete version" 204 "$(s3code DELETE "/$bucket/multi?versionId=$v_multi")"
expect_eq "multipart object is gone" 404 "$(s3code GET "/$bucket/multi")"
expect_eq "list versions after deletes" 200 "$(s3code GET "/$bucket?versions=")"
expect_eq "no version left" 0 "$(grep -o '<Version>' "$S3_BODY" | wc -l)"

# ---- radosgw stopped and started on the same port -------------------------------------
plain=hokan-smoke-plain
expect_eq "plain bucket" 200 "$(s3code PUT "/$plain")"
expect_eq "put before restart" 200 "$(s3code PUT "/$plain/kept" -T "$WORK/part2")"
rgw_pid=$CEPH_RGW_PID
ceph_rgw_stop
kill -0 "$rgw_pid" 2>/dev/null && fail "radosgw $rgw_pid still runs" || pass
expect_eq "no answer while stopped" 000 "$(s3code GET "/$plain/kept" 2>/dev/null || true)"
ceph_rgw_start
expect_eq "same endpoint after restart" 200 "$(s3code GET "/$plain/kept")"
cmp -s "$S3_BODY" "$WORK/part2" && pass || fail "bytes differ after radosgw restart"

# ---- Garbage collection: a deleted object's data really goes --------------------------
# Deletes free the head at once and queue the tail for RGW's gc (2 h by default).
data_objects() { rados -c "$CEPH_CONF" -p default.rgw.buckets.data ls | wc -l; }
ceph_gc
before=$(data_objects)
expect_eq "put to collect" 200 "$(s3code PUT "/$plain/doomed" -T "$WORK/part2")"
expect_eq "a 5 MiB object is a head and a tail" $((before + 2)) "$(data_objects)"
expect_eq "delete in a plain bucket" 204 "$(s3code DELETE "/$plain/doomed")"
expect_eq "the tail waits for gc" $((before + 1)) "$(data_objects)"
ceph_gc
expect_eq "rados objects after gc" "$before" "$(data_objects)"

peaks=""
for d in mon:$CEPH_MON_PID osd:$CEPH_OSD_PID rgw:$CEPH_RGW_PID; do
  peaks+=" ${d%%:*} $(($(awk '$1=="VmHWM:" {print $2}' "/proc/${d#*:}/status") / 1024))"
done
echo "ceph: peak RSS $(($(ceph_rss_kib VmHWM) / 1024)) MiB (MiB:$peaks; rgw restarted once)"
t0=$(date +%s.%N)
ceph_stop
echo "ceph: stopped in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
finish
