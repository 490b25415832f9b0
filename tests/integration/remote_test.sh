#!/usr/bin/env bash
# The remote tier against a real single-node Ceph (RADOS Gateway), started here from
# Debian's packages on loopback (ceph_lib.sh): objects shipped encrypted, read back
# byte-identical once their local bytes are gone, never readable as plaintext on the
# store, refused deletion through S3 itself while retained or held, kept here while
# radosgw is down and shipped when it returns, and destroyed by a purge — every version
# deleted, the data key gone from the disk, the receipt saying both.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ceph_lib.sh"
: "${FORGE_CHAIN:?FORGE_CHAIN must point at the forge_chain test tool}"
ceph_skip_unless_usable
trap 'rc=$?; set +e; ceph_stop; (exit $rc); cleanup' EXIT

t0=$(date +%s%N)
ceph_start "$WORK/ceph"
echo "figures: Ceph up in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

TOKEN="nvr-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SCANNER="scan-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
# The escrow key pair: the public half in the config, the private half "offline".
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/escrow-private.pem" 2>/dev/null
openssl pkey -in "$WORK/escrow-private.pem" -pubout -out "$WORK/escrow-public.pem"
creds=$WORK/remote.toml
printf 'access_key = "%s"\nsecret_key = "%s"\n' "$CEPH_ACCESS_KEY" "$CEPH_SECRET_KEY" > "$creds"
chmod 600 "$creds"
config=$(write_config <<TOML
max_object_bytes = "120MiB"
[remote]
endpoint = "$CEPH_RGW_ENDPOINT"
region = "$CEPH_REGION"
bucket_prefix = "hkt-"
credentials_file = "$creds"
keep_local = "0s"
anchor_interval = "1s"
escrow_public_key = "$WORK/escrow-public.pem"
categories = ["cctv", "applicant_docs"]

[[category]]
name = "cctv"
kind = "object"
retention = "30d"

[[category]]
name = "applicant_docs"
kind = "object"
retention = "1y"
starts = "case_closed"
retention_by_outcome = { rejected = "0d", default = "1y" }

[[sender]]
name = "nvr-1"
token_sha256 = "$(sha "$TOKEN")"
categories = ["cctv"]

[[sender]]
name = "scanner"
token_sha256 = "$(sha "$SCANNER")"
categories = ["applicant_docs"]
TOML
)
sed -i 's/^control = .*/&\nhttp = "127.0.0.1:0"/' "$config"
expect_eq "--check-config accepts [remote]" 0 "$("$HOKAND" --check-config "$config" >/dev/null 2>&1; echo $?)"
chmod 644 "$creds"
set +e; checked=$("$HOKAND" --check-config "$config" 2>&1); code=$?; set -e
expect_eq "--check-config refuses credentials others can read" 78 "$code"
expect_contains "and says why" "must be 0600" "$checked"
chmod 600 "$creds"
start_hokand "$config"
url="http://127.0.0.1:$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")"
metric() { curl -s "$url/metrics" | awk -v m="$1" '$1==m {print $2; exit}'; }
wait_metric() {  # name at-least seconds
  local i v=0
  for i in $(seq 1 $(($3 * 5))); do v=$(metric "$1"); [ "${v%.*}" -ge "$2" ] 2>/dev/null && break; sleep 0.2; done
  echo "${v%.*}"
}
put() {  # token category name time file [curl args]: prints the status
  local token=$1 category=$2 name=$3 time=$4 file=$5; shift 5
  curl -s -o "$WORK/body" -w '%{http_code}' -X PUT --data-binary @"$file" -H "Authorization: Bearer $token" \
    -H "X-Hokan-Time: $time" -H "Content-Type: $( [ "$category" = cctv ] && echo video/mp2t || echo application/pdf)" \
    "$@" "$url/v1/objects/$category/$name"
}
segment() {  # file token megabytes: random bytes with the token at the start, middle and end
  { printf '%s' "$2"; head -c $(($3 * 524288)) /dev/urandom; printf '%s' "$2"; head -c $(($3 * 524288)) /dev/urandom
    printf '%s' "$2"; } > "$1"
}
# Remote names: the buckets hokan made (ListBuckets), and the keys and versions in one.
buckets() { s3curl GET / | grep -o '<Name>[^<]*</Name>' | sed 's/<[^>]*>//g' | grep '^hkt-' || true; }
versions() { s3curl GET "/$1?versions=" | grep -o '<VersionId>[^<]*</VersionId>' | sed 's/<[^>]*>//g' || true; }
keys_in() { s3curl GET "/$1?versions=" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g' | sort -u || true; }
today=$(date -u +%FT%TZ)

# ---- round trip, ciphertext only, local bytes gone, read back from the store
token1="FOOTAGE-TOKEN-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
segment "$WORK/seg1" "$token1" 3
expect_eq "201 as before" 201 "$(put "$TOKEN" cctv door-1.ts "$today" "$WORK/seg1" -H "X-Hokan-Camera: door")"
expect_eq "shipped and verified" 1 "$(wait_metric hokan_remote_uploaded_total 1 60)"
expect_eq "local bytes removed after keep_local" 1 "$(wait_metric hokan_remote_local_removed_total 1 30)"
cctv_bucket=$(buckets | grep -- '-cctv-' | head -1)
expect_eq "one remote bucket for the day" 1 "$(buckets | grep -c -- '-cctv-')"
key1=$(keys_in "$cctv_bucket" | head -1)
s3curl GET "/$cctv_bucket/$key1" > "$WORK/raw1"
expect_eq "the store holds hokan's envelope" HKE1 "$(head -c 4 "$WORK/raw1")"
expect_eq "the store never sees the footage's bytes" no "$(grep -qaF "$token1" "$WORK/raw1" && echo yes || echo no)"
expect_eq "nor its name" no "$(grep -qaF "door-1" <(s3curl GET "/$cctv_bucket?versions=") && echo yes || echo no)"
expect_eq "the local disk no longer holds the footage" no \
  "$(grep -rqaF "$token1" "$WORK/state" && echo yes || echo no)"
expect_eq "verify: a shipped object's bytes gone from here are not a removal" 0 \
  "$(hctl verify --category cctv >/dev/null 2>&1; echo $?)"
hctl object get cctv door-1.ts --purpose INC-1 -o "$WORK/seg1.back"
expect_eq "read back from the store, byte-identical" "$(sha256sum < "$WORK/seg1" | cut -d' ' -f1)" \
  "$(sha256sum < "$WORK/seg1.back" | cut -d' ' -f1)"
expect_contains "and audited like any read" "object_get" "$(hctl query --category audit --since -5min --purpose check --format json)"

# ---- Object Lock: hokan's own credentials cannot destroy early
v1=$(versions "$cctv_bucket" | head -1)
expect_eq "COMPLIANCE retention refuses deletion through S3" 403 "$(s3code DELETE "/$cctv_bucket/$key1?versionId=$v1")"
expect_eq "still there" 200 "$(s3code HEAD "/$cctv_bucket/$key1")"

# ---- a legal hold reaches the store: set on every covered object, cleared on release
hold_of() {  # bucket key version: ON or OFF
  s3curl GET "/$1/$2?legal-hold=&versionId=$3" | grep -o '<Status>[A-Z]*</Status>' | sed 's/<[^>]*>//g'
}
wait_hold() {  # bucket key version want
  local i got=""
  for i in $(seq 1 100); do got=$(hold_of "$1" "$2" "$3"); [ "$got" = "$4" ] && break; sleep 0.2; done
  echo "$got"
}
hctl hold place THEFT-1 --reason "theft at the door" --camera door --since -1h > /dev/null
expect_eq "hold place sets the S3 legal hold" ON "$(wait_hold "$cctv_bucket" "$key1" "$v1" ON)"
hctl hold release THEFT-1 --reason "case closed by the police" > /dev/null
expect_eq "hold release clears it" OFF "$(wait_hold "$cctv_bucket" "$key1" "$v1" OFF)"
expect_contains "and the audit trail records both" "remote legal holds brought in line" \
  "$(hctl query --category audit --since -5min --purpose check)"

# ---- radosgw stopped mid-upload: nothing lost, the backlog drains when it returns
segment "$WORK/seg2" "SECOND-$token1" 40
expect_eq "201 for a large segment" 201 "$(put "$TOKEN" cctv door-2.ts "$today" "$WORK/seg2" -H "X-Hokan-Camera: door")"
ceph_rgw_stop
segment "$WORK/seg3" "THIRD-$token1" 2
expect_eq "201 while the store is down" 201 "$(put "$TOKEN" cctv door-3.ts "$today" "$WORK/seg3" -H "X-Hokan-Camera: door")"
errors=$(wait_metric hokan_remote_upload_errors_total 1 60)
[ "$errors" -ge 1 ] && pass || fail "no failed upload was counted while radosgw was down"
expect_contains "/healthz says what waits" "wait here to be shipped" "$(curl -s "$url/healthz")"
expect_eq "/healthz stays 200: the local store is the spool" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")"
ceph_rgw_start
expect_eq "the backlog drains after radosgw returns" 3 "$(wait_metric hokan_remote_uploaded_total 3 120)"
expect_eq "backlog empty" 0 "$(wait_metric hokan_remote_backlog_objects 0 5)"
key2=$(keys_in "$cctv_bucket" | sed -n 2p)
v2=$(s3curl GET "/$cctv_bucket?versions=" | grep -o "<Key>$key2</Key><VersionId>[^<]*" | sed 's/.*<VersionId>//' | head -1)
[ -n "$v2" ] || v2=$(versions "$cctv_bucket" | sed -n 2p)
expect_eq "a multipart upload is retained too" 403 "$(s3code DELETE "/$cctv_bucket/$key2?versionId=$v2")"
expect_contains "in COMPLIANCE mode" COMPLIANCE "$(s3curl GET "/$cctv_bucket/$key2?retention=&versionId=$v2")"
for n in 2 3; do
  hctl object get cctv door-$n.ts --purpose INC-1 -o "$WORK/seg$n.back"
  expect_eq "door-$n.ts byte-identical" "$(sha256sum < "$WORK/seg$n" | cut -d' ' -f1)" \
    "$(sha256sum < "$WORK/seg$n.back" | cut -d' ' -f1)"
done

# ---- the keys survive this disk: the escrow copy, unwrapped with the offline key
key_path=$WORK/state/remote/keys/$cctv_bucket.key
rm -f "$key_path"
expect_eq "without its key the footage cannot be read" 1 \
  "$(hctl object get cctv door-1.ts --purpose INC-1 -o "$WORK/lost" >/dev/null 2>&1 && echo 0 || echo 1)"
s3curl GET "/hkt-keys/$cctv_bucket.key" > "$WORK/wrapped.key"
openssl pkeyutl -decrypt -inkey "$WORK/escrow-private.pem" -pkeyopt rsa_padding_mode:oaep \
  -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 -in "$WORK/wrapped.key" -out "$key_path"
chmod 600 "$key_path"
hctl object get cctv door-1.ts --purpose INC-1 -o "$WORK/seg1.recovered"
expect_eq "restored from escrow, the footage reads again" "$(sha256sum < "$WORK/seg1" | cut -d' ' -f1)" \
  "$(sha256sum < "$WORK/seg1.recovered" | cut -d' ' -f1)"

# ---- a case-clock object: under legal hold until its case closes, then purged
doc_token="APPLICANT-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
segment "$WORK/cv" "$doc_token" 1
expect_eq "201 applicant document" 201 \
  "$(put "$SCANNER" applicant_docs cv.pdf "$today" "$WORK/cv" -H "X-Hokan-Host: scanner-1" -H "X-Hokan-Case: APP-7")"
expect_eq "shipped" 4 "$(wait_metric hokan_remote_uploaded_total 4 60)"
doc_bucket=$(buckets | grep -- '-applicant-docs-' | head -1)
doc_key=$(keys_in "$doc_bucket" | head -1)
doc_version=$(versions "$doc_bucket" | head -1)
expect_eq "a legal hold refuses deletion through S3" 403 "$(s3code DELETE "/$doc_bucket/$doc_key?versionId=$doc_version")"
key_file=$WORK/state/remote/keys/$doc_bucket.key
expect_eq "the bucket has a data key" 32 "$(stat -c %s "$key_file" 2>/dev/null || echo none)"
key_hex=$(od -An -tx1 -v "$key_file" | tr -d ' \n')
hctl case close APP-7 --outcome rejected --reason "not hired" > /dev/null
hctl purge now > /dev/null
expect_eq "no version left in the store" 0 "$(versions "$doc_bucket" | grep -c . || true)"
expect_eq "the object answers 404" 404 "$(s3code HEAD "/$doc_bucket/$doc_key")"
expect_eq "the key file is gone" no "$([ -e "$key_file" ] && echo yes || echo no)"
found_key=no
while IFS= read -r -d '' f; do
  od -An -tx1 -v "$f" 2>/dev/null | tr -d ' \n' | grep -qF "$key_hex" && { found_key="yes ($f)"; break; }
done < <(find "$WORK/state" -type f -print0)
expect_eq "the key's bytes are nowhere in the state directory" no "$found_key"
receipt=$(hctl ledger --format json | jq -c 'select(.category == "applicant_docs")' | tail -1)
expect_eq "the receipt counts the remote versions deleted" 1 "$(jq -r .remote_versions_deleted <<<"$receipt")"
expect_eq "and the key destroyed" 1 "$(jq -r .key_destroyed <<<"$receipt")"
expect_eq "and its escrow copy deleted" 1 "$(jq -r .key_escrow_versions_deleted <<<"$receipt")"
expect_eq "no escrow copy is left to fetch" 404 "$(s3code GET "/hkt-keys/$doc_bucket.key")"
expect_eq "footage still readable" "$(sha256sum < "$WORK/seg1" | cut -d' ' -f1)" \
  "$(hctl object get cctv door-1.ts --purpose INC-1 -o "$WORK/seg1.again" && sha256sum < "$WORK/seg1.again" | cut -d' ' -f1)"
# ---- tamper evidence anchored off the machine: a chain recomputed here is caught
tcp_port=$(awk '$1=="tcp"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")
evidence="EVIDENCE-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for i in $(seq 1 20); do
  note="routine line $i"; [ $((i % 7)) = 0 ] && note="$evidence line $i"
  printf '<134>1 %s fw1 sshd - - - %s\n' "$(date -u +%FT%TZ)" "$note"
done | socat -u - "TCP:127.0.0.1:$tcp_port"
wait_count 20 --category operation --since -1h > /dev/null
anchored=false
for i in $(seq 1 100); do
  anchored=$(hctl verify --remote --category operation --format json 2>/dev/null | jq -r .anchored | sort -u | tr '\n' ' ')
  [ "$anchored" = "true " ] && break; sleep 0.2
done
expect_eq "the day's chain head is anchored in the ledger bucket" "true " "$anchored"
expect_eq "verify --remote: intact" 0 "$(hctl verify --remote --category operation >/dev/null 2>&1; echo $?)"
expect_eq "receipts are anchored too" yes "$(s3curl GET "/hkt-ledger?versions=" | grep -q '<Key>receipts/' && echo yes || echo no)"
# Every anchored version is checked, not only the first and the latest: a version
# naming a head the chain never had, put between two of hokand's, is caught.
ledger_versions() { s3curl GET "/hkt-ledger?prefix=$(printf %s "$1" | sed 's#/#%2F#g')&versions="; }
chain_key=$(ledger_versions chain/operation/ | grep -o '<Key>chain/operation/[^<]*' | head -1 | sed 's/<Key>//')
expect_contains "heads are anchored under chain/" "chain/operation/" "$chain_key"
forged_anchor=$(s3curl GET "/hkt-ledger/$chain_key" | sed 's/"head":"[0-9a-f]*"/"head":"'"$(printf '0%.0s' $(seq 64))"'"/')
expect_eq "a forged anchor can be added with hokand's credentials" 200 \
  "$(s3code PUT "/hkt-ledger/$chain_key" --data-binary "$forged_anchor")"
versions_before=$(ledger_versions "$chain_key" | grep -o '<VersionId>' | wc -l)
printf '<134>1 %s fw1 sshd - - - after the forged anchor\n' "$(date -u +%FT%TZ)" | socat -u - "TCP:127.0.0.1:$tcp_port"
for i in $(seq 1 100); do
  [ "$(ledger_versions "$chain_key" | grep -o '<VersionId>' | wc -l)" -gt "$versions_before" ] && break
  sleep 0.2
done
expect_eq "hokand anchored again after it" yes \
  "$([ "$(ledger_versions "$chain_key" | grep -o '<VersionId>' | wc -l)" -gt "$versions_before" ] && echo yes || echo no)"
set +e; middle_check=$(hctl verify --remote --category operation --format json 2>&1); code=$?; set -e
expect_eq "verify --remote catches an anchored version between two good ones" 1 "$code"
expect_contains "naming the version's ETag" "version ETag" "$middle_check"
echo "figures: remote: $(metric hokan_remote_uploaded_total) objects shipped, $(metric hokan_remote_upload_errors_total) failed attempts retried, peak RSS $(awk '/VmHWM/ {print $2 " kB"}' /proc/$HOKAND_PID/status)"
stop_hokand
expect_eq "the forger removes the evidence and re-seals the day" 2 "$("$FORGE_CHAIN" "$WORK/state" Asia/Tokyo operation "$evidence")"
start_hokand "$config"
url="http://127.0.0.1:$(awk '$1=="http"{n=split($2,a,":"); print a[n]; exit}' "$WORK/state/endpoints")"
expect_eq "the local chain alone looks intact" 0 "$(hctl verify --category operation >/dev/null 2>&1; echo $?)"
set +e; remote_check=$(hctl verify --remote --category operation --format json 2>&1); code=$?; set -e
expect_eq "verify --remote catches the rewritten chain" 1 "$code"
expect_contains "naming the anchored head it no longer passes through" "anchored off the machine" "$remote_check"

finish
