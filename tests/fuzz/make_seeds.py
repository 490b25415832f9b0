#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/<target>/seed-*: small, meaningful examples
of what each fuzz target reads, in the layout its harness expects (option bytes first).
Regression inputs for findings (crash-*, named after the bug) are added by hand beside
them and never rewritten here. Run from anywhere: python3 tests/fuzz/make_seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
REPO = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- syslog_parse: option byte (bits 0-1 zone: default/UTC/Tokyo/New York; bits 2-7 the
# received time, see received_time() in the harness), then the line.
def opt(zone, received):
    return bytes([zone | received << 2])

SYSLOG = {
    "5424-sd": (1, 0, '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
                '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
                '[meta user="e\\"ve" src_ip="192.0.2.1" case="REQ-2026-0012"] '
                '\ufeffAn application event log entry'),
    "5424-nil": (0, 0, "<34>1 - - - - - -"),
    "5424-offset-frac": (2, 0, "<86>1 2026-11-20T03:12:00.123456+09:00 web01 sshd 4321 - - "
                         "Accepted publickey for alice from 2001:db8::7 port 50022 ssh2"),
    "5424-access-log": (0, 0, '<190>1 2026-11-20T03:12:00Z web01 nginx - - - 192.0.2.7 - dave '
                        '[20/Nov/2026:03:12:00 +0900] "GET /x HTTP/1.1" 200 512 "-" "curl/8"'),
    "5424-bad-time": (1, 0, "<34>1 2026-13-40T99:99:99Z host app - - -"),
    "3164-sshd": (2, 0, "<38>Nov 20 03:12:00 web01 sshd[1234]: Failed password for invalid "
                  "user bob from 192.0.2.9 port 22 ssh2"),
    "3164-new-year": (1, 1, "<13>Jan  1 00:00:01 host app: happy new year"),
    "3164-feb29": (3, 3, "<13>Feb 29 12:00:00.123 h a: leap day"),
    "3164-iso": (3, 0, '<13>2026-11-20T03:12:00.123456+09:00 host app[1]: user=bob '
                 'src_ip=2001:db8::1 action="login"'),
    "3164-no-host": (2, 0, "<13>Nov 20 03:12:00 cron[77]: (root) CMD (run-parts)"),
    "3164-pam": (2, 0, "<86>Nov 20 03:12:00 web01 sshd[9]: pam_unix(sshd:session): session "
                 "opened for user carol(uid=1000) by (uid=0)"),
    "3164-repeated": (1, 0, "<38>Nov 20 03:12:00 web01 sshd[9]: message repeated 3 times: [ "
                      "Failed password for root from 192.0.2.9 port 1 ssh2]"),
    "3164-disconnect": (1, 0, "<38>Nov 20 03:12:00 web01 sshd[9]: Disconnected from user alice "
                        "::ffff:192.0.2.7 port 50022"),
    "3164-case": (0, 0, "<14>Nov 20 03:12:00 forms app: case=REQ-1 case_state=closed "
                  "outcome=rejected"),
    "3164-rules": (0, 0, "<14>Nov 20 03:12:00 fw vpn: user frank from 10.0.0.1"),
    "3164-rules-app": (0, 0, "<14>Nov 20 03:12:00 ctl door: card=1234 door=vault"),
    "no-pri-bsd": (2, 0, "Nov 20 03:12:00 host app: no PRI at all"),
    "no-pri-text": (0, 0, "just some text\r\n"),
    "bad-pri": (0, 0, "<999>1 x"),
    "year-9999": (0, 6, "<13>Dec 31 23:59:59 h a: end of the four-digit years"),
    "year-1": (0, 5, "<13>Jan  1 00:00:00 h a: year one"),
}
for name, (zone, received, line) in SYSLOG.items():
    write("syslog_parse", name, opt(zone, received) + line.encode())


# ---- framing: max_frame_bytes - 1, k, k piece lengths, then the stream.
def framed(max_frame, pieces, stream):
    return bytes([max_frame - 1, len(pieces)] + pieces) + stream.encode()

write("framing", "lf", framed(256, [], "<13>a b\n<13>c d\r\n\n<13>unterminated"))
write("framing", "octet", framed(256, [1, 5, 2], "5 hello11 hello world3 end"))
write("framing", "octet-lf-after", framed(256, [3], "5 hello\n6 world!\n"))
write("framing", "lf-too-long", framed(7, [4, 4], "123456789012\nshort\n"))
write("framing", "octet-too-long", framed(4, [2, 3], "10 0123456789" + "3 abc"))
write("framing", "bad-count", framed(64, [2], "12x bad\nnext line\n"))
write("framing", "count-cut", framed(64, [], "20 only part"))
write("framing", "leading-zero", framed(64, [1], "05 hello"))


# ---- relp: max_data_bytes, k, k piece lengths, then the stream.
def relp_frame(txnr, command, data=b""):
    if isinstance(data, str):
        data = data.encode()
    return f"{txnr} {command} {len(data)}".encode() + (b" " + data if data else b"") + b"\n"

offer = "relp_version=0\nrelp_software=librelp,1.5.0,http://librelp.adiscon.com\ncommands=syslog"
session = (relp_frame(1, "open", offer) + relp_frame(2, "syslog", "<13>Nov 20 03:12:00 a b: c")
           + relp_frame(3, "syslog", "<13>1 - - - - - - x") + relp_frame(4, "close"))
write("relp", "session", bytes([255, 3, 10, 1, 90]) + session)
write("relp", "lf-between", bytes([255, 0]) + b"\n\n" + relp_frame(1, "syslog", "x") + b"\r\n")
write("relp", "too-long", bytes([4, 0]) + relp_frame(1, "syslog", "longer than four"))
write("relp", "bad-txnr", bytes([255, 0]) + b"x open 0\n")
write("relp", "bad-command", bytes([255, 0]) + b"1 OPEN 0\n")
write("relp", "no-lf", bytes([255, 1, 7]) + b"1 syslog 5 abcdeX")
write("relp", "ten-digits", bytes([255, 0]) + b"1234567890 syslog 0\n")


# ---- codecs: a selector byte, then what the decoder reads.
def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)

def zz(v):
    return ((v << 1) ^ (v >> 63)) & (2**64 - 1)

def s(x):
    x = x.encode() if isinstance(x, str) else x
    return varint(len(x)) + x

def event(received_delta=1500, facility=4, severity=6, strings=None, sd=(), extra=(),
          claimed=None, object_size=None, malformed=False):
    strings = strings or ["web01", "sshd", "1234", "", "Accepted password for alice", "192.0.2.7:514",
                          "alice", "192.0.2.7", "login", "", ""]
    flags = (1 if malformed else 0) | (4 if claimed is not None else 0) | (8 if object_size is not None else 0)
    out = bytes([1]) + varint(flags) + varint(zz(received_delta)) + bytes([facility + 1, severity + 1])
    out += b"".join(s(x) for x in strings)
    out += varint(len(sd))
    for sid, params in sd:
        out += s(sid) + varint(len(params)) + b"".join(s(n) + s(v) for n, v in params)
    out += varint(len(extra)) + b"".join(s(n) + s(v) for n, v in extra)
    if claimed is not None:
        out += varint(zz(claimed))
    if object_size is not None:
        out += varint(object_size)
    return out

# Version 2 (issue 13): raw for every event, the message as an offset into it when it is
# raw's tail (flag 16), target_user, origin_ip and ips.
def event2(raw, message=None, user="alice", target_user="", src_ip="192.0.2.7", origin_ip="", ips=(),
           sd=(), malformed=False):
    raw = raw.encode() if isinstance(raw, str) else raw
    message = message.encode() if isinstance(message, str) else message
    at = len(raw) - len(message) if message is not None and raw.endswith(message) else None
    flags = (1 if malformed else 0) | (16 if message is None or at is not None else 0)
    out = bytes([2]) + varint(flags) + varint(zz(20)) + bytes([5, 7])
    out += b"".join(s(x) for x in ["web01", "sshd", "811", "", "192.0.2.1:514", user, target_user, src_ip,
                                    origin_ip, "", "", raw])
    if message is None:
        out += varint(0)
    elif at is not None:
        out += varint(at)
    else:
        out += s(message)
    out += varint(len(ips)) + b"".join(s(x) for x in ips)
    out += varint(len(sd))
    for sid, params in sd:
        out += s(sid) + varint(len(params)) + b"".join(s(n) + s(v) for n, v in params)
    return out + varint(0)

T = 1_795_000_000_000_000
be = lambda v: struct.pack(">Q", v & (2**64 - 1))
write("codecs", "event", b"\0" + be(T) + event())
write("codecs", "event-sd-extra", b"\0" + be(T) + event(sd=[("meta", [("user", "bob"), ("x", "")])],
                                                         extra=[("case_state", "closed")], claimed=3_600_000_000))
write("codecs", "event-object", b"\0" + be(T) + event(object_size=104857600, facility=-1, severity=-1))
write("codecs", "event-malformed", b"\0" + be(-5) + event(malformed=True, received_delta=-7))
LINE = ('<86>1 2026-11-20T03:12:00Z web01 sudo 811 - [origin ip="10.0.0.5" ip="10.0.0.6"] '
        'alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh from 192.0.2.7')
write("codecs", "event-v2", b"\0" + be(T) + event2(LINE, LINE[LINE.index("alice :"):], target_user="root",
                                                     origin_ip="10.0.0.5", ips=["10.0.0.5", "10.0.0.6", "192.0.2.7"],
                                                     sd=[("origin", [("ip", "10.0.0.5"), ("ip", "10.0.0.6")])]))
write("codecs", "event-v2-literal", b"\0" + be(T) + event2(b"<13>bad \xff\0 line", "bad \ufffd", malformed=True))

def posting(blocks):
    out = varint(len(blocks))
    for dt, did, ordinals in blocks:
        out += varint(zz(dt)) + varint(zz(did)) + varint(len(ordinals))
        last = 0
        for o in ordinals:
            out += varint(o - last)
            last = o
    return out

write("codecs", "posting", b"\1" + posting([(T, 42, [0, 3, 7]), (60_000_000, 1, [2]), (0, 5, [0, 1])]))

def block_key(t, i):
    return b"b" + be(t ^ (1 << 63)) + be(i)

write("codecs", "block-key", b"\2" + block_key(T, 42))

def block(first, records):
    payload = directory = b""
    prev = first
    for key, rec in records:
        directory += varint(zz(key[0] - prev[0])) + varint(zz((key[1] - prev[1] + 2**63) % 2**64 - 2**63)) + varint(len(rec))
        payload += rec
        prev = key
    return payload + directory + struct.pack("<II", len(payload), len(records)) + bytes([2])

recs = [((T, 42), event()), ((T, 43), event(malformed=True)), ((T + 5_000_000, 44), b""),
        ((T + 9_000_000, 45), event(sd=[("a", [("b", "c")])]))]
write("codecs", "block", b"\3" + be(T) + be(42) + block((T, 42), recs))

def link(prev, blocks):
    return prev + varint(len(blocks)) + b"".join(block_key(t, i) + bytes(range(32)) for t, i in blocks)

write("codecs", "link", b"\4" + link(bytes(32), [(T, 42), (T + 60_000_000, 99)]))
write("codecs", "link-empty", b"\4" + link(bytes(range(32)), []))
write("codecs", "head", b"\5" + be(7) + bytes(range(32)))


# ---- tzif: real zone files of each shape: no transitions, v2 with a DST rule, half-hour
# DST, negative DST, southern hemisphere.
for zone in ["UTC", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin",
             "America/Sao_Paulo"]:
    path = "/usr/share/zoneinfo/" + zone
    if os.path.exists(path):
        with open(path, "rb") as f:
            write("tzif", zone.replace("/", "-"), f.read())


# ---- config: the documented reference, a small file, and one that is wrong everywhere.
with open(os.path.join(REPO, "conf", "hokan.toml"), "rb") as f:
    write("config", "hokan.toml", f.read())
write("config", "small.toml", """default_category = "ops"
[daemon]
state_dir = "/tmp/x"
timezone = "UTC"
[listen]
udp = ["127.0.0.1:0"]
tcp = ["[::1]:0"]
http = ""
[storage]
max_object_bytes = "100MiB"
clock_skew = "5min"
[purge]
schedule = "every 6h"
[[category]]
name = "access"
retention = "365d"
retention_by_host = { "web01.example" = "90d" }
match = { facility = ["auth", "authpriv"], app = ["sshd"], source = ["10.0.0.0/8", "2001:db8::/32"], regex = "^Accepted" }
[[category]]
name = "forms"
kind = "object"
starts = "case_closed"
retention_by_outcome = { rejected = "0d", default = "1y" }
[[role]]
name = "sec"
groups = ["security"]
actions = ["query", "export"]
categories = ["*"]
[[extract]]
name = "vpn"
app = "vpn"
pattern = 'user (?P<user>\\S+) from (?P<src_ip>\\S+)'
[[sender]]
name = "scanner"
token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
categories = ["forms"]
""")
write("config", "errors.toml", """default_category = "Audit"
[daemon]
timezone = "Mars/Olympus"
log_lvl = "info"
[listen]
udp = ["localhost:514", "[::1]:70000"]
tls = [{ address = "127.0.0.1:6514", cert = "/nonexistent.pem", key = "" }]
control_mode = "0999"
[storage]
sync = "sometimes"
max_message_bytes = 12
[[category]]
name = "audit"
retention = "forever"
match = { facility = ["nope"], regex = "(" }
[[extract]]
pattern = "no groups"
[[role]]
name = "x"
categories = ["missing"]
""")
write("config", "syntax.toml", "[daemon\nstate_dir = \n")
