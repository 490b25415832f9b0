#!/usr/bin/env bash
# The Debian package as an administrator meets it, on this machine: dpkg -i installs the
# files, the hokan user and its directories and enables the units; a real systemd, booted
# in a container over this machine's root (overlayfs, private network), starts them as
# at boot and serves logger on port 514 through hokand.socket to a sandboxed hokand
# that answers a member of group hokan with a role; the installed binaries run as hokan
# on test ports with a config beside the packaged one (TLS with the certificate the
# package made); an upgrade keeps the edited conffile and every record readable; remove
# keeps config and data; purge keeps only the record store and the user, and says so.
# Needs root; everything it changes is undone on exit, also on failure.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED: the package test installs a .deb and creates a system user: run it as root"
  exit 77
fi
HOKAND=/usr/sbin/hokand
HOKANCTL=/usr/bin/hokanctl
source "$(dirname "$0")/lib.sh"
: "${HOKAN_DEB_DIR:?HOKAN_DEB_DIR must name the directory tools/package wrote the .deb to}"
arch=$(dpkg --print-architecture)
deb=$(ls -t "$HOKAN_DEB_DIR"/hokan_*_"$arch".deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "no hokan_*_$arch.deb in $HOKAN_DEB_DIR: run tools/package --out $HOKAN_DEB_DIR" >&2; exit 1; }
version=$(dpkg-deb -f "$deb" Version)

# What was here before, so that cleanup removes only what this test made.
if dpkg-query -W -f='${Status}' hokan 2>/dev/null | grep -qv "not-installed"; then
  echo "hokan is installed on this machine: the test would replace it; remove it first" >&2
  exit 1
fi
for d in /etc/hokan /var/lib/hokan; do
  [ -e "$d" ] && { echo "$d exists: the test would mix with it; move it away first" >&2; exit 1; }
done
had_user=no; getent passwd hokan >/dev/null && had_user=yes
had_group=no; getent group hokan >/dev/null && had_group=yes
had_nspawn_dir=no; [ -e /run/systemd/nspawn ] && had_nspawn_dir=yes
investigator=hkt-investigator   # in group hokan, with a role
outsider=hkt-outsider           # not in group hokan
NSPAWN_PID=""

package_cleanup() {
  [ -n "$NSPAWN_PID" ] && stop_pid "$NSPAWN_PID"
  [ -n "$HOKAND_PID" ] && stop_pid "$HOKAND_PID"
  HOKAND_PID=""
  rm -f /etc/hokan/hokan-test.toml
  dpkg-query -W hokan >/dev/null 2>&1 && dpkg --purge hokan >/dev/null 2>&1
  rm -rf /var/lib/hokan /run/hokan
  rmdir /etc/hokan/tls /etc/hokan 2>/dev/null || true
  for u in "$investigator" "$outsider"; do getent passwd "$u" >/dev/null && userdel "$u"; done
  [ "$had_user" = no ] && getent passwd hokan >/dev/null && userdel hokan
  [ "$had_group" = no ] && getent group hokan >/dev/null && groupdel hokan
  [ "$had_nspawn_dir" = no ] && rm -rf /run/systemd/nspawn
  return 0
}
trap 'rc=$?; set +e; package_cleanup; (exit $rc); cleanup' EXIT

# Polls (bounded: `tries` tenths of a second) until `command...` succeeds.
wait_for() {  # tries command...
  local tries=$1 i
  shift
  for i in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# --- Install -----------------------------------------------------------------------------
out=$(dpkg -i "$deb" 2>&1) || { echo "$out" >&2; fail "dpkg -i failed"; finish; }
expect_eq "installed version" "install ok installed $version" "$(dpkg-query -W -f='${Status} ${Version}' hokan)"
for f in /usr/sbin/hokand /usr/bin/hokanctl; do [ -x "$f" ] && pass || fail "$f missing"; done
for f in /lib/systemd/system/hokand.service /lib/systemd/system/hokand.socket \
  /usr/lib/sysusers.d/hokan.conf /usr/lib/tmpfiles.d/hokan.conf \
  /usr/share/bash-completion/completions/hokanctl /usr/share/doc/hokan/README.md \
  /usr/share/doc/hokan/changelog.gz /usr/share/doc/hokan/copyright; do
  [ -f "$f" ] && pass || fail "$f missing"
done
contents=$(dpkg-deb -c "$deb")
for page in hokand.8 hokanctl.1 hokan.toml.5; do
  grep -q "/usr/share/man/man${page##*.}/$page.gz$" <<<"$contents" && pass || fail "man page $page not packaged"
  # Minimal images tell dpkg to skip man pages; elsewhere man must find them.
  grep -qs 'path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/* && continue
  man -w "${page##*.}" "${page%.*}" 2>/dev/null | grep -q "/man${page##*.}/$page.gz" && pass || fail "man $page not found"
done
expect_contains "conffile" "/etc/hokan/hokan.toml" "$(dpkg-query -W -f='${Conffiles}' hokan)"
expect_eq "user hokan" "/var/lib/hokan:/usr/sbin/nologin" "$(getent passwd hokan | cut -d: -f6-)"
expect_eq "state directory" "700 hokan hokan" "$(stat -c '%a %U %G' /var/lib/hokan)"
expect_eq "runtime directory" "750 hokan hokan" "$(stat -c '%a %U %G' /run/hokan)"
expect_eq "TLS key for group hokan only" "640 root hokan" "$(stat -c '%a %U %G' /etc/hokan/tls/key.pem)"
for unit in sockets.target.wants/hokand.socket multi-user.target.wants/hokand.service; do
  [ -L "/etc/systemd/system/$unit" ] && pass || fail "$unit not enabled"
done
expect_eq "version" "hokand $version" "$(hokand --version)"
expect_eq "hokanctl version" "hokanctl $version" "$(hokanctl --version)"
conf=/etc/hokan/hokan.toml
expect_eq "packaged config is valid" "$conf: ok" "$(hokand --check-config "$conf" 2>&1)"
as_hokan=(setpriv --reuid=hokan --regid=hokan --init-groups)
expect_eq "hokan can read it and its key" "$conf: ok" "$("${as_hokan[@]}" hokand --check-config "$conf" 2>&1)"
expect_contains "production listeners" 'udp = ["0.0.0.0:514"]' "$(cat "$conf")"
expect_contains "state" 'state_dir = "/var/lib/hokan"' "$(cat "$conf")"
expect_contains "control socket for group hokan" 'control_group = "hokan"' "$(cat "$conf")"
verify=$(systemd-analyze verify /lib/systemd/system/hokand.socket /lib/systemd/system/hokand.service 2>&1) && pass ||
  fail "systemd-analyze verify: $verify"
expect_eq "systemd-analyze verify is silent" "" "$verify"

# The next release, for the upgrades: this package with a higher version.
dpkg-deb -R "$deb" "$WORK/next"
sed -i "s/^Version: .*/Version: $version+upgradetest/" "$WORK/next/DEBIAN/control"
dpkg-deb -b "$WORK/next" "$WORK/next.deb" >/dev/null

useradd -M -N -s /usr/sbin/nologin -G hokan "$investigator"
useradd -M -N -s /usr/sbin/nologin "$outsider"
role="
[[role]]
name = \"package-test\"
users = [\"$investigator\"]
actions = [\"query\"]
categories = [\"*\"]"

# --- A real systemd boots the units as installed -----------------------------------------
# The container sees this machine's root through an overlay (its writes go to a tmpfs),
# has its own network with only loopback, and boots a target that wants nothing but what
# sysinit brings and the hokan units.
lab=$WORK/lab
mkdir -p "$lab/up" "$lab/root" /run/systemd/nspawn
command -v systemd-nspawn >/dev/null || { fail "systemd-nspawn missing: run tools/install-deps"; finish; }
unshare --mount --propagation private -- bash -c '
  set -e
  lab=$1
  mount -t tmpfs tmpfs "$lab/up"
  mkdir "$lab/up/upper" "$lab/up/work"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$lab/up/upper,workdir=$lab/up/work" "$lab/root"
  mount -t tmpfs tmpfs /run/systemd/nspawn
  printf "[Unit]\nDescription=hokan package test\nWants=hokand.socket hokand.service\n" \
    > "$lab/root/etc/systemd/system/hokan-lab.target"
  # --register=no --keep-unit: no machined and no scope unit, as no systemd runs here.
  exec systemd-nspawn --quiet --register=no --keep-unit --private-network -D "$lab/root" -b \
    --console=pipe \
    -- --unit=hokan-lab.target
' _ "$lab" > "$lab/console.log" 2>&1 < /dev/null &
NSPAWN_PID=$!
container_init() { pgrep -P "$NSPAWN_PID" -x systemd | head -1; }
container_booted() { [ -n "$(container_init)" ]; }
wait_for 100 container_booted || { cat "$lab/console.log" >&2; fail "the container did not boot"; finish; }
C=$(container_init)
inside() { nsenter -t "$C" -a "$@"; }
if wait_for 300 inside systemctl is-active --quiet hokand.service; then pass; else
  inside journalctl --no-pager -u hokand.socket -u hokand.service >&2 || true
  fail "hokand.service did not start under systemd"
fi
expect_eq "units enabled" "enabled enabled" "$(inside systemctl is-enabled hokand.socket hokand.service | xargs)"
journal=$(inside journalctl --no-pager -u hokand.service -o cat)
expect_contains "systemd handed over the syslog ports" "socket activation: 3 of 3 passed sockets serve [listen]" "$journal"
expect_contains "UDP 514 from hokand.socket" "listening on udp [::]:514" "$journal"
expect_contains "TLS 6514 from hokand.socket" "listening on tls [::]:6514" "$journal"
expect_eq "info lines at priority 6" 1 \
  "$(inside journalctl --no-pager -u hokand.service -p 6..6 -o cat --grep 'listening on udp' | wc -l)"
pid=$(inside systemctl show -p MainPID --value hokand.service)
status=$(inside cat "/proc/$pid/status")
expect_eq "runs as hokan" hokan "$(inside ps -o user= -p "$pid" | tr -d ' ')"
expect_contains "no capabilities" "CapEff:	0000000000000000" "$status"
expect_contains "no new privileges" "NoNewPrivs:	1" "$status"
expect_contains "system call filter" "Seccomp:	2" "$status"
# (The container has this machine's users: the investigator and the outsider too.)
printf '%s\n' "$role" | inside sh -c 'cat >> /etc/hokan/hokan.toml'
inside systemctl reload hokand.service
inside logger --udp --server 127.0.0.1 --port 514 --rfc5424 -t sshd -p auth.info \
  "Accepted password for pkg-alice from 192.0.2.7 port 50022 ssh2"
inside logger --tcp --server 127.0.0.1 --port 514 --rfc5424 -t pkgtest "over tcp 514"
as_investigator=(setpriv --reuid="$investigator" --regid=hokan --init-groups)
count_inside() { inside "${as_investigator[@]}" hokanctl query --purpose package-test --count "$@" 2>/dev/null; }
got=0
for i in $(seq 1 100); do got=$(count_inside || echo 0); [ "$got" -ge 2 ] && break; sleep 0.1; done
expect_eq "logger on 514 answered to a member of group hokan with a role" 2 "$got"
expect_eq "user field" pkg-alice "$(inside "${as_investigator[@]}" hokanctl query --purpose package-test --format json --app sshd | jq -r .user)"
rc=0; inside setpriv --reuid="$outsider" --regid=nogroup --init-groups hokanctl query --purpose t >/dev/null 2>&1 || rc=$?
expect_eq "outside group hokan: the socket refuses" 69 "$rc"
# The socket outlives the service: a datagram sent while hokand is down starts it again
# and is stored.
inside systemctl stop hokand.service 2>/dev/null  # (it warns that the socket can start it: the point)
inside logger --udp --server 127.0.0.1 --port 514 -t pkgtest "sent while hokand was stopped"
for i in $(seq 1 100); do got=$(count_inside || echo 0); [ "$got" -ge 3 ] && break; sleep 0.1; done
expect_eq "nothing lost while stopped" 3 "$got"
# An upgrade under systemd restarts the service and leaves the socket up; the edited
# conffile (the role above) and the records stay. Remove stops both.
socket_since=$(inside systemctl show -p ActiveEnterTimestampMonotonic --value hokand.socket)
old_pid=$(inside systemctl show -p MainPID --value hokand.service)
# Images made for containers forbid maintainer scripts to touch services (policy-rc.d, as
# Docker's do); a machine that boots systemd has none, so neither has this one.
inside rm -f /usr/sbin/policy-rc.d
# (Passed in by a pipe: the container's /tmp is its own.)
inside sh -c 'cat > /var/tmp/hokan-next.deb' < "$WORK/next.deb"
out=$(inside dpkg -i /var/tmp/hokan-next.deb 2>&1) || fail "upgrade under systemd: $out"
wait_for 100 inside systemctl is-active --quiet hokand.service && pass || fail "not running after the upgrade"
new_pid=$(inside systemctl show -p MainPID --value hokand.service)
[ "$new_pid" != "$old_pid" ] && pass || fail "the upgrade did not restart hokand"
expect_eq "socket kept open across the upgrade" "$socket_since" \
  "$(inside systemctl show -p ActiveEnterTimestampMonotonic --value hokand.socket)"
expect_eq "records and role kept across the upgrade" 3 "$(count_inside || echo 0)"
inside dpkg -r hokan >/dev/null 2>&1 || fail "remove under systemd failed"
expect_eq "remove stops the units" "inactive inactive" \
  "$(inside systemctl is-active hokand.service hokand.socket | xargs)"
stop_pid "$NSPAWN_PID"
NSPAWN_PID=""

# --- The installed binaries as hokan, beside the packaged config --------------------------
udp=$(free_port); tcp=$(free_port); tls=$(free_port); http=$(free_port)
test_conf=/etc/hokan/hokan-test.toml
sed -e "s/^udp = .*/udp = [\"127.0.0.1:$udp\"]/" -e "s/^tcp = .*/tcp = [\"127.0.0.1:$tcp\"]/" \
  -e "s/^tls = \[{ address = \"[^\"]*\"/tls = [{ address = \"127.0.0.1:$tls\"/" \
  -e "s/^http = .*/http = \"127.0.0.1:$http\"/" "$conf" > "$test_conf"
printf '%s\n' "$role" >> "$test_conf"
start_installed() {
  rm -f /var/lib/hokan/endpoints
  "${as_hokan[@]}" --inh-caps=-all --bounding-set=-all --no-new-privs hokand --config "$test_conf" \
    >> "$WORK/hokand.log" 2>&1 &
  HOKAND_PID=$!
  wait_for 100 test -S /run/hokan/hokan.sock -a -s /var/lib/hokan/endpoints ||
    { cat "$WORK/hokand.log" >&2; fail "installed hokand did not start"; finish; }
}
count() { "${as_investigator[@]}" hokanctl query --purpose package-test --count "$@" 2>/dev/null || echo 0; }
start_installed
logger --udp --server 127.0.0.1 --port "$udp" --rfc5424 -t pkgtest "udp on a test port"
logger --tcp --server 127.0.0.1 --port "$tcp" --rfc5424 -t pkgtest "tcp on a test port"
frame="<14>1 2026-11-20T03:12:00+09:00 web01 pkgtest - - - tls with the made certificate"
printf '%s %s' "${#frame}" "$frame" |
  timeout 10 openssl s_client -connect "127.0.0.1:$tls" -quiet -no_ign_eof > "$WORK/s_client.out" 2>&1 || true
for i in $(seq 1 100); do got=$(count --app pkgtest); [ "$got" -ge 3 ] && break; sleep 0.1; done
expect_eq "udp, tcp and tls stored, answered to the investigator" 3 "$got"
expect_eq "owner of the store" hokan "$(stat -c %U /var/lib/hokan/layout)"
rc=0; setpriv --reuid="$outsider" --regid=nogroup --init-groups hokanctl query --purpose t >/dev/null 2>&1 || rc=$?
expect_eq "outsider refused" 69 "$rc"
stop_hokand

# --- Upgrade ------------------------------------------------------------------------------
sed -i 's/^log_level = "info"/log_level = "warn"/' "$conf"
echo "# edited by the administrator" >> "$conf"
edited=$(sha256sum < "$conf")
cert=$(sha256sum < /etc/hokan/tls/cert.pem)
out=$(dpkg -i "$WORK/next.deb" 2>&1) || { echo "$out" >&2; fail "upgrade failed"; }
expect_eq "upgraded" "$version+upgradetest" "$(dpkg-query -W -f='${Version}' hokan)"
expect_eq "conffile edits kept" "$edited" "$(sha256sum < "$conf")"
expect_eq "no .dpkg-dist beside it" "" "$(ls /etc/hokan | grep dpkg || true)"
expect_eq "certificate kept" "$cert" "$(sha256sum < /etc/hokan/tls/cert.pem)"
expect_eq "edited config valid" "$conf: ok" "$(hokand --check-config "$conf" 2>&1)"
start_installed
expect_eq "every record readable after the upgrade" 3 "$(count --app pkgtest)"
stop_hokand

# --- Remove, then purge -------------------------------------------------------------------
dpkg -r hokan > /dev/null 2>&1
expect_eq "removed" "config-files" "$(dpkg-query -W -f='${db:Status-Status}' hokan)"
[ ! -e /usr/sbin/hokand ] && [ ! -e /lib/systemd/system/hokand.service ] && pass || fail "files left after remove"
expect_eq "remove keeps the config" "$edited" "$(sha256sum < "$conf")"
[ -n "$(ls -A /var/lib/hokan/buckets 2>/dev/null)" ] && pass || fail "remove lost the record store"
rm -f "$test_conf"
out=$(dpkg -P hokan 2>&1)
expect_contains "purge says the records stay" "the record store /var/lib/hokan was kept" "$out"
expect_eq "purged" "" "$(dpkg-query -W -f='${db:Status-Status}' hokan 2>/dev/null || true)"
[ ! -e /etc/hokan ] && pass || fail "purge left /etc/hokan: $(ls -R /etc/hokan)"
[ -n "$(ls -A /var/lib/hokan/buckets 2>/dev/null)" ] && pass || fail "purge destroyed the record store"
getent passwd hokan >/dev/null && pass || fail "purge removed the hokan user"
expect_eq "units no longer enabled" "" "$(ls /etc/systemd/system/*.wants 2>/dev/null | grep hokand || true)"
finish
