# Generates N synthetic RFC 5424 events spread over DAYS days ending now: sshd logins,
# web access lines and application key=value lines, from USERS users, IPS addresses and
# HOSTS hosts. A rare user ("rare-user-zq") and a rare address (203.0.113.250) appear
# RARE times each. Deterministic (srand(42)) so both sides of a comparison see the same.
#   awk -v N=1000000 -v DAYS=30 -v USERS=1000 -v IPS=10000 -v HOSTS=50 -v RARE=10 -v NOW=$(date +%s) -f gen-events.awk
function ts(t,   s) { s = strftime("%Y-%m-%dT%H:%M:%S", t, 1); return s "Z" }
BEGIN {
  srand(42)
  step = DAYS * 86400 / N
  start = NOW - DAYS * 86400
  every = int(N / RARE)
  for (i = 0; i < N; i++) {
    t = int(start + i * step)
    u = "user" int(rand() * USERS)
    ip = "10." int(rand() * IPS / 65536) "." int(rand() * 256) "." int(rand() * 256)
    if (IPS <= 65536) ip = "10.1." int((k = int(rand() * IPS)) / 256) "." (k % 256)
    h = "host" int(rand() * HOSTS)
    if (i % every == int(every / 2)) u = "rare-user-zq"
    if (i % every == int(every / 3)) ip = "203.0.113.250"
    kind = i % 3
    if (kind == 0)
      printf "<38>1 %s %s sshd %d - - Accepted password for %s from %s port %d ssh2 session opened with key fingerprint SHA256:abcdefghij0123456789\n", ts(t), h, 1000 + i % 30000, u, ip, 1024 + i % 60000
    else if (kind == 1)
      printf "<190>1 %s %s nginx - - - %s - %s [20/Nov/2026:03:12:00 +0900] \"GET /orders/%d HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n", ts(t), h, ip, u, i % 100000, i % 5000
    else
      printf "<134>1 %s %s billing %d - - action=update user=%s src_ip=%s order=%d amount=%d status=ok note=\"routine batch update of invoice records\"\n", ts(t), h, i % 30000, u, ip, i, i % 99991
  }
}
