// Reads hokan.toml into a Config and checks it, collecting every problem with the position
// toml++ recorded for the offending node. toml++ and RE2 stay inside this file.
#include "config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <re2/re2.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <optional>
#include <sstream>
#include <set>

#include "syslog/parser.h"

namespace hokan::config {
namespace {

using Known = std::initializer_list<std::string_view>;

constexpr toml::source_position kFileStart{1, 1};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 48 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// A key as the user would write it in the dotted path: bare when TOML allows, else quoted,
// so that "retention_by_host.\"web01.example\"" is not read as two levels.
std::string key_segment(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  if (bare) return std::string(key);
  std::string quoted = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? key_segment(key) : path + "." + key_segment(key);
}

std::string indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// RE2 options the classifier and the extractor use, so that what loads here compiles there.
RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// Reads one TOML document into a Config. Keeps going after a problem so that a user fixes
// a file in one round instead of one error per run.
class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  LoadResult load(std::string_view text) {
    toml::table root;
    // Debian's libtomlplusplus.so is built with exceptions and exports only the throwing
    // toml::parse; the parse_result API would mean compiling all of toml++ into this file.
    // So parse_error is caught here and leaves as one more error line.
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      error(e.source().begin, "", std::string(e.description()));
      return finish_result(nullptr);
    }
    auto config = std::make_shared<Config>();
    config->source_name = source_;
    read_root(root, *config);
    return finish_result(std::move(config));
  }

 private:
  struct Problem {
    toml::source_position at;
    std::string text;
  };
  // A name used before all categories are known (roles and senders refer to them).
  struct Reference {
    std::string name;
    toml::source_position at;
    std::string key;
  };

  LoadResult finish_result(std::shared_ptr<Config> config) {
    // By position, as a compiler lists them; cross-reference checks run last but their
    // lines belong among the others.
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
    });
    LoadResult result;
    for (auto& p : problems_) result.errors.push_back(std::move(p.text));
    if (result.errors.empty()) result.config = std::move(config);
    return result;
  }

  void error(toml::source_position at, const std::string& key, const std::string& what) {
    std::string text =
        source_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": ";
    if (!key.empty()) text += key + ": ";
    problems_.push_back({at, text + what});
  }
  void error(const toml::node& n, const std::string& key, const std::string& what) {
    error(n.source().begin, key, what);
  }
  void wrong_type(const toml::node& n, const std::string& key, std::string_view expected) {
    error(n, key, "expected " + std::string(expected) + ", got " + std::string(type_name(n)));
  }
  // A missing key has no position of its own: point at the table that should hold it.
  void missing(const toml::node& table, const std::string& key,
               const std::string& what = "required") {
    error(table, key, what);
  }

  // Reports every key of `table` not in `known`, with a hint when one is close.
  void check_keys(const toml::table& table, const std::string& path, Known known) {
    for (auto&& [key, node] : table) {
      const std::string_view k = key.str();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string message = "unknown key";
      std::string_view best;
      std::size_t best_distance = 3;
      for (auto candidate : known) {
        const std::size_t d = edit_distance(k, candidate);
        if (d < best_distance && d < candidate.size()) {
          best = candidate;
          best_distance = d;
        }
      }
      if (!best.empty()) {
        message += " (did you mean \"" + std::string(best) + "\"?)";
      } else if (!path.empty() && k == "default_category") {
        // TOML puts every key after [table] into that table: an easy slip for the one
        // top-level value.
        message += " (default_category is a top-level key: put it before the first [table])";
      }
      error(key.source().begin, join(path, k), message);
    }
  }

  const toml::table* table_at(const toml::table& t, const std::string& path, std::string_view key,
                              std::string_view expected) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (auto table = n->as_table()) return table;
    wrong_type(*n, join(path, key), expected);
    return nullptr;
  }

  // The string at `key`; nullopt when absent or not a string (reported).
  std::optional<std::string> string_at(const toml::table& t, const std::string& path,
                                       std::string_view key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto s = n->as_string()) return s->get();
    wrong_type(*n, join(path, key), "a string");
    return std::nullopt;
  }

  // Like string_at, but a missing key is reported at the enclosing table.
  std::optional<std::string> required_string(const toml::table& t, const std::string& path,
                                             std::string_view key) {
    if (!t.get(key)) {
      missing(t, join(path, key));
      return std::nullopt;
    }
    auto s = string_at(t, path, key);
    if (s && s->empty()) {
      error(*t.get(key), join(path, key), "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  void read_bool(const toml::table& t, const std::string& path, std::string_view key, bool& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (auto b = n->as_boolean())
      out = b->get();
    else
      wrong_type(*n, join(path, key), "true or false");
  }

  // A string or an array of strings (a lone string is a list of one); calls
  // each(value, node, dotted key) for every string.
  template <typename F>
  void read_strings(const toml::table& t, const std::string& path, std::string_view key, F each) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const std::string full = join(path, key);
    if (auto s = n->as_string()) return each(s->get(), *n, full);
    auto array = n->as_array();
    if (!array) return wrong_type(*n, full, "an array of strings");
    std::size_t i = 0;
    for (const auto& element : *array) {
      const std::string element_key = indexed(full, i++);
      if (auto s = element.as_string())
        each(s->get(), element, element_key);
      else
        wrong_type(element, element_key, "a string");
    }
  }

  std::vector<std::string> string_list(const toml::table& t, const std::string& path,
                                       std::string_view key) {
    std::vector<std::string> out;
    read_strings(t, path, key,
                 [&](const std::string& v, const toml::node& n, const std::string& k) {
                   if (v.empty())
                     error(n, k, "must not be empty");
                   else
                     out.push_back(v);
                 });
    return out;
  }

  std::optional<Period> period_of(const toml::node& n, const std::string& key) {
    auto s = n.as_string();
    if (!s) {
      wrong_type(n, key, "a period such as \"365d\"");
      return std::nullopt;
    }
    auto p = parse_period(s->get());
    if (!p) {
      error(n, key, p.error().message);
      return std::nullopt;
    }
    return *p;
  }

  template <typename F>
  void read_array_of_tables(const toml::table& root, std::string_view name, F each) {
    const toml::node* n = root.get(name);
    if (!n) return;
    auto array = n->as_array();
    if (!array) return wrong_type(*n, std::string(name), "[[" + std::string(name) + "]] tables");
    std::size_t i = 0;
    for (const auto& element : *array) {
      const std::string path = indexed(name, i++);
      if (auto t = element.as_table())
        each(*t, path);
      else
        wrong_type(element, path, "a table");
    }
  }

  void read_root(const toml::table& root, Config& c) {
    check_keys(root, "",
               {"default_category", "daemon", "listen", "storage", "purge", "ledger", "audit",
                "category", "role", "extract", "sender", "remote"});
    if (auto s = string_at(root, "", "default_category")) c.default_category = *s;
    const toml::table* daemon = table_at(root, "", "daemon", "a table ([daemon])");
    if (daemon) read_daemon(*daemon, c);
    read_zone(daemon, c);
    if (auto t = table_at(root, "", "listen", "a table ([listen])")) read_listen(*t, c);
    if (auto t = table_at(root, "", "storage", "a table ([storage])")) read_storage(*t, c);
    if (auto t = table_at(root, "", "purge", "a table ([purge])")) {
      check_keys(*t, "purge", {"schedule"});
      if (auto text = string_at(*t, "purge", "schedule")) {
        if (auto s = parse_schedule(*text))
          c.purge.schedule = *s;
        else
          error(*t->get("schedule"), "purge.schedule", s.error().message);
      }
    }
    for (auto [name, period] :
         {std::pair{"ledger", &c.ledger.retention}, std::pair{"audit", &c.audit.retention}}) {
      if (auto t = table_at(root, "", name, "a table ([" + std::string(name) + "])")) {
        check_keys(*t, name, {"retention"});
        if (auto n = t->get("retention"))
          if (auto p = period_of(*n, join(name, "retention"))) *period = *p;
      }
    }
    if (auto t = table_at(root, "", "remote", "a table ([remote])")) read_remote(*t, c);
    read_array_of_tables(root, "category", [&](const toml::table& t, const std::string& path) {
      read_category(t, path, c);
    });
    read_array_of_tables(root, "role", [&](const toml::table& t, const std::string& path) {
      read_role(t, path, c);
    });
    read_array_of_tables(root, "extract", [&](const toml::table& t, const std::string& path) {
      read_extract(t, path, c);
    });
    read_array_of_tables(root, "sender", [&](const toml::table& t, const std::string& path) {
      read_sender(t, path, c);
    });
    check_references(root, c);
  }

  void read_remote(const toml::table& t, Config& c) {
    check_keys(t, "remote",
               {"endpoint", "region", "bucket_prefix", "credentials_file", "ca", "keep_local", "anchor_interval",
                "escrow_public_key", "categories"});
    auto& r = c.remote;
    r.enabled = true;
    if (auto s = required_string(t, "remote", "endpoint")) {
      if (!s->starts_with("http://") && !s->starts_with("https://"))
        error(*t.get("endpoint"), "remote.endpoint", "expected \"http://host:port\" or \"https://host:port\", got \"" + *s + "\"");
      r.endpoint = *s;
      while (r.endpoint.ends_with('/')) r.endpoint.pop_back();
    }
    if (auto s = string_at(t, "remote", "region")) r.region = *s;
    if (auto s = string_at(t, "remote", "bucket_prefix")) {
      // S3 bucket names: 3 to 63 of a-z 0-9 - and the suffix hokan adds takes up to 40.
      bool ok = !s->empty() && s->size() <= 20 && std::all_of(s->begin(), s->end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
      }) && (*s)[0] != '-';
      if (!ok)
        error(*t.get("bucket_prefix"), "remote.bucket_prefix",
              "expected 1 to 20 of a-z 0-9 - (not starting with -), got \"" + *s + "\"");
      r.bucket_prefix = *s;
    }
    if (auto s = string_at(t, "remote", "escrow_public_key")) {
      if (!std::ifstream(*s).good()) error(*t.get("escrow_public_key"), "remote.escrow_public_key", "cannot read \"" + *s + "\"");
      r.escrow_public_key = *s;
    }
    if (auto s = string_at(t, "remote", "ca")) {
      if (!std::ifstream(*s).good()) error(*t.get("ca"), "remote.ca", "cannot read \"" + *s + "\"");
      r.ca = *s;
    }
    if (const toml::node* n = t.get("keep_local")) {
      if (auto s = n->as_string(); !s)
        wrong_type(*n, "remote.keep_local", "a duration such as \"1d\"");
      else if (auto seconds = parse_duration_seconds(s->get()); !seconds)
        error(*n, "remote.keep_local", seconds.error().message);
      else
        r.keep_local_seconds = *seconds;
    }
    if (const toml::node* n = t.get("anchor_interval")) {
      if (auto s = n->as_string(); !s)
        wrong_type(*n, "remote.anchor_interval", "a duration such as \"1min\"");
      else if (auto seconds = parse_duration_seconds(s->get()); !seconds)
        error(*n, "remote.anchor_interval", seconds.error().message);
      else if (*seconds < 1 || *seconds > 86400)
        error(*n, "remote.anchor_interval", "expected 1s to 1d: how long a forged chain could go unanchored");
      else
        r.anchor_seconds = *seconds;
    }
    if (auto s = required_string(t, "remote", "credentials_file")) {
      r.credentials_file = *s;
      if (auto problem = read_credentials(*s, r)) error(*t.get("credentials_file"), "remote.credentials_file", *problem);
    }
    read_strings(t, "remote", "categories", [&](const std::string& v, const toml::node& n, const std::string& key) {
      r.categories.push_back(v);
      remote_categories_.push_back({v, n.source().begin, key});
    });
  }

  // The S3 keys: a TOML file only its owner may read, since they can write (though never
  // destroy early) every remote object. What is wrong, or nothing.
  static std::optional<std::string> read_credentials(const std::string& file, Config::Remote& r) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return "cannot read \"" + file + "\": " + std::strerror(errno);
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return "\"" + file + "\" is mode " + mode + ": it holds the S3 secret and must be 0600 (chmod 600)";
    }
    toml::table creds;
    try {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      creds = toml::parse(text.str(), file);
    } catch (const toml::parse_error& e) {
      return "\"" + file + "\" line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    } catch (const std::exception& e) {
      return "cannot read \"" + file + "\": " + e.what();
    }
    for (auto& [key, node] : creds)
      if (key != "access_key" && key != "secret_key") return "\"" + file + "\": unknown key \"" + std::string(key.str()) + "\"";
    auto access = creds["access_key"].value<std::string>();
    auto secret = creds["secret_key"].value<std::string>();
    if (!access || access->empty()) return "\"" + file + "\": access_key missing (a string)";
    if (!secret || secret->empty()) return "\"" + file + "\": secret_key missing (a string)";
    r.access_key = *access;
    r.secret_key = *secret;
    return std::nullopt;
  }

  void read_daemon(const toml::table& t, Config& c) {
    check_keys(t, "daemon", {"state_dir", "timezone", "log_level"});
    if (auto s = string_at(t, "daemon", "state_dir")) {
      if (s->empty())
        error(*t.get("state_dir"), "daemon.state_dir", "must not be empty");
      else
        c.daemon.state_dir = *s;
    }
    if (auto s = string_at(t, "daemon", "timezone")) c.daemon.timezone = *s;
    if (auto s = string_at(t, "daemon", "log_level")) {
      static const std::set<std::string> kLevels{"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
      if (kLevels.contains(*s))
        c.daemon.log_level = *s;
      else
        error(*t.get("log_level"), "daemon.log_level",
              "expected trace, debug, info, warn, error, critical or off, got \"" + *s + "\"");
    }
  }

  // The default zone is loaded too: a machine without tzdata must fail here, at start,
  // rather than at the first schedule.
  void read_zone(const toml::table* daemon, Config& c) {
    c.zone = core::TimeZone::utc();
    const toml::node* n = daemon ? daemon->get("timezone") : nullptr;
    if (n && !n->is_string()) return;  // the type is already reported
    auto zone = core::TimeZone::load(c.daemon.timezone);
    if (zone)
      c.zone = *zone;
    else
      error(n        ? n->source().begin
            : daemon ? daemon->source().begin
                     : kFileStart,
            "daemon.timezone", zone.error().message);
  }

  void read_listen(const toml::table& t, Config& c) {
    check_keys(t, "listen",
               {"udp", "tcp", "tls", "relp", "http", "control", "control_mode", "control_group", "max_connections",
                "idle_timeout", "control_timeout", "upload_min_rate"});
    auto addresses = [&](std::string_view key, std::vector<std::string>& out) {
      read_strings(t, "listen", key,
                   [&](const std::string& v, const toml::node& n, const std::string& full) {
                     if (auto ok = check_address(v); !ok)
                       error(n, full, ok.error().message);
                     else
                       out.push_back(v);
                   });
    };
    addresses("udp", c.listen.udp);
    addresses("tcp", c.listen.tcp);
    addresses("relp", c.listen.relp);
    read_tls(t, c);
    if (auto s = string_at(t, "listen", "http")) {
      if (auto ok = s->empty() ? Result<void>{} : check_address(*s); !ok)
        error(*t.get("http"), "listen.http", ok.error().message);
      else
        c.listen.http = *s;
    }
    if (auto s = string_at(t, "listen", "control")) {
      // sockaddr_un holds 108 bytes with the terminating NUL; a longer path cannot be bound.
      if (s->empty())
        error(*t.get("control"), "listen.control", "must not be empty");
      else if (s->size() > 107)
        error(*t.get("control"), "listen.control",
              "longer than the 107 bytes a Unix socket path may have");
      else
        c.listen.control = *s;
    }
    if (auto mode = string_at(t, "listen", "control_mode")) {
      const bool octal =
          mode->size() >= 3 && mode->size() <= 4 &&
          std::all_of(mode->begin(), mode->end(), [](char ch) { return ch >= '0' && ch <= '7'; });
      if (octal)
        c.listen.control_mode = static_cast<uint32_t>(std::stoul(*mode, nullptr, 8));
      else
        error(*t.get("control_mode"), "listen.control_mode",
              "expected an octal mode such as \"0660\", got \"" + *mode + "\"");
    }
    if (auto s = string_at(t, "listen", "control_group")) c.listen.control_group = *s;
    if (const toml::node* n = t.get("max_connections")) {
      if (auto v = n->as_integer(); !v || v->get() < 1 || v->get() > 1'000'000)
        error(*n, "listen.max_connections", "expected a count from 1 to 1000000");
      else
        c.listen.max_connections = static_cast<uint32_t>(v->get());
    }
    auto seconds = [&](const char* key, int64_t min, int64_t max, int64_t& out) {
      const toml::node* n = t.get(key);
      if (!n) return;
      std::string path = std::string("listen.") + key;
      auto s = n->as_string();
      if (!s) return wrong_type(*n, path, "a duration such as \"10min\"");
      auto v = parse_duration_seconds(s->get());
      if (!v) return error(*n, path, v.error().message);
      if (*v < min || *v > max)
        return error(*n, path, "expected " + std::to_string(min) + "s to " + std::to_string(max) + "s");
      out = *v;
    };
    seconds("idle_timeout", 1, 7 * 86400, c.listen.idle_timeout_seconds);
    seconds("control_timeout", 1, 3600, c.listen.control_timeout_seconds);
    if (const toml::node* n = t.get("upload_min_rate")) {
      // Bytes per second, as a size: "16KiB" means 16 KiB/s.
      auto s = n->as_string();
      if (!s)
        wrong_type(*n, "listen.upload_min_rate", "a size per second such as \"16KiB\"");
      else if (auto v = parse_byte_size(s->get()); !v)
        error(*n, "listen.upload_min_rate", v.error().message);
      else
        c.listen.upload_min_rate = *v;
    }
  }

  void read_tls(const toml::table& t, Config& c) {
    const toml::node* n = t.get("tls");
    if (!n) return;
    auto array = n->as_array();
    if (!array)
      return wrong_type(*n, "listen.tls", "an array of { address, cert, key, ca } tables");
    std::size_t i = 0;
    for (const auto& element : *array) {
      const std::string path = indexed("listen.tls", i++);
      auto table = element.as_table();
      if (!table) {
        wrong_type(element, path, "a table { address = ..., cert = ..., key = ..., ca = ... }");
        continue;
      }
      check_keys(*table, path, {"address", "cert", "key", "ca"});
      TlsListener l;
      if (auto s = required_string(*table, path, "address")) {
        if (auto ok = check_address(*s); !ok)
          error(*table->get("address"), path + ".address", ok.error().message);
        l.address = *s;
      }
      // The files must be readable now: a listener that cannot load them at start would
      // otherwise be found out only by the senders.
      auto readable = [&](const char* name, const std::string& file) {
        if (std::ifstream(file).good()) return;
        error(*table->get(name), path + "." + name, "cannot read \"" + file + "\"");
      };
      if (auto s = required_string(*table, path, "cert")) readable("cert", l.cert = *s);
      if (auto s = required_string(*table, path, "key")) readable("key", l.key = *s);
      if (auto s = string_at(*table, path, "ca")) readable("ca", l.ca = *s);
      c.listen.tls.push_back(std::move(l));
    }
  }

  void read_storage(const toml::table& t, Config& c) {
    check_keys(t, "storage",
               {"sync", "max_message_bytes", "clock_skew", "max_object_bytes", "oldest_time", "reserve"});
    if (auto sync = string_at(t, "storage", "sync")) {
      if (*sync == "always")
        c.storage.sync = Config::Storage::Sync::always;
      else if (*sync == "batch")
        c.storage.sync = Config::Storage::Sync::batch;
      else if (*sync == "none")
        c.storage.sync = Config::Storage::Sync::none;
      else
        error(*t.get("sync"), "storage.sync",
              "expected \"always\", \"batch\" or \"none\", got \"" + *sync + "\"");
    }
    if (const toml::node* n = t.get("max_message_bytes")) {
      // 480 is the least RFC 5426 lets a receiver take; beyond 16 MiB one message would
      // stall a batch.
      constexpr int64_t kMin = 480, kMax = 16 << 20;
      if (auto v = n->as_integer(); !v)
        wrong_type(*n, "storage.max_message_bytes", "an integer from 480 to 16777216");
      else if (v->get() < kMin || v->get() > kMax)
        error(*n, "storage.max_message_bytes",
              "expected 480 to 16777216, got " + std::to_string(v->get()));
      else
        c.storage.max_message_bytes = static_cast<uint32_t>(v->get());
    }
    if (const toml::node* n = t.get("clock_skew")) {
      if (auto s = n->as_string(); !s) {
        wrong_type(*n, "storage.clock_skew", "a duration such as \"5min\"");
      } else if (auto seconds = parse_duration_seconds(s->get()); !seconds) {
        error(*n, "storage.clock_skew", seconds.error().message);
      } else if (*seconds > 86400) {
        // The skew is how far a sender may push its records' expiry: keep it small.
        error(*n, "storage.clock_skew",
              "at most 1d: a larger skew would let a sender's clock stretch retention");
      } else {
        c.storage.clock_skew_seconds = *seconds;
      }
    }
    if (const toml::node* n = t.get("reserve")) {
      auto s = n->as_string();
      if (!s) {
        wrong_type(*n, "storage.reserve", "a share such as \"1%\" or a size such as \"1GiB\"");
      } else if (s->get().ends_with('%')) {
        std::string number = s->get().substr(0, s->get().size() - 1);
        char* end = nullptr;
        double v = std::strtod(number.c_str(), &end);
        if (number.empty() || *end || v < 0 || v > 50)
          error(*n, "storage.reserve", "expected a share from \"0%\" to \"50%\", got \"" + s->get() + "\"");
        else
          c.storage.reserve_fraction = v / 100, c.storage.reserve_bytes = 0;
      } else if (auto v = parse_byte_size(s->get()); !v) {
        error(*n, "storage.reserve", v.error().message);
      } else {
        c.storage.reserve_bytes = *v;
        c.storage.reserve_fraction = 0;
      }
    }
    if (const toml::node* n = t.get("oldest_time")) {
      if (auto s = n->as_string(); !s) {
        wrong_type(*n, "storage.oldest_time", "a period such as \"20y\"");
      } else if (auto period = parse_period(s->get()); !period) {
        error(*n, "storage.oldest_time", period.error().message);
      } else if (period->count <= 0) {
        error(*n, "storage.oldest_time", "expected a period above 0, such as \"20y\"");
      } else {
        c.storage.oldest_time = *period;
      }
    }
    if (const toml::node* n = t.get("max_object_bytes")) {
      if (auto v = n->as_integer()) {
        if (v->get() > 0)
          c.storage.max_object_bytes = static_cast<uint64_t>(v->get());
        else
          error(*n, "storage.max_object_bytes",
                "expected a size above 0, got " + std::to_string(v->get()));
      } else if (auto s = n->as_string()) {
        if (auto size = parse_byte_size(s->get()))
          c.storage.max_object_bytes = *size;
        else
          error(*n, "storage.max_object_bytes", size.error().message);
      } else {
        wrong_type(*n, "storage.max_object_bytes",
                   "bytes as an integer, or a size such as \"100MiB\"");
      }
    }
  }

  void read_category(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path,
               {"name", "kind", "retention", "starts", "retention_by_host", "retention_by_camera",
                "retention_by_outcome", "match", "disclosable", "erasable", "name_time", "name_camera", "replace",
                "ignore"});
    Category cat;
    cat.line = static_cast<int>(t.source().begin.line);
    if (auto name = required_string(t, path, "name")) {
      const toml::node& n = *t.get("name");
      if (!valid_name(*name))
        error(n, path + ".name", "expected 1 to 48 of a-z 0-9 _ -, got \"" + *name + "\"");
      else if (*name == "audit")
        error(n, path + ".name",
              "\"audit\" is the built-in audit trail; set its retention in [audit]");
      else if (c.find_category(*name))
        error(n, path + ".name", "category \"" + *name + "\" is defined twice");
      cat.name = *name;
    }
    if (auto kind = string_at(t, path, "kind")) {
      if (*kind == "object")
        cat.kind = Category::Kind::object;
      else if (*kind != "event")
        error(*t.get("kind"), path + ".kind",
              "expected \"event\" or \"object\", got \"" + *kind + "\"");
    }
    if (auto starts = string_at(t, path, "starts")) {
      if (*starts == "case_closed")
        cat.starts = Category::Starts::case_closed;
      else if (*starts != "event_time")
        error(*t.get("starts"), path + ".starts",
              "expected \"event_time\" or \"case_closed\", got \"" + *starts + "\"");
    }
    if (auto n = t.get("retention")) cat.retention = period_of(*n, path + ".retention");
    for (auto [key, map] : {std::pair{"retention_by_host", &cat.retention_by_host},
                            std::pair{"retention_by_camera", &cat.retention_by_camera},
                            std::pair{"retention_by_outcome", &cat.retention_by_outcome}}) {
      auto table = table_at(t, path, key, "a table such as { \"name\" = \"90d\" }");
      if (!table) continue;
      for (auto&& [k, v] : *table)
        if (auto p = period_of(v, join(path + "." + key, k.str())))
          (*map)[std::string(k.str())] = *p;
    }
    const toml::node* by_outcome = t.get("retention_by_outcome");
    if (by_outcome && cat.starts != Category::Starts::case_closed)
      error(*by_outcome, path + ".retention_by_outcome",
            "needs starts = \"case_closed\": an outcome exists only once a case is closed");
    if (!t.get("retention") && !(by_outcome && cat.starts == Category::Starts::case_closed))
      missing(t, path + ".retention",
              "required (or retention_by_outcome with starts = \"case_closed\")");
    if (auto m = table_at(t, path, "match", "a table such as { facility = [\"auth\"] }")) {
      // Objects arrive over HTTP already naming their category; a match would never run.
      if (cat.kind == Category::Kind::object)
        error(*t.get("match"), path + ".match",
              "only event categories match; objects name their category in PUT "
              "/v1/objects/{category}/...");
      read_match(*m, path + ".match", cat.match);
    }
    read_bool(t, path, "disclosable", cat.disclosable);
    read_bool(t, path, "erasable", cat.erasable);
    read_object_names(t, path, cat);
    c.categories.push_back(std::move(cat));
  }

  // What an object category reads from names (name_time, name_camera) and which names
  // it replaces or ignores on a repeated PUT.
  void read_object_names(const toml::table& t, const std::string& path, Category& cat) {
    const bool object = cat.kind == Category::Kind::object;
    for (const char* key : {"name_time", "name_camera", "replace", "ignore"})
      if (const toml::node* n = t.get(key); n && !object)
        error(*n, path + "." + key, "only object categories have names; events are read from their message");
    if (!object) return;
    if (auto text = string_at(t, path, "name_time")) {
      if (auto p = NameTime::parse(*text))
        cat.name_time = std::move(*p);
      else
        error(*t.get("name_time"), path + ".name_time", p.error().message);
    }
    if (auto text = string_at(t, path, "name_camera")) {
      if (auto p = NameCamera::parse(*text))
        cat.name_camera = std::move(*p);
      else
        error(*t.get("name_camera"), path + ".name_camera", p.error().message);
    }
    auto globs = [&](const char* key, std::vector<std::string>& out) {
      read_strings(t, path, key, [&](const std::string& v, const toml::node& n, const std::string& full) {
        if (auto ok = check_glob(v); !ok)
          error(n, full, ok.error().message);
        else
          out.push_back(v);
      });
    };
    globs("replace", cat.replace);
    if (t.get("ignore"))
      globs("ignore", cat.ignore);
    else
      cat.ignore = {"*.m3u8", "*.mpd"};  // recorders' playlists, rewritten after every segment
    for (const auto& g : cat.replace)
      if (std::find(cat.ignore.begin(), cat.ignore.end(), g) != cat.ignore.end() && t.get("ignore"))
        error(*t.get("ignore"), path + ".ignore", "\"" + g + "\" is in replace too: a name is replaced or ignored");
  }

  void read_match(const toml::table& t, const std::string& path, Match& m) {
    check_keys(t, path,
               {"facility", "severity", "app", "host", "msgid", "sd_id", "source", "regex"});
    read_strings(t, path, "facility",
                 [&](const std::string& v, const toml::node& n, const std::string& key) {
                   const int f = syslog::facility_from_name(v);
                   if (f < 0)
                     error(n, key,
                           "unknown facility \"" + v +
                               "\" (kern user mail daemon auth syslog lpr news uucp cron "
                               "authpriv ftp ntp security console solaris-cron local0..local7)");
                   else
                     m.facility.push_back(f);
                 });
    read_strings(t, path, "severity",
                 [&](const std::string& v, const toml::node& n, const std::string& key) {
                   const int s = syslog::severity_from_name(v);
                   if (s < 0)
                     error(n, key,
                           "unknown severity \"" + v +
                               "\" (emerg alert crit err warning notice info debug)");
                   else
                     m.severity.push_back(s);
                 });
    m.app = string_list(t, path, "app");
    m.host = string_list(t, path, "host");
    m.msgid = string_list(t, path, "msgid");
    m.sd_id = string_list(t, path, "sd_id");
    read_strings(t, path, "source",
                 [&](const std::string& v, const toml::node& n, const std::string& key) {
                   if (auto net = parse_network(v))
                     m.source.push_back(*net);
                   else
                     error(n, key, net.error().message);
                 });
    if (auto regex = string_at(t, path, "regex")) {
      const RE2 re(*regex, regex_options());
      if (!re.ok())
        error(*t.get("regex"), path + ".regex", "bad regex: " + re.error());
      else
        m.regex = *regex;
    }
  }

  void read_role(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path, {"name", "users", "groups", "actions", "categories"});
    Role r;
    if (auto name = required_string(t, path, "name")) {
      if (std::any_of(c.roles.begin(), c.roles.end(),
                      [&](const Role& o) { return o.name == *name; }))
        error(*t.get("name"), path + ".name", "role \"" + *name + "\" is defined twice");
      r.name = *name;
    }
    r.users = string_list(t, path, "users");
    r.groups = string_list(t, path, "groups");
    static const std::set<std::string> kActions{"query", "export", "hold",
                                                "erase", "purge",  "admin"};
    read_strings(
        t, path, "actions", [&](const std::string& v, const toml::node& n, const std::string& key) {
          if (kActions.contains(v))
            r.actions.push_back(v);
          else
            error(n, key, "unknown action \"" + v + "\" (query export hold erase purge admin)");
        });
    read_strings(t, path, "categories",
                 [&](const std::string& v, const toml::node& n, const std::string& key) {
                   r.categories.push_back(v);
                   role_categories_.push_back({v, n.source().begin, key});
                 });
    if (r.users.empty() && r.groups.empty()) missing(t, path, "a role needs users or groups");
    c.roles.push_back(std::move(r));
  }

  void read_extract(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path, {"name", "app", "pattern"});
    ExtractRuleConfig x;
    if (auto s = string_at(t, path, "name")) x.name = *s;
    if (x.name.empty()) x.name = path;  // the extractor names the rule in its messages
    if (auto s = string_at(t, path, "app")) x.app = *s;
    if (auto pattern = required_string(t, path, "pattern")) {
      const RE2 re(*pattern, regex_options());
      if (!re.ok())
        error(*t.get("pattern"), path + ".pattern", "bad regex: " + re.error());
      else if (re.NamedCapturingGroups().empty())
        error(*t.get("pattern"), path + ".pattern",
              "no named group such as (?P<user>\\w+): nothing to extract");
      x.pattern = *pattern;
    }
    c.extracts.push_back(std::move(x));
  }

  void read_sender(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path, {"name", "token_sha256", "categories", "camera"});
    Sender s;
    if (auto name = required_string(t, path, "name")) {
      if (std::any_of(c.senders.begin(), c.senders.end(),
                      [&](const Sender& o) { return o.name == *name; }))
        error(*t.get("name"), path + ".name", "sender \"" + *name + "\" is defined twice");
      s.name = *name;
    }
    if (auto token = required_string(t, path, "token_sha256")) {
      const toml::node& n = *t.get("token_sha256");
      const bool hex =
          token->size() == 64 && std::all_of(token->begin(), token->end(), [](char ch) {
            return std::isxdigit(static_cast<unsigned char>(ch));
          });
      std::transform(token->begin(), token->end(), token->begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (!hex)
        error(n, path + ".token_sha256",
              "expected 64 hex digits: the SHA-256 of the token (printf %s TOKEN | sha256sum), "
              "never the token");
      else if (std::any_of(c.senders.begin(), c.senders.end(),
                           [&](const Sender& o) { return o.token_sha256 == *token; }))
        error(n, path + ".token_sha256",
              "the same token as another sender: each sender needs its own");
      s.token_sha256 = *token;
    }
    read_strings(t, path, "categories",
                 [&](const std::string& v, const toml::node& n, const std::string& key) {
                   s.categories.push_back(v);
                   sender_categories_.push_back({v, n.source().begin, key});
                 });
    if (auto camera = string_at(t, path, "camera")) {
      // Kept on every record it names, like an X-Hokan-Camera header: the same rules.
      const bool control = std::any_of(camera->begin(), camera->end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
      });
      if (camera->empty() || camera->size() > 256 || control)
        error(*t.get("camera"), path + ".camera", "expected 1 to 256 bytes without control characters");
      else
        s.camera = *camera;
    }
    c.senders.push_back(std::move(s));
  }

  // Checks that need the whole file: names one part gives to another.
  void check_references(const toml::table& root, Config& c) {
    const toml::node* n = root.get("default_category");
    const toml::source_position at = n ? n->source().begin : kFileStart;
    if (!valid_name(c.default_category)) {
      error(at, "default_category",
            "expected 1 to 48 of a-z 0-9 _ -, got \"" + c.default_category + "\"");
    } else if (c.default_category == "audit") {
      error(at, "default_category",
            "\"audit\" is the built-in audit trail; events cannot go there");
    } else if (const Category* d = c.find_category(c.default_category)) {
      if (d->kind == Category::Kind::object)
        error(
            at, "default_category",
            "\"" + c.default_category + "\" is an object category; events need an event category");
    } else {
      // Undeclared: an event category kept for a year, as conf/hokan.toml documents, so a
      // small config needs no [[category]] at all.
      Category implicit;
      implicit.name = c.default_category;
      implicit.retention = Period{365, Period::Unit::days, "365d"};
      implicit.line = at.line;
      c.categories.push_back(std::move(implicit));
    }
    for (const auto& r : role_categories_)
      if (r.name != "*" && r.name != "audit" && !c.find_category(r.name))
        error(r.at, r.key,
              "no category named \"" + r.name + "\" (a defined category, \"audit\" or \"*\")");
    for (const auto& r : sender_categories_) {
      const Category* cat = c.find_category(r.name);
      if (!cat)
        error(r.at, r.key, "no category named \"" + r.name + "\"");
      else if (cat->kind != Category::Kind::object)
        error(r.at, r.key, "\"" + r.name + "\" is an event category; senders upload objects");
    }
    for (const auto& r : remote_categories_) {
      const Category* cat = c.find_category(r.name);
      if (!cat)
        error(r.at, r.key, "no category named \"" + r.name + "\"");
      else if (cat->kind != Category::Kind::object)
        error(r.at, r.key, "\"" + r.name + "\" is an event category; only objects go remote");
    }
  }

  std::string source_;
  std::vector<Problem> problems_;
  std::vector<Reference> role_categories_;
  std::vector<Reference> sender_categories_;
  std::vector<Reference> remote_categories_;
};

}  // namespace

LoadResult load_string(std::string_view toml, const std::string& source_name) {
  // Nothing but allocation failure should throw below; still, a reload runs inside the
  // daemon, so whatever escapes becomes an error line instead of ending the process.
  try {
    return Loader(source_name).load(toml);
  } catch (const std::exception& e) {
    return {nullptr, {source_name + ":1:1: cannot load: " + e.what()}};
  }
}

LoadResult load_file(const std::string& path) {
  // POSIX read rather than ifstream: a directory opens fine as a stream and reads as an
  // empty file, which would load as the defaults.
  auto cannot = [&](int err) {
    return LoadResult{nullptr, {path + ":1:1: cannot read the file: " + std::strerror(err)}};
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot(errno);
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return cannot(err);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return load_string(text, path);
}

std::shared_ptr<const Config> embedded_default() {
  static const std::shared_ptr<const Config> config = [] {
    auto loaded = load_string(embedded_default_text(), "<embedded default>");
    if (!loaded.config) {
      std::string all;
      for (const auto& e : loaded.errors) all += e + "\n";
      // Only a machine without tzdata or a broken build gets here; start-up cannot go on.
      throw std::runtime_error("the embedded default config does not load:\n" + all);
    }
    return loaded.config;
  }();
  return config;
}

}  // namespace hokan::config
