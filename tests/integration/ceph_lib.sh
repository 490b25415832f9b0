# A real single-node Ceph (one monitor, one memstore OSD, no mgr) with the RADOS Gateway
# serving S3 on loopback, for the remote tier's tests. Sourced by a test after lib.sh
# (it uses port_range); every file of the cluster (conf, keyring, mon and osd data, logs,
# pid files, admin sockets, crash dir, run dir) is under the directory given to ceph_start,
# and only the PIDs it started are ever stopped. Every wait is bounded (CEPH_WAIT_S).
#
#   ceph_skip_unless_usable  exits 77 (CTest's SKIP_RETURN_CODE), saying why, unless root
#                            with the Ceph binaries (tools/install-deps installs them)
#   ceph_start DIR           brings the cluster up; exports CEPH_DIR, CEPH_CONF,
#                            CEPH_RGW_ENDPOINT (http://127.0.0.1:PORT), CEPH_RGW_PORT,
#                            CEPH_ACCESS_KEY, CEPH_SECRET_KEY, CEPH_REGION (default),
#                            CEPH_MON_PID, CEPH_OSD_PID, CEPH_RGW_PID, CEPH_START_SECONDS
#   ceph_stop                stops every daemon ceph_start started (idempotent; EXIT traps)
#   ceph_rgw_stop / ceph_rgw_start   only radosgw, which comes back on the same port
#   ceph_gc                  forces RGW's garbage collection (deleted data really goes)
#   s3curl METHOD PATH [curl args...]   a SigV4-signed path-style request (/bucket/key?q);
#                            prints the body, returns curl's status
#   s3code METHOD PATH [curl args...]   the same, prints only the HTTP status code; the
#                            body is in $S3_BODY, the response headers in $S3_HEADERS
#   s3header NAME            a header of the last s3code response (e.g. x-amz-version-id)
#   ceph_rss_kib [VmHWM]     the summed RSS (KiB) of the daemons now (or each one's peak)
#   ceph_log_tail [N]        the last N lines of every log of the cluster (on stderr)

CEPH_WAIT_S=${CEPH_WAIT_S:-60}           # bound of each wait for a daemon
CEPH_STOP_WAIT_S=${CEPH_STOP_WAIT_S:-20} # bound of each daemon's shutdown before KILL
# Capacity the memstore OSD reports (its data is in memory: RSS grows with what is stored).
CEPH_MEMSTORE_BYTES=${CEPH_MEMSTORE_BYTES:-4294967296}
CEPH_REGION=default
CEPH_MON_PID=""
CEPH_OSD_PID=""
CEPH_RGW_PID=""
CEPH_BINARIES="ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool rados"

ceph_skip_unless_usable() {
  local why="" b
  [ "$(id -u)" = 0 ] || why="the Ceph harness runs its daemons as root (as CI does): run it as root"
  for b in $CEPH_BINARIES; do
    command -v "$b" >/dev/null 2>&1 || { why="${why:+$why; }$b is missing: run tools/install-deps"; break; }
  done
  [ -z "$why" ] && return 0
  echo "SKIPPED: $why"
  # Sourced after lib.sh: its work directory holds nothing yet.
  if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then trap - EXIT; rm -rf "$WORK"; fi
  exit 77
}

ceph_log_tail() {  # [lines]
  local f
  [ -n "${CEPH_DIR:-}" ] || return 0
  for f in "$CEPH_DIR"/log/*; do
    [ -s "$f" ] || continue
    echo "--- $f (last ${1:-30} lines) ---" >&2
    tail -n "${1:-30}" "$f" >&2
  done
}

_ceph_die() {  # message [daemon name]: the reason, that daemon's logs (else all), a stopped cluster
  local f
  echo "ceph: $1" >&2
  if [ -n "${2:-}" ]; then
    for f in "$CEPH_DIR/log/$2.out" "$CEPH_DIR/log/$2.log"; do
      [ -s "$f" ] && { echo "--- $f (last 40 lines) ---" >&2; tail -n 40 "$f" >&2; }
    done
  else
    ceph_log_tail 30
  fi
  ceph_stop
  return 1
}

# `ceph` with a bounded connect (its default retries for minutes).
_ceph() { timeout 30 ceph -c "$CEPH_CONF" --connect-timeout 5 "$@"; }
_rgw_admin() { timeout 60 radosgw-admin -c "$CEPH_CONF" "$@"; }

# A run of n consecutive loopback ports nobody listens on, below the ephemeral range
# (see lib.sh's port_range). Prints the first.
_ceph_free_ports() {  # n
  local base p ok range
  range=$(port_range)
  for base in $(shuf -i "${range%-*}-$((${range#*-} - $1 + 1))" -n 100); do
    ok=1
    for p in $(seq "$base" $((base + $1 - 1))); do
      ss -Hltn "sport = :$p" | grep -q . && { ok=0; break; }
    done
    [ "$ok" = 1 ] && { echo "$base"; return 0; }
  done
  echo "ceph: no run of $1 free ports in $(port_range)" >&2
  return 1
}

_ceph_port_listens() { ss -Hltn "sport = :$1" | grep -q .; }

_ceph_stop_pid() {  # pid: TERM, wait up to CEPH_STOP_WAIT_S, then KILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((CEPH_STOP_WAIT_S * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "ceph: pid $pid ignored TERM for ${CEPH_STOP_WAIT_S} s: KILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Polls a check every 0.2 s until it succeeds, while the daemon runs, for CEPH_WAIT_S
# seconds of wall time at most; otherwise says why with the daemon's logs and stops all.
_ceph_wait() {  # what daemon-name pid check...
  local what=$1 name=$2 pid=$3 deadline=$((SECONDS + CEPH_WAIT_S))
  shift 3
  while :; do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || { _ceph_die "$name exited while waiting for $what" "$name"; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { _ceph_die "no $what within $CEPH_WAIT_S s" "$name"; return 1; }
    sleep 0.2
  done
}
_ceph_mon_answers() { _ceph_port_listens "$CEPH_MON_PORT" && _ceph mon stat >/dev/null 2>&1; }
_ceph_osd_up() { [ "$(_ceph osd stat -f json 2>/dev/null | jq -r .num_up_osds 2>/dev/null)" = 1 ]; }
_ceph_rgw_answers() {
  _ceph_port_listens "$CEPH_RGW_PORT" && curl -s -o /dev/null --max-time 5 "$CEPH_RGW_ENDPOINT/"
}

# A daemon in the foreground (its PID is $!), sent TERM should the test's shell die
# without stopping it (a KILL on timeout): no cluster outlives its test.
_ceph_daemon() { exec setpriv --pdeathsig TERM "$@"; }

_ceph_write_conf() {
  local d=$CEPH_DIR
  cat > "$CEPH_CONF" <<CONF
[global]
fsid = $CEPH_FSID
mon host = v2:127.0.0.1:$CEPH_MON_PORT
mon initial members = a
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = $CEPH_OSD_PORT_MIN
ms bind port max = $((CEPH_OSD_PORT_MIN + 9))
ms mon client mode = crc
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
keyring = $d/keyring
run dir = $d/run
crash dir = $d/crash
admin socket = $d/run/\$name.asok
pid file = $d/run/\$name.pid
log file = $d/log/\$name.log
log to stderr = false
err to stderr = true
mon cluster log file = $d/log/cluster.log
mon cluster log to file = true
mon data = $d/mon/\$id
osd data = $d/osd/\$id
rgw data = $d/rgw/\$name
osd objectstore = memstore
memstore device bytes = $CEPH_MEMSTORE_BYTES
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail crit = 1
mon data avail warn = 2
osd op num shards = 1
osd op num threads per shard = 2
debug ms = 0
# Each osdmap change (radosgw creates 7 pools, one command each) waits out this interval:
# 1 s by default.
paxos propose interval = 0.1

[client]
# Command-line clients (ceph, radosgw-admin) run side by side: one socket each.
admin socket = $d/run/\$name.\$pid.asok

[client.rgw.a]
admin socket = $d/run/\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$CEPH_RGW_PORT
rgw thread pool size = 64
rgw init timeout = $CEPH_WAIT_S
rgw crypt require ssl = false
rgw enable usage log = false
debug rgw = 1
CONF
}

_ceph_start_rgw() {
  _ceph_daemon radosgw -c "$CEPH_CONF" -n client.rgw.a -f </dev/null >> "$CEPH_DIR/log/client.rgw.a.out" 2>&1 &
  CEPH_RGW_PID=$!
  export CEPH_RGW_PID
  # It creates its pools first (a few seconds on a fresh cluster), then listens.
  _ceph_wait "answer from radosgw on $CEPH_RGW_ENDPOINT" client.rgw.a "$CEPH_RGW_PID" _ceph_rgw_answers
}

ceph_start() {  # dir
  local dir=$1 t0 osd_id osd_uuid hex
  t0=$(date +%s.%N)
  [ -z "$CEPH_MON_PID$CEPH_OSD_PID$CEPH_RGW_PID" ] || { echo "ceph: already started" >&2; return 1; }
  mkdir -p "$dir"
  CEPH_DIR=$(cd "$dir" && pwd)
  CEPH_CONF=$CEPH_DIR/ceph.conf
  export CEPH_DIR CEPH_CONF CEPH_REGION
  # Clients (and any ceph tool a test runs) find this cluster, not /etc/ceph.
  export CEPH_ARGS="-c $CEPH_CONF"
  mkdir -p "$CEPH_DIR"/{run,log,crash,mon,osd/0,rgw/client.rgw.a}
  local sock="$CEPH_DIR/run/client.rgw.a.asok"
  [ "${#sock}" -lt 108 ] || echo "ceph: $sock is too long for a unix socket: no admin sockets" >&2
  CEPH_FSID=$(cat /proc/sys/kernel/random/uuid)
  local base
  base=$(_ceph_free_ports 12) || return 1
  CEPH_MON_PORT=$base
  CEPH_RGW_PORT=$((base + 1))
  CEPH_OSD_PORT_MIN=$((base + 2))
  CEPH_RGW_ENDPOINT=http://127.0.0.1:$CEPH_RGW_PORT
  export CEPH_RGW_PORT CEPH_RGW_ENDPOINT
  _ceph_write_conf || { _ceph_die "cannot write $CEPH_CONF"; return 1; }

  # Monitor: a keyring with mon. (mkfs wants one even with cephx off), a monmap, mkfs.
  { CEPH_ARGS='' ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' \
      && CEPH_ARGS='' ceph-authtool "$CEPH_DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' \
           --cap osd 'allow *' --cap mgr 'allow *' \
      && CEPH_ARGS='' monmaptool --create --fsid "$CEPH_FSID" --addv a "[v2:127.0.0.1:$CEPH_MON_PORT]" \
           "$CEPH_DIR/monmap"; } >> "$CEPH_DIR/log/mon.a.out" 2>&1 \
    || { _ceph_die "ceph-authtool or monmaptool failed" mon.a; return 1; }
  ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/keyring" \
    >> "$CEPH_DIR/log/mon.a.out" 2>&1 || { _ceph_die "ceph-mon --mkfs failed" mon.a; return 1; }
  _ceph_daemon ceph-mon -c "$CEPH_CONF" -i a -f </dev/null >> "$CEPH_DIR/log/mon.a.out" 2>&1 &
  CEPH_MON_PID=$!
  export CEPH_MON_PID
  _ceph_wait "answer from ceph-mon on port $CEPH_MON_PORT" mon.a "$CEPH_MON_PID" _ceph_mon_answers \
    || return 1

  # One OSD on memstore.
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(_ceph osd new "$osd_uuid" 2>>"$CEPH_DIR/log/osd.0.out") \
    || { _ceph_die "ceph osd new failed" osd.0; return 1; }
  [ "$osd_id" = 0 ] || { _ceph_die "ceph osd new gave id [$osd_id], not 0" osd.0; return 1; }
  ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >> "$CEPH_DIR/log/osd.0.out" 2>&1 \
    || { _ceph_die "ceph-osd --mkfs failed" osd.0; return 1; }
  _ceph_daemon ceph-osd -c "$CEPH_CONF" -i 0 -f </dev/null >> "$CEPH_DIR/log/osd.0.out" 2>&1 &
  CEPH_OSD_PID=$!
  export CEPH_OSD_PID
  _ceph_wait "OSD up" osd.0 "$CEPH_OSD_PID" _ceph_osd_up || return 1

  _ceph_start_rgw || return 1

  # The test user: random keys, room for many buckets (the default is 1000).
  hex=$(head -c 30 /dev/urandom | od -An -tx1 | tr -d ' \n')
  CEPH_ACCESS_KEY=HK$(printf %s "${hex:0:18}" | tr a-f A-F)
  CEPH_SECRET_KEY=${hex:18:40}
  export CEPH_ACCESS_KEY CEPH_SECRET_KEY
  _rgw_admin user create --uid=hokan-test --display-name="hokan test" \
      --access-key="$CEPH_ACCESS_KEY" --secret-key="$CEPH_SECRET_KEY" --max-buckets=10000 \
      > "$CEPH_DIR/user.json" 2>> "$CEPH_DIR/log/radosgw-admin.out" \
    || { _ceph_die "radosgw-admin user create failed" radosgw-admin; return 1; }
  [ "$(jq -r .max_buckets "$CEPH_DIR/user.json")" = 10000 ] \
    || { _ceph_die "the test user's max_buckets is not 10000: $(cat "$CEPH_DIR/user.json")"; return 1; }
  S3_BODY=$CEPH_DIR/s3.body
  S3_HEADERS=$CEPH_DIR/s3.headers
  CEPH_START_SECONDS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  export CEPH_START_SECONDS
}

ceph_rgw_stop() {
  _ceph_stop_pid "$CEPH_RGW_PID"
  CEPH_RGW_PID=""
  local deadline=$((SECONDS + CEPH_WAIT_S))
  while _ceph_port_listens "$CEPH_RGW_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "ceph: port $CEPH_RGW_PORT still listens $CEPH_WAIT_S s after radosgw stopped" >&2; return 1; }
    sleep 0.1
  done
}

ceph_rgw_start() {
  [ -z "$CEPH_RGW_PID" ] || { echo "ceph: radosgw runs already (pid $CEPH_RGW_PID)" >&2; return 1; }
  _ceph_start_rgw
}

ceph_stop() {  # safe from an EXIT trap: never fails, stops only our PIDs
  _ceph_stop_pid "$CEPH_RGW_PID"; CEPH_RGW_PID=""
  _ceph_stop_pid "$CEPH_OSD_PID"; CEPH_OSD_PID=""
  _ceph_stop_pid "$CEPH_MON_PID"; CEPH_MON_PID=""
  return 0
}

ceph_gc() { _rgw_admin gc process --include-all >> "$CEPH_DIR/log/radosgw-admin.out" 2>&1; }

ceph_rss_kib() {  # [VmRSS|VmHWM]: the sum over the daemons of now's (or peak) RSS
  local pid sum=0 rss
  for pid in $CEPH_MON_PID $CEPH_OSD_PID $CEPH_RGW_PID; do
    rss=$(awk -v f="${1:-VmRSS}:" '$1==f {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    sum=$((sum + ${rss:-0}))
  done
  echo "$sum"
}

# Where s3code leaves the last response (set by ceph_start; s3code usually runs in $(...)).
S3_BODY=""
S3_HEADERS=""
_s3_curl() {  # method path curl-args...
  local method=$1 path=$2
  shift 2
  local how=(-X "$method")
  [ "$method" = HEAD ] && how=(--head)
  curl -sS --max-time "${S3_MAX_TIME:-120}" "${how[@]}" \
    --aws-sigv4 "aws:amz:$CEPH_REGION:s3" --user "$CEPH_ACCESS_KEY:$CEPH_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$CEPH_RGW_ENDPOINT$path"
}
s3curl() { _s3_curl "$@"; }
s3code() {
  local method=$1 path=$2
  shift 2
  _s3_curl "$method" "$path" -o "$S3_BODY" -D "$S3_HEADERS" -w '%{http_code}' "$@"
}
s3header() {  # name: its value in the last s3code response
  awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" -F': ' 'tolower($1)==n {sub(/\r$/, "", $2); print $2; exit}' "$S3_HEADERS"
}
