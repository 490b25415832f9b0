# Generates N varied RFC 5424 events (one per line, LF-framed), in time order from FROM
# to TO (epoch seconds), the way a syslog relay of a small company would forward them:
#   ~40% nginx access lines (combined format; varied paths, methods, statuses, agents),
#   ~27% application key=value lines (several apps, actions, ids; some with SD),
#   ~13% sshd (accepted password/publickey, failed, invalid user, disconnects, PAM),
#   ~3% sudo, ~6% cron, ~5% systemd, ~6% kernel UFW blocks.
# Users: USERS names, skewed (a few busy, many rare). Addresses: IPS public ones (IP6
# percent of them IPv6; a hot 2% draw about a third of the traffic) plus internal 10.x.
# Hosts: HOSTS names in roles (web, app, bastion, db, batch). Lines are 200-300 bytes.
# The rare marks appear RARE times each, spread evenly over the range, and nowhere else:
#   RARE_USER logs in over ssh and runs sudo; RARE_IP is refused by sshd and hits nginx;
#   RARE_TEXT is a token in an application line.
# Deterministic for a given SEED and arguments. Times are written in the local zone of
# the TZ environment (set LC_ALL=C for month names), e.g.
#   TZ=Asia/Tokyo LC_ALL=C awk -v N=2000000 -v FROM=$((now-86400)) -v TO=$now -f gen-varied.awk
function ts(t,   sec) {
  sec = int(t)
  if (sec != last_sec) {
    last_sec = sec
    last_iso = strftime("%Y-%m-%dT%H:%M:%S", sec)
    last_clf = strftime("%d/%b/%Y:%H:%M:%S", sec)
  }
  return sprintf("%s.%06d%s", last_iso, int((t - sec) * 1000000), OFF)
}
function hex(n,   s, i) { s = ""; for (i = 0; i < n; i++) s = s HEXD[int(rand() * 16)]; return s }
function user(   r) { r = rand(); return UNAME[int(USERS * r * r)] }
function uid_of(u) { return UID[u] }
function pubip(   k, r) {
  if (rand() < 0.33) k = int(HOT * rand()); else k = int(IPS * rand())
  k = (k * 7919) % IPS                      # hot ones spread over the whole pool
  if (k % 100 < IP6)
    return sprintf("240%d:%x:%x:%x::%x", 1 + k % 9, 1 + (k * 13) % 65535, 1 + int(k / 7) % 65535,
                   1 + (k * 31) % 4096, 1 + (k * 101) % 65535)
  r = (int(k / NA) * 40503 + 12345) % 16777216  # a bijection: distinct k, distinct address
  return A[k % NA] "." int(r / 65536) "." (int(r / 256) % 256) "." (r % 256)
}
function intip() { return "10." (20 + int(rand() * 4)) "." int(rand() * 64) "." (1 + int(rand() * 254)) }
function host(role) { return HOST[role, int(rand() * NH[role])] }
function port() { return 1024 + int(rand() * 64511) }
function pid() { return 1000 + int(rand() * 4000000) }
function fp(u) {
  if (!(u in FP)) FP[u] = substr(B64 B64, 1 + int(rand() * 64), 43)
  return FP[u]
}
# Lines the hosts' own syslog daemons write carry RFC 5424 timeQuality, as logger does.
function tq() { return "[timeQuality tzKnown=\"1\" isSynced=\"1\" syncAccuracy=\"" (100000 + int(rand() * 400000)) "\"]" }
function line(pri, t, h, app, procid, msgid, sd, msg) {
  printf "<%d>1 %s %s %s %s %s %s %s\n", pri, ts(t), h, app, procid, msgid, sd, msg
}

function sshd(t, r, u, ip,   h, p, w) {
  h = host("bastion"); if (rand() < 0.3) h = host("app")
  p = pid(); w = port()
  if (r < 0.16)
    line(86, t, h, "sshd", p, "-", tq(), "Accepted publickey for " u " from " ip " port " w " ssh2: ED25519 SHA256:" fp(u))
  else if (r < 0.26)
    line(86, t, h, "sshd", p, "-", tq(), "Accepted password for " u " from " ip " port " w " ssh2")
  else if (r < 0.38)
    line(86, t, h, "sshd", p, "-", tq(), "pam_unix(sshd:session): session opened for user " u "(uid=" uid_of(u) ") by (uid=0)")
  else if (r < 0.48)
    line(86, t, h, "sshd", p, "-", tq(), "pam_unix(sshd:session): session closed for user " u)
  else if (r < 0.56)
    line(86, t, h, "sshd", p, "-", tq(), "Disconnected from user " u " " ip " port " w)
  else if (r < 0.70)
    line(38, t, h, "sshd", p, "-", tq(), "Failed password for invalid user " BAD[int(rand() * NBAD)] " from " pubip() " port " w " ssh2")
  else if (r < 0.80)
    line(38, t, h, "sshd", p, "-", tq(), "Invalid user " BAD[int(rand() * NBAD)] " from " pubip() " port " w)
  else if (r < 0.86)
    line(38, t, h, "sshd", p, "-", tq(), "Failed password for " u " from " ip " port " w " ssh2")
  else if (r < 0.92)
    line(37, t, h, "sshd", p, "-", tq(), "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=" ip "  user=" u)
  else
    line(38, t, h, "sshd", p, "-", tq(), "Connection closed by authenticating user " BAD[int(rand() * NBAD)] " " pubip() " port " w " [preauth]")
}
function sudo(t, u,   h, c) {
  h = host("app"); if (rand() < 0.4) h = host("db")
  c = CMD[int(rand() * NCMD)]
  if (rand() < 0.6)
    line(85, t, h, "sudo", "-", tq(), "-", u " : TTY=pts/" int(rand() * 12) " ; PWD=/home/" u " ; USER=root ; COMMAND=" c)
  else
    line(86, t, h, "sudo", "-", tq(), "-", "pam_unix(sudo:session): session opened for user root(uid=0) by " u "(uid=" uid_of(u) ")")
}
function nginx(t, ip, u,   r, m, path, st, ref, ua, b) {
  ts(t)  # sets last_clf, the access log's own time
  r = rand(); m = "GET"; ref = "-"; b = 200 + int(rand() * 48000)
  if (r < 0.22) { path = "/api/v1/orders/" int(rand() * 900000); st = 200; if (rand() < 0.2) m = "PUT"
                  ref = "https://shop.example.jp/orders" }
  else if (r < 0.34) { path = "/api/v1/customers/" int(rand() * 300000) "/addresses"; st = 200; b = 300 + int(rand() * 2000) }
  else if (r < 0.50) { path = "/static/js/" JS[int(rand() * NJS)] "." hex(8) ".js"; st = (rand() < 0.4 ? 304 : 200)
                       ref = "https://shop.example.jp/" }
  else if (r < 0.62) { path = "/images/products/" int(rand() * 60000) "_" (rand() < 0.5 ? 320 : 640) ".webp"; st = 200 }
  else if (r < 0.72) { path = "/search?q=" WORD[int(rand() * NWORD)] "&page=" (1 + int(rand() * 9)); st = 200
                       ref = "https://shop.example.jp/search" }
  else if (r < 0.80) { path = "/login"; if (rand() < 0.5) { m = "POST"; st = (rand() < 0.8 ? 302 : 401) } else st = 200 }
  else if (r < 0.86) { path = "/account/" PAGE[int(rand() * NPAGE)]; st = 200; ref = "https://shop.example.jp/account" }
  else if (r < 0.90) { path = "/healthz"; st = 200; b = 2; ua = "kube-probe/1.28" }
  else if (r < 0.95) { path = SCAN[int(rand() * NSCAN)]; st = 404; b = 153; ua = "Mozilla/5.0 zgrab/0.x" }
  else if (r < 0.985) { path = "/cart"; m = "POST"; st = 200 }
  else { path = "/api/v1/orders"; m = "POST"; st = (rand() < 0.5 ? 500 : 503) }
  if (ua == "") ua = UA[int(rand() * NUA)]
  line(190, t, host("web"), "nginx", "-", "-", "-", ip " - " u " [" last_clf " " ZOFF "] \"" m " " path " HTTP/1.1\" " st " " b " \"" ref "\" \"" ua "\"")
}
function app(t, u, ip, rare,   a, act, lvl, st, obj, sd, mid, msg) {
  a = int(rand() * NAPP); act = ACT[int(rand() * NACT)]
  lvl = "info"; st = "ok"
  if (rand() < 0.04) { lvl = "warn"; st = "denied" } else if (rand() < 0.01) { lvl = "error"; st = "error" }
  obj = OBJ[a] "=" int(rand() * 1000000)
  sd = "-"; mid = "-"
  if (rand() < 0.25) { sd = "[meta@32473 tenant=\"t" int(rand() * 40) "\" region=\"ap-northeast-1\"]"; mid = "AUDIT" }
  msg = "level=" lvl " action=" act " user=" u " src_ip=" ip " " obj " status=" st " duration_ms=" int(rand() * rand() * 900)
  msg = msg " request_id=" hex(16) (rare != "" ? " note=" rare : " trace=" hex(12))
  if (sd == "-") msg = msg " msg=\"" MSG[int(rand() * NMSG)] "\""
  line(134 + int(a % 4) * 8, t, host(a < 6 ? "app" : "batch"), APPS[a], 2000 + a * 37, mid, sd, msg)
}
function cron(t,   h, r) {
  h = host(rand() < 0.5 ? "batch" : "app"); r = rand()
  if (r < 0.4) line(78, t, h, "CRON", pid(), "-", tq(), "(root) CMD (" CRONCMD[int(rand() * NCRON)] ")")
  else if (r < 0.7) line(86, t, h, "CRON", pid(), "-", tq(), "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
  else line(86, t, h, "CRON", pid(), "-", tq(), "pam_unix(cron:session): session closed for user root")
}
function systemd(t, u,   h, r, n) {
  h = host(rand() < 0.5 ? "bastion" : "app"); r = rand(); n = int(rand() * 90000)
  if (r < 0.5) line(30, t, h, "systemd", 1, "-", tq(), "Started session-" n ".scope - Session " n " of User " u ".")
  else if (r < 0.7) line(30, t, h, "systemd-logind", 612, "-", tq(), "New session " n " of user " u ".")
  else line(30, t, h, "systemd", 1, "-", tq(), UNIT[int(rand() * NUNIT)])
}
function ufw(t,   h) {
  h = host(rand() < 0.6 ? "web" : "bastion")
  line(4, t, h, "kernel", "-", "-", "-", "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:" hex(2) ":" hex(2) ":" hex(2) " SRC=" pubip() " DST=10.0." int(rand() * 8) "." (1 + int(rand() * 254)) " LEN=" (40 + int(rand() * 20)) " TTL=" (40 + int(rand() * 200)) " ID=" int(rand() * 65536) " PROTO=TCP SPT=" port() " DPT=" DPT[int(rand() * NDPT)] " WINDOW=1024 SYN")
}

BEGIN {
  if (SEED == "") SEED = 42
  srand(SEED)
  if (USERS == "") USERS = 2000
  if (IPS == "") IPS = 260000
  if (IP6 == "") IP6 = 3
  if (HOSTS == "") HOSTS = 50
  if (RARE == "") RARE = 8
  if (RARE_USER == "") RARE_USER = "yamabuki.zq"
  if (RARE_IP == "") RARE_IP = "198.51.100.77"
  if (RARE_TEXT == "") RARE_TEXT = "ticket-ZQX-4471"
  HOT = int(IPS / 50) + 1
  z = strftime("%z", FROM); OFF = substr(z, 1, 3) ":" substr(z, 4); ZOFF = z
  if (OFF == "+00:00") OFF = "Z"
  split("0 1 2 3 4 5 6 7 8 9 a b c d e f", h16, " "); for (i = 0; i < 16; i++) HEXD[i] = h16[i + 1]
  B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  NA = split("1 2 5 14 23 27 31 36 37 39 42 43 45 46 49 58 59 60 61 62 66 77 78 79 80 81 82 83 84 85 86 88 89 90 91 92 93 94 95 101 103 106 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 133 150 153 175 180 182 183 185 188 190 193 194 195 200 201 202 210 211 212 213 217 218 219 220 221 222", tmp, " ")
  for (i = 0; i < NA; i++) A[i] = tmp[i + 1]
  ng = split("hiroshi yuki akira takeshi kenji naoko yoko satoshi emi haruka daisuke mai ryo kaori shota ayumi kazuki miho tomoya nanami yusuke sakura kenta misaki takuya riho sho eri yuto asuka makoto chihiro ren hina sota mio daiki yui koji saki alice bob carol dave erin frank grace heidi ivan judy", G, " ")
  nf = split("sato suzuki takahashi tanaka ito watanabe yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi shimizu yamazaki mori abe ikeda hashimoto yamashita ishikawa nakajima maeda fujita ogawa goto okada hasegawa murakami kondo ishii saito sakamoto endo aoki", F, " ")
  for (i = 0; i < USERS; i++) {
    g = G[1 + i % ng]; f = F[1 + int(i / ng) % nf]; s = (i < ng * nf ? "" : int(i / (ng * nf)))
    style = i % 5
    if (style < 2) UNAME[i] = g "." f s; else if (style < 4) UNAME[i] = substr(g, 1, 1) f s; else UNAME[i] = f "_" substr(g, 1, 2) s
    UID[UNAME[i]] = 1001 + i
  }
  UID[RARE_USER] = 1001 + USERS
  NBAD = split("admin root test user oracle postgres ubuntu guest ftpuser git deploy pi support debian centos minecraft hadoop jenkins ansible www", tmp, " ")
  for (i = 0; i < NBAD; i++) BAD[i] = tmp[i + 1]
  NCMD = split("/usr/bin/systemctl restart nginx.service|/usr/bin/journalctl -u app --since today|/usr/bin/apt-get upgrade -y|/usr/bin/tail -n 200 /var/log/nginx/error.log|/usr/sbin/service postgresql reload|/usr/bin/docker ps -a|/usr/bin/cat /etc/hokan/hokan.toml|/usr/bin/systemctl status billing.service", tmp, "|")
  for (i = 0; i < NCMD; i++) CMD[i] = tmp[i + 1]
  NJS = split("app vendor runtime checkout search account chunk-cart chunk-orders", tmp, " "); for (i = 0; i < NJS; i++) JS[i] = tmp[i + 1]
  NWORD = split("shoes bag coffee tea kimono umbrella headphones camera laptop desk chair lamp mug rice knife socks jacket", tmp, " "); for (i = 0; i < NWORD; i++) WORD[i] = tmp[i + 1]
  NPAGE = split("settings orders addresses payment security notifications", tmp, " "); for (i = 0; i < NPAGE; i++) PAGE[i] = tmp[i + 1]
  NSCAN = split("/wp-login.php|/.env|/phpmyadmin/index.php|/.git/config|/cgi-bin/luci|/boaform/admin/formLogin|/actuator/health|/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", tmp, "|")
  for (i = 0; i < NSCAN; i++) SCAN[i] = tmp[i + 1]
  NUA = split("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36|Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148|Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0|Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15|curl/8.4.0|python-requests/2.31.0|Go-http-client/1.1|okhttp/4.12.0|Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)|Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/119.0 Mobile", tmp, "|")
  for (i = 0; i < NUA; i++) UA[i] = tmp[i + 1]
  NAPP = split("billing orders payments inventory auth-api crm scheduler export-svc", tmp, " "); for (i = 0; i < NAPP; i++) APPS[i] = tmp[i + 1]
  split("invoice_id order_id payment_id sku customer_id customer_id job_id export_id", tmp, " "); for (i = 0; i < NAPP; i++) OBJ[i] = tmp[i + 1]
  NACT = split("view view view update create delete export login logout approve", tmp, " "); for (i = 0; i < NACT; i++) ACT[i] = tmp[i + 1]
  NMSG = split("record updated|request served|cache miss, loaded from db|permission check passed|batch step done|retrying upstream call", tmp, "|"); for (i = 0; i < NMSG; i++) MSG[i] = tmp[i + 1]
  NCRON = split("command -v debian-sa1 > /dev/null && debian-sa1 1 1|cd / && run-parts --report /etc/cron.hourly|/usr/local/bin/backup-db --incremental --target s3://backups|/usr/bin/certbot renew -q|/opt/app/bin/rotate-exports --older-than 7d", tmp, "|")
  for (i = 0; i < NCRON; i++) CRONCMD[i] = tmp[i + 1]
  NUNIT = split("Starting logrotate.service - Rotate log files...|Finished logrotate.service - Rotate log files.|Started apt-daily.service - Daily apt download activities.|Reloading nginx.service - A high performance web server and a reverse proxy server...|Starting man-db.service - Daily man-db regeneration...|session-scope: Deactivated successfully, consumed 1.204s CPU time.", tmp, "|")
  for (i = 0; i < NUNIT; i++) UNIT[i] = tmp[i + 1]
  NDPT = split("22 23 25 80 443 445 1433 2323 3306 3389 5432 5900 6379 8080 8443 9200", tmp, " "); for (i = 0; i < NDPT; i++) DPT[i] = tmp[i + 1]
  # Hosts by role.
  NH["web"] = int(HOSTS * 0.32); NH["bastion"] = int(HOSTS * 0.08); NH["db"] = int(HOSTS * 0.12)
  NH["batch"] = int(HOSTS * 0.08)
  for (role in NH) if (NH[role] < 1) NH[role] = 1
  NH["app"] = HOSTS - NH["web"] - NH["bastion"] - NH["db"] - NH["batch"]; if (NH["app"] < 1) NH["app"] = 1
  for (role in NH) for (i = 0; i < NH[role]; i++) HOST[role, i] = sprintf("%s%02d.%s", role, i + 1, (role == "web" ? "dmz.example.jp" : "prod.example.jp"))

  span = TO - FROM; every = N / RARE
  for (i = 0; i < N; i++) {
    t = FROM + span * (i + rand()) / N
    j = i % every
    if (int(j) == int(every / 2)) {          # the rare user: an ssh login, then sudo
      ip = intip()
      line(86, t, host("bastion"), "sshd", pid(), "-", tq(), "Accepted publickey for " RARE_USER " from " ip " port " port() " ssh2: ED25519 SHA256:" fp(RARE_USER))
      continue
    }
    if (int(j) == int(every / 2) + 1) { sudo(t, RARE_USER); continue }
    if (int(j) == int(every / 4)) {          # the rare address: refused by sshd, then nginx
      line(38, t, host("bastion"), "sshd", pid(), "-", tq(), "Failed password for invalid user admin from " RARE_IP " port " port() " ssh2")
      continue
    }
    if (int(j) == int(every / 4) + 1) { nginx(t, RARE_IP, "-"); continue }
    if (int(j) == int(3 * every / 4)) { app(t, user(), intip(), RARE_TEXT); continue }
    r = rand()
    if (r < 0.40) nginx(t, pubip(), (rand() < 0.85 ? "-" : user()))
    else if (r < 0.67) app(t, user(), (rand() < 0.8 ? intip() : pubip()), "")
    else if (r < 0.80) sshd(t, rand(), user(), (rand() < 0.7 ? intip() : pubip()))
    else if (r < 0.83) sudo(t, user())
    else if (r < 0.89) cron(t)
    else if (r < 0.94) systemd(t, user())
    else ufw(t)
  }
}
