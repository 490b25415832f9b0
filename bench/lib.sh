# bench/lib.sh: helpers shared by bench/ingest and bench/year (sourced, not run).
# Starts receivers so that their own CPU time can be read after a clean stop, waits for
# them with bounds, and stops only the PIDs it started. Needs $OUT (a work directory).

SRV_PID=""   # the receiver being measured (hokand or rsyslogd)
WRAP_PID=""  # the subshell that waits for it and records its rusage

# stop_pid PID [SECONDS]: SIGTERM, wait up to SECONDS (default 300: a clean stop may
# flush), then SIGKILL. Only for PIDs this bench started.
stop_pid() {
  local p=$1 limit=${2:-300} i
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || return 0
  for i in $(seq 1 $((limit * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then echo "warning: PID $p still running after ${limit}s; SIGKILL" >&2; kill -9 "$p" 2>/dev/null; fi
  return 0
}

# start_receiver RUSAGE_FILE LOG_FILE COMMAND...: runs COMMAND in the background (output
# appended to LOG_FILE) under a subshell that writes COMMAND's user + system CPU seconds
# to RUSAGE_FILE when it exits (bash's `times` reports the waited child's rusage, so this
# includes the work of a clean stop). Sets SRV_PID (COMMAND's own PID) and WRAP_PID.
# Call it (and stop_receiver) in the bench's own shell, not in $(...) or <(...).
start_receiver() {
  local rus=$1 log=$2 i; shift 2
  rm -f "$rus" "$rus.pid"
  ( "$@" >> "$log" 2>&1 & echo $! > "$rus.pid"; wait $!
    times_children > "$rus" ) > /dev/null 2>&1 &
  WRAP_PID=$!
  for i in $(seq 1 100); do [ -s "$rus.pid" ] && break; sleep 0.05; done
  SRV_PID=$(cat "$rus.pid")
}

# User + system CPU seconds of the children this shell has waited for. (`times` must
# not run in a pipeline: there it is a fresh subshell with no children.)
times_children() {
  local t; t=$(mktemp); times > "$t"
  awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$t"; rm -f "$t"
}

# stop_receiver RUSAGE_FILE: clean stop of SRV_PID; sets STOP_CPU to the user + system
# CPU seconds of the receiver's whole life, read from its rusage once it was waited for.
stop_receiver() {
  local rus=$1
  stop_pid "$SRV_PID"
  wait "$WRAP_PID" 2>/dev/null
  SRV_PID=""; WRAP_PID=""
  STOP_CPU=$(cat "$rus" 2>/dev/null); STOP_CPU=${STOP_CPU:-0}
}

# User + system CPU seconds a live process has used so far (/proc/PID/stat 14 and 15).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Peak resident set of a live process, MB (VmHWM).
peak_rss_mb() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

now_s() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%.3f\n", a - b }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratio A B: A/B with 2 decimals (0 when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b > 0 ? a / b : 0) }'; }

# Allocated bytes under a path (what the disk holds), and apparent bytes.
disk_bytes() { du -s --block-size=1 "$1" 2>/dev/null | cut -f1; }
apparent_bytes() { du -sb "$1" 2>/dev/null | cut -f1; }

# A hokand config for the benches. hokand_config FILE STATE_DIR SYNC RETENTION: three
# event categories as a company would set them: access (auth/authpriv: sshd, PAM,
# sudo), web (nginx) and operation (the rest). Every index and sealing are on (they
# are not optional).
hokand_config() {
  cat > "$1" <<CONF
default_category = "operation"
[daemon]
state_dir = "$2"
timezone = "${BENCH_TZ:-Asia/Tokyo}"
log_level = "warn"
[listen]
udp = []
tcp = ["127.0.0.1:0"]
control = "$2/hokan.sock"
[storage]
sync = "$3"
[[category]]
name = "access"
retention = "$4"
match = { facility = ["auth", "authpriv"] }
[[category]]
name = "web"
retention = "$4"
match = { app = ["nginx"] }
[[category]]
name = "operation"
retention = "$4"
CONF
}

# start_hokand HOKAND CONFIG STATE_DIR RUSAGE_FILE: starts hokand and waits (bounded:
# LIMIT s, default 600) until it is ready: its endpoints file and control socket exist.
# Sets SRV_PID, WRAP_PID, HOKAN_PORT (its TCP port) and READY_S (start to ready).
start_hokand() {
  local bin=$1 conf=$2 state=$3 rus=$4 limit=${LIMIT:-600} t0 i
  rm -f "$state/endpoints"
  t0=$(now_s)
  start_receiver "$rus" "$OUT/hokand.stderr" "$bin" --config "$conf"
  HOKAN_PORT=""
  for i in $(seq 1 $((limit * 100))); do
    if [ -s "$state/endpoints" ] && [ -S "$state/hokan.sock" ]; then
      HOKAN_PORT=$(awk '$1 == "tcp" { n = split($2, a, ":"); print a[n]; exit }' "$state/endpoints")
      [ -n "$HOKAN_PORT" ] && break
    fi
    kill -0 "$SRV_PID" 2>/dev/null || break
    nap 0.01
  done
  READY_S=$(since "$t0")
  [ -n "$HOKAN_PORT" ] || { echo "hokand did not become ready (see $OUT/hokand.stderr)" >&2; return 1; }
}

# The wait loops below run beside the receiver on the same 2 cores, so they fork as
# little as they can: bash's own clock ($EPOCHREALTIME), a read with a timeout for a
# sleep, and one process per poll (hokanctl status, or stat). POLL s between polls.
POLL=${POLL:-0.2}
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" || :; }
us() { local t=$EPOCHREALTIME; echo "${t/./}"; }  # for a stamp outside a loop

# wait_written HOKANCTL SOCKET N [STALL_S]: polls `hokanctl status` until it has written
# N records, or nothing changed for STALL_S s (default 30). Prints "written
# seconds_until_99.9%_of_N" (seconds from $T0, a now_s stamp).
wait_written() {
  local ctl=$1 sock=$2 want=$3 stall=${4:-30} w=0 last=-1 out t tl t999=""
  tl=${EPOCHREALTIME/./}
  while :; do
    out=$("$ctl" --socket "$sock" status 2>/dev/null)
    if [[ $out =~ \"written\":[[:space:]]*([0-9]+) ]]; then w=${BASH_REMATCH[1]}; else w=0; fi
    t=${EPOCHREALTIME/./}
    [ -z "$t999" ] && [ "$w" -ge $((want - want / 1000)) ] && t999=$t
    [ "$w" -ge "$want" ] && break
    if [ "$w" != "$last" ]; then last=$w; tl=$t; fi
    [ $((t - tl)) -ge $((stall * 1000000)) ] && break
    nap "$POLL"
  done
  echo "$w $(awk -v a="${t999:-$t}" -v b="$T0" 'BEGIN { printf "%.3f", a / 1e6 - b }')"
}

# wait_file_lines FILE N [STALL_S]: polls FILE's size until it stopped growing for 1.5 s
# and holds N lines, or nothing changed for STALL_S s (default 30). Counting lines is
# costly, so it counts only once the size is still. Prints "lines
# seconds_until_99.9%_of_the_final_bytes" (from $T0).
wait_file_lines() {
  local f=$1 want=$2 stall=${3:-30} s last=-1 t tl lines=0 samples=()
  tl=${EPOCHREALTIME/./}
  while :; do
    s=$(stat -c %s "$f" 2>/dev/null) || s=0
    t=${EPOCHREALTIME/./}; samples+=("$t $s")
    if [ "$s" != "$last" ]; then last=$s; tl=$t; fi
    if [ $((t - tl)) -ge 1500000 ]; then
      lines=$(wc -l < "$f" 2>/dev/null) || lines=0
      [ "$lines" -ge "$want" ] && break
      [ $((t - tl)) -ge $((stall * 1000000)) ] && break
    fi
    nap "$POLL"
  done
  local tend; tend=$(printf '%s\n' "${samples[@]}" | awk -v f="$last" '$2 >= 0.999 * f { print $1; exit }')
  echo "$lines $(awk -v a="${tend:-$tl}" -v b="$T0" 'BEGIN { printf "%.3f", a / 1e6 - b }')"
}
