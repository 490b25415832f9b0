// hokan's configuration: one typed struct loaded from TOML and validated at start-up.
// Every problem is reported as "file:line:col: key: what is wrong", all of them, not
// just the first. Thread-safety: a loaded Config is an immutable value; share it by
// shared_ptr<const Config> and swap the pointer on reload.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/name_patterns.h"
#include "core/error.h"
#include "core/timezone.h"

namespace hokan::config {

// A retention period as written: "365d", "4w", "6m" (calendar months), "1y" (calendar
// years), "0d" (at once).
struct Period {
  enum class Unit { days, weeks, months, years };
  int64_t count = 0;
  Unit unit = Unit::days;
  std::string text;  // as written, for receipts and messages
};

// An IPv4 or IPv6 network in CIDR form ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7").
struct Network {
  std::string text;  // as written
  bool v6 = false;
  uint8_t bytes[16] = {};  // network address (host bits cleared), first 4 used for IPv4
  int prefix = 0;
};

// What a [[category]] rule matches; every non-empty list must match (AND), and a value
// matches when it equals any entry of its list (OR).
struct Match {
  std::vector<int> facility;       // from names: "auth", "local0", ...
  std::vector<int> severity;       // from names: "err", "warning", ...
  std::vector<std::string> app;
  std::vector<std::string> host;
  std::vector<std::string> msgid;
  std::vector<std::string> sd_id;
  std::vector<Network> source;     // the peer address of the sender
  std::string regex;               // RE2 over the message text, empty = none
  bool empty() const;
};

struct Category {
  std::string name;                 // [a-z0-9_-]{1,48}
  enum class Kind { event, object } kind = Kind::event;
  std::optional<Period> retention;  // required unless retention_by_outcome is given
  enum class Starts { event_time, case_closed } starts = Starts::event_time;
  std::map<std::string, Period> retention_by_host;
  std::map<std::string, Period> retention_by_camera;
  std::map<std::string, Period> retention_by_outcome;  // "default" key allowed
  Match match;
  bool disclosable = true;
  bool erasable = true;
  // Objects whose upload carries no X-Hokan-Time / X-Hokan-Camera: what their name says
  // (see name_patterns.h). Unset: the received time, and no camera from the name.
  std::optional<NameTime> name_time;
  std::optional<NameCamera> name_camera;
  // Playlists and other names a recorder PUTs again and again, as globs. A name in
  // `replace` is stored as a new version each time ("NAME@<received UTC time>", the
  // newest read as NAME); one in `ignore` is answered 204 and not stored. replace is
  // checked first. Object categories ignore "*.m3u8" and "*.mpd" unless told otherwise.
  std::vector<std::string> replace;
  std::vector<std::string> ignore;
  int line = 0;  // where it was defined, for messages
};

struct Role {
  std::string name;
  std::vector<std::string> users;       // Unix user names
  std::vector<std::string> groups;      // Unix group names
  std::vector<std::string> actions;     // query export hold erase purge admin
  std::vector<std::string> categories;  // names or "*"
};

struct ExtractRuleConfig {
  std::string name;
  std::string app;
  std::string pattern;
};

struct Sender {
  std::string name;
  std::string token_sha256;             // hex SHA-256 of the bearer token, never the token
  std::vector<std::string> categories;  // empty = any object category
  std::string camera;                   // the camera its uploads are of, unless they say; "" = none
};

struct TlsListener {
  std::string address;
  std::string cert, key, ca;
};

// A [purge] schedule: "daily HH:MM" (local time) or "every Nh" / "every Nm" (counted
// from local midnight, so "every 6h" runs at 00:00, 06:00, 12:00 and 18:00).
struct Schedule {
  enum class Kind { daily, every } kind = Kind::daily;
  int minute_of_day = 180;     // daily
  int64_t interval_s = 86400;  // every; 86400 for daily
  std::string text = "daily 03:00";
};

struct Config {
  std::string source_name;  // file path, or "<embedded default>"

  struct Daemon {
    std::string state_dir = "./var";
    std::string timezone = "Asia/Tokyo";
    std::string log_level = "info";  // trace debug info warn error critical off
  } daemon;
  std::shared_ptr<const core::TimeZone> zone;  // loaded from daemon.timezone

  struct Listen {
    std::vector<std::string> udp;  // "host:port", "[v6]:port"; port 0 = any free
    std::vector<std::string> tcp;
    std::vector<TlsListener> tls;
    std::vector<std::string> relp;
    std::string http;              // empty = no HTTP listener
    std::string control = "./var/hokan.sock";
    uint32_t control_mode = 0660;
    std::string control_group;     // empty = the daemon's group
    // Open connections per TCP, TLS, RELP or HTTP listener; at the limit a new one
    // takes the place of the one idle longest. Lowered at start to what the descriptor
    // limit allows (see README, "Limits and faults").
    uint32_t max_connections = 1000;
    int64_t idle_timeout_seconds = 600;     // a stream connection silent this long is closed
    int64_t control_timeout_seconds = 10;   // a control client must send its request within
    uint64_t upload_min_rate = 16 * 1024;   // bytes/s an upload must keep up after a grace period
  } listen;

  struct Storage {
    enum class Sync { always, batch, none } sync = Sync::batch;
    uint32_t max_message_bytes = 65536;
    int64_t clock_skew_seconds = 300;
    uint64_t max_object_bytes = 1ull << 30;
    // How far back a claimed time may lie: an older one is replaced by the received time
    // (the claim kept), so no sender can make a record expire on arrival.
    Period oldest_time{20, Period::Unit::years, "20y"};
    // Free space kept back for purges and the audit trail: a share of the filesystem
    // ("1%") or a size ("1GiB"). Stored as either; the store resolves it at start.
    double reserve_fraction = 0.01;
    uint64_t reserve_bytes = 0;  // when set, instead of the fraction
  } storage;

  struct Purge {
    Schedule schedule;
  } purge;

  struct Ledger {
    Period retention{10, Period::Unit::years, "10y"};
  } ledger;

  struct Audit {
    Period retention{3, Period::Unit::years, "3y"};
  } audit;

  // [remote]: object categories shipped to an S3-compatible store (Ceph RGW), encrypted
  // by hokan with a key per bucket. Absent: everything stays local.
  struct Remote {
    bool enabled = false;
    std::string endpoint;  // "http://host:port" or "https://host:port"
    std::string region = "default";
    std::string bucket_prefix = "hokan-";
    std::string credentials_file;  // TOML, mode 0600: access_key, secret_key
    std::string access_key, secret_key;  // read from credentials_file
    std::string ca;                      // CA bundle for an https endpoint; empty: the system's
    int64_t keep_local_seconds = 86400;  // local copy kept this long after a verified upload
    int64_t anchor_seconds = 60;         // seal heads and receipts anchored this often
    // An RSA public key (PEM) whose private half is kept offline: each data key is also
    // stored in the remote store wrapped with it, so the keys survive this disk.
    std::string escrow_public_key;
    std::vector<std::string> categories;
  } remote;

  std::string default_category = "operation";
  std::vector<Category> categories;
  std::vector<Role> roles;
  std::vector<ExtractRuleConfig> extracts;
  std::vector<Sender> senders;

  const Category* find_category(std::string_view name) const;
};

// Loads and validates a TOML file. On failure returns every problem, one per line, in
// file order, each "file:line:col: key: what is wrong" (the key as a dotted path, with the
// array index for tables in arrays: "category[2].retention"); a missing key is placed at
// the table that should hold it, a TOML syntax error is "file:line:col: what". Unknown
// keys are errors. Never throws. Blocking: reads the file and the time zone file.
struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  std::vector<std::string> errors;
};
LoadResult load_file(const std::string& path);
// Same for TOML text already in memory; `source_name` is used in messages.
LoadResult load_string(std::string_view toml, const std::string& source_name);

// Parsers for the value forms above, shared with the code that uses them. Errors: a
// one-line reason (without file position).
[[nodiscard]] Result<Period> parse_period(std::string_view text);
[[nodiscard]] Result<Schedule> parse_schedule(std::string_view text);
// "300s", "5min", "1h", "2d" -> seconds.
[[nodiscard]] Result<int64_t> parse_duration_seconds(std::string_view text);
// "1048576", "100MiB", "1GiB" (KiB MiB GiB TiB, powers of 1024) -> bytes, above 0.
[[nodiscard]] Result<uint64_t> parse_byte_size(std::string_view text);
[[nodiscard]] Result<Network> parse_network(std::string_view text);
// A listen address: "IPv4:port" or "[IPv6]:port", port 0..65535. Host names are refused
// because listeners bind to addresses and resolve nothing.
[[nodiscard]] Result<void> check_address(std::string_view text);

// The embedded default: conf/hokan.toml (already loopback on high ports) with state and
// the control socket under ./var, generated at build time. Valid by construction; the
// first call throws std::runtime_error only where its time zone cannot be loaded (no
// tzdata), a start-up failure.
std::shared_ptr<const Config> embedded_default();
std::string_view embedded_default_text();

}  // namespace hokan::config
