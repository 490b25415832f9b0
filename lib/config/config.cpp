#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "syslog/parser.h"

namespace hokan::config {
namespace {

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
  if (name.empty() || name.size() > 48) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool valid_address(std::string_view text) {
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string_view::npos || close < 2) return false;
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return false;
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= 65535;
}

// Reads one TOML document into Config, collecting every problem with its position.
class Loader {
 public:
  Loader(std::string source) : source_(std::move(source)) {}

  LoadResult load(std::string_view text) {
    auto config = std::make_shared<Config>();
    config->source_name = source_;
    toml::table root;
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      const auto& begin = e.source().begin;
      errors_.push_back(source_ + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                        ": " + std::string(e.description()));
      return {nullptr, errors_};
    }
    root_region_ = root.source();
    read_root(root, *config);
    if (!errors_.empty()) return {nullptr, errors_};
    return {config, {}};
  }

 private:
  std::string where(const toml::source_region& r) const {
    return source_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
  }
  void error(const toml::source_region& r, const std::string& key, const std::string& what) {
    errors_.push_back(where(r) + ": " + key + ": " + what);
  }
  void error(const toml::node& n, const std::string& key, const std::string& what) { error(n.source(), key, what); }

  // Reports keys of `table` not in `known`, with a hint when one is close.
  void check_keys(const toml::table& table, const std::string& path, std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : table) {
      std::string_view k = key.str();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string message = "unknown key";
      for (auto candidate : known)
        if (edit_distance(k, candidate) <= 2) {
          message += " (did you mean \"" + std::string(candidate) + "\"?)";
          break;
        }
      error(key.source(), join(path, k), message);
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  const toml::node* find(const toml::table& t, std::string_view key) { return t.get(key); }

  bool read_string(const toml::table& t, const std::string& path, std::string_view key, std::string& out) {
    const toml::node* n = find(t, key);
    if (!n) return false;
    if (auto s = n->as_string()) {
      out = s->get();
      return true;
    }
    error(*n, join(path, key), "expected a string");
    return false;
  }

  bool read_bool(const toml::table& t, const std::string& path, std::string_view key, bool& out) {
    const toml::node* n = find(t, key);
    if (!n) return false;
    if (auto b = n->as_boolean()) {
      out = b->get();
      return true;
    }
    error(*n, join(path, key), "expected true or false");
    return false;
  }

  // A string or an array of strings; calls `each(value, node, dotted key)`.
  template <typename F>
  void read_strings(const toml::table& t, const std::string& path, std::string_view key, F each) {
    const toml::node* n = find(t, key);
    if (!n) return;
    std::string full = join(path, key);
    if (auto s = n->as_string()) return each(s->get(), *n, full);
    auto array = n->as_array();
    if (!array) return error(*n, full, "expected a string or an array of strings");
    std::size_t i = 0;
    for (const auto& element : *array) {
      std::string element_key = full + "[" + std::to_string(i++) + "]";
      if (auto s = element.as_string()) each(s->get(), element, element_key);
      else error(element, element_key, "expected a string");
    }
  }

  std::vector<std::string> read_string_list(const toml::table& t, const std::string& path, std::string_view key) {
    std::vector<std::string> out;
    read_strings(t, path, key, [&](const std::string& v, const toml::node&, const std::string&) { out.push_back(v); });
    return out;
  }

  std::optional<Period> read_period(const toml::node& n, const std::string& key) {
    auto s = n.as_string();
    if (!s) {
      error(n, key, "expected a period string such as \"365d\"");
      return std::nullopt;
    }
    auto p = parse_period(s->get());
    if (!p) {
      error(n, key, p.error().message);
      return std::nullopt;
    }
    return *p;
  }

  const toml::table* section(const toml::table& root, std::string_view name) {
    const toml::node* n = find(root, name);
    if (!n) return nullptr;
    if (auto t = n->as_table()) return t;
    error(*n, std::string(name), "expected a table ([" + std::string(name) + "])");
    return nullptr;
  }

  void read_root(const toml::table& root, Config& c) {
    check_keys(root, "", {"daemon", "listen", "storage", "purge", "ledger", "audit", "default_category",
                          "category", "role", "extract", "sender"});
    if (auto t = section(root, "daemon")) read_daemon(*t, c);
    c.zone = core::TimeZone::utc();
    if (auto zone = core::TimeZone::load(c.daemon.timezone)) {
      c.zone = *zone;
    } else {
      const toml::node* n = section(root, "daemon") ? find(*section(root, "daemon"), "timezone") : nullptr;
      error(n ? n->source() : root_region_, "daemon.timezone", zone.error().message);
    }
    if (auto t = section(root, "listen")) read_listen(*t, c);
    if (auto t = section(root, "storage")) read_storage(*t, c);
    if (auto t = section(root, "purge")) {
      check_keys(*t, "purge", {"schedule"});
      std::string text;
      if (read_string(*t, "purge", "schedule", text)) {
        if (auto s = parse_schedule(text)) c.purge.schedule = *s;
        else error(*find(*t, "schedule"), "purge.schedule", s.error().message);
      }
    }
    for (auto [name, period] : {std::pair{"ledger", &c.ledger.retention}, std::pair{"audit", &c.audit.retention}}) {
      if (auto t = section(root, name)) {
        check_keys(*t, name, {"retention"});
        if (auto n = find(*t, "retention"))
          if (auto p = read_period(*n, join(name, "retention"))) *period = *p;
      }
    }
    read_string(root, "", "default_category", c.default_category);
    read_array_of_tables(root, "category", [&](const toml::table& t, const std::string& path) { read_category(t, path, c); });
    read_array_of_tables(root, "role", [&](const toml::table& t, const std::string& path) { read_role(t, path, c); });
    read_array_of_tables(root, "extract", [&](const toml::table& t, const std::string& path) {
      check_keys(t, path, {"name", "app", "pattern"});
      ExtractRuleConfig x;
      read_string(t, path, "name", x.name);
      read_string(t, path, "app", x.app);
      if (!read_string(t, path, "pattern", x.pattern)) error(t.source(), path + ".pattern", "required");
      if (x.name.empty()) x.name = path;
      c.extracts.push_back(std::move(x));
    });
    read_array_of_tables(root, "sender", [&](const toml::table& t, const std::string& path) {
      check_keys(t, path, {"name", "token_sha256", "categories"});
      Sender s;
      if (!read_string(t, path, "name", s.name)) error(t.source(), path + ".name", "required");
      if (read_string(t, path, "token_sha256", s.token_sha256)) {
        bool hex = s.token_sha256.size() == 64 &&
                   std::all_of(s.token_sha256.begin(), s.token_sha256.end(),
                               [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
        if (!hex)
          error(*find(t, "token_sha256"), path + ".token_sha256",
                "expected 64 hex digits: the SHA-256 of the token (sha256sum), never the token itself");
        std::transform(s.token_sha256.begin(), s.token_sha256.end(), s.token_sha256.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      } else {
        error(t.source(), path + ".token_sha256", "required");
      }
      s.categories = read_string_list(t, path, "categories");
      c.senders.push_back(std::move(s));
    });
    finish(root, c);
  }

  template <typename F>
  void read_array_of_tables(const toml::table& root, std::string_view name, F each) {
    const toml::node* n = find(root, name);
    if (!n) return;
    auto array = n->as_array();
    if (!array) return error(*n, std::string(name), "expected [[" + std::string(name) + "]] tables");
    std::size_t i = 0;
    for (const auto& element : *array) {
      std::string path = std::string(name) + "[" + std::to_string(i++) + "]";
      if (auto t = element.as_table()) each(*t, path);
      else error(element, path, "expected a table");
    }
  }

  void read_daemon(const toml::table& t, Config& c) {
    check_keys(t, "daemon", {"state_dir", "timezone", "log_level"});
    read_string(t, "daemon", "state_dir", c.daemon.state_dir);
    if (c.daemon.state_dir.empty()) error(t.source(), "daemon.state_dir", "must not be empty");
    read_string(t, "daemon", "timezone", c.daemon.timezone);
    if (read_string(t, "daemon", "log_level", c.daemon.log_level)) {
      static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};
      if (!kLevels.contains(c.daemon.log_level))
        error(*find(t, "log_level"), "daemon.log_level", "expected trace, debug, info, warn, error, critical or off");
    }
  }

  void read_listen(const toml::table& t, Config& c) {
    check_keys(t, "listen", {"udp", "tcp", "tls", "relp", "http", "control", "control_mode", "control_group"});
    auto addresses = [&](std::string_view key, std::vector<std::string>& out) {
      const toml::node* n = find(t, key);
      if (n && n->is_array()) out.clear();
      read_strings(t, "listen", key, [&](const std::string& v, const toml::node& node, const std::string& full) {
        if (!valid_address(v)) error(node, full, "expected \"host:port\" or \"[v6]:port\", got \"" + v + "\"");
        out.push_back(v);
      });
    };
    addresses("udp", c.listen.udp);
    addresses("tcp", c.listen.tcp);
    addresses("relp", c.listen.relp);
    if (const toml::node* n = find(t, "tls")) {
      auto array = n->as_array();
      if (!array) {
        error(*n, "listen.tls", "expected an array of { address, cert, key, ca } tables");
      } else {
        std::size_t i = 0;
        for (const auto& element : *array) {
          std::string path = "listen.tls[" + std::to_string(i++) + "]";
          auto table = element.as_table();
          if (!table) {
            error(element, path, "expected { address = ..., cert = ..., key = ... }");
            continue;
          }
          check_keys(*table, path, {"address", "cert", "key", "ca"});
          TlsListener l;
          if (!read_string(*table, path, "address", l.address)) error(element, path + ".address", "required");
          else if (!valid_address(l.address)) error(element, path + ".address", "expected \"host:port\"");
          if (!read_string(*table, path, "cert", l.cert)) error(element, path + ".cert", "required");
          if (!read_string(*table, path, "key", l.key)) error(element, path + ".key", "required");
          read_string(*table, path, "ca", l.ca);
          c.listen.tls.push_back(std::move(l));
        }
      }
    }
    if (read_string(t, "listen", "http", c.listen.http) && !c.listen.http.empty() && !valid_address(c.listen.http))
      error(*find(t, "http"), "listen.http", "expected \"host:port\"");
    if (read_string(t, "listen", "control", c.listen.control) && c.listen.control.empty())
      error(*find(t, "control"), "listen.control", "must not be empty");
    std::string mode;
    if (read_string(t, "listen", "control_mode", mode)) {
      bool octal = !mode.empty() && mode.size() <= 4 &&
                   std::all_of(mode.begin(), mode.end(), [](char ch) { return ch >= '0' && ch <= '7'; });
      if (!octal) error(*find(t, "control_mode"), "listen.control_mode", "expected an octal mode string such as \"0660\"");
      else c.listen.control_mode = static_cast<uint32_t>(std::stoul(mode, nullptr, 8));
    }
    read_string(t, "listen", "control_group", c.listen.control_group);
  }

  void read_storage(const toml::table& t, Config& c) {
    check_keys(t, "storage", {"sync", "max_message_bytes", "clock_skew", "max_object_bytes"});
    std::string sync;
    if (read_string(t, "storage", "sync", sync)) {
      if (sync == "always") c.storage.sync = Config::Storage::Sync::always;
      else if (sync == "batch") c.storage.sync = Config::Storage::Sync::batch;
      else if (sync == "none") c.storage.sync = Config::Storage::Sync::none;
      else error(*find(t, "sync"), "storage.sync", "expected \"always\", \"batch\" or \"none\", got \"" + sync + "\"");
    }
    if (const toml::node* n = find(t, "max_message_bytes")) {
      auto v = n->as_integer();
      if (!v || v->get() < 480 || v->get() > (16 << 20))
        error(*n, "storage.max_message_bytes", "expected an integer from 480 to 16777216");
      else c.storage.max_message_bytes = static_cast<uint32_t>(v->get());
    }
    if (const toml::node* n = find(t, "clock_skew")) {
      auto s = n->as_string();
      auto seconds = s ? parse_duration_seconds(s->get()) : Result<int64_t>(std::unexpected(Error{}));
      if (!seconds) error(*n, "storage.clock_skew", "expected a duration such as \"5min\" or \"300s\"");
      else c.storage.clock_skew_seconds = *seconds;
    }
    if (const toml::node* n = find(t, "max_object_bytes")) {
      if (auto v = n->as_integer(); v && v->get() > 0) {
        c.storage.max_object_bytes = static_cast<uint64_t>(v->get());
      } else if (auto s = n->as_string()) {
        std::string text = s->get();
        uint64_t scale = 1;
        for (auto [suffix, factor] : {std::pair{"GiB", 1ull << 30}, std::pair{"MiB", 1ull << 20}, std::pair{"KiB", 1ull << 10}})
          if (text.ends_with(suffix)) {
            scale = factor;
            text.resize(text.size() - 3);
            break;
          }
        char* end = nullptr;
        unsigned long long value = std::strtoull(text.c_str(), &end, 10);
        if (text.empty() || *end || value == 0) error(*n, "storage.max_object_bytes", "expected bytes, or \"100MiB\" / \"1GiB\"");
        else c.storage.max_object_bytes = value * scale;
      } else {
        error(*n, "storage.max_object_bytes", "expected bytes, or \"100MiB\" / \"1GiB\"");
      }
    }
  }

  void read_category(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path, {"name", "kind", "retention", "starts", "retention_by_host", "retention_by_camera",
                         "retention_by_outcome", "match", "disclosable", "erasable"});
    Category cat;
    cat.line = static_cast<int>(t.source().begin.line);
    if (!read_string(t, path, "name", cat.name)) {
      error(t.source(), path + ".name", "required");
    } else if (!valid_name(cat.name)) {
      error(*find(t, "name"), path + ".name", "expected 1 to 48 of a-z 0-9 _ -, got \"" + cat.name + "\"");
    } else if (cat.name == "audit") {
      error(*find(t, "name"), path + ".name", "\"audit\" is the built-in audit trail; set its retention in [audit]");
    } else if (c.find_category(cat.name)) {
      error(*find(t, "name"), path + ".name", "category \"" + cat.name + "\" is defined twice");
    }
    std::string kind;
    if (read_string(t, path, "kind", kind)) {
      if (kind == "object") cat.kind = Category::Kind::object;
      else if (kind != "event") error(*find(t, "kind"), path + ".kind", "expected \"event\" or \"object\"");
    }
    std::string starts;
    if (read_string(t, path, "starts", starts)) {
      if (starts == "case_closed") cat.starts = Category::Starts::case_closed;
      else if (starts != "event_time") error(*find(t, "starts"), path + ".starts", "expected \"event_time\" or \"case_closed\"");
    }
    if (auto n = find(t, "retention")) cat.retention = read_period(*n, path + ".retention");
    for (auto [key, map] : {std::pair{"retention_by_host", &cat.retention_by_host},
                            std::pair{"retention_by_camera", &cat.retention_by_camera},
                            std::pair{"retention_by_outcome", &cat.retention_by_outcome}}) {
      const toml::node* n = find(t, key);
      if (!n) continue;
      auto table = n->as_table();
      if (!table) {
        error(*n, path + "." + key, "expected a table such as { \"name\" = \"90d\" }");
        continue;
      }
      for (auto&& [k, v] : *table)
        if (auto p = read_period(v, path + "." + key + "." + std::string(k.str()))) (*map)[std::string(k.str())] = *p;
    }
    if (!cat.retention_by_outcome.empty() && cat.starts != Category::Starts::case_closed)
      error(*find(t, "retention_by_outcome"), path + ".retention_by_outcome", "only with starts = \"case_closed\"");
    if (!cat.retention && cat.retention_by_outcome.empty() && !find(t, "retention"))
      error(t.source(), path + ".retention", "required (or retention_by_outcome with starts = \"case_closed\")");
    if (const toml::node* n = find(t, "match")) {
      if (auto m = n->as_table()) read_match(*m, path + ".match", cat.match);
      else error(*n, path + ".match", "expected a table such as { facility = [\"auth\"] }");
    }
    read_bool(t, path, "disclosable", cat.disclosable);
    read_bool(t, path, "erasable", cat.erasable);
    c.categories.push_back(std::move(cat));
  }

  void read_match(const toml::table& t, const std::string& path, Match& m) {
    check_keys(t, path, {"facility", "severity", "app", "host", "msgid", "sd_id", "source", "regex"});
    read_strings(t, path, "facility", [&](const std::string& v, const toml::node& n, const std::string& key) {
      int f = syslog::facility_from_name(v);
      if (f < 0) error(n, key, "unknown facility \"" + v + "\" (kern, user, mail, daemon, auth, authpriv, local0..7, ...)");
      else m.facility.push_back(f);
    });
    read_strings(t, path, "severity", [&](const std::string& v, const toml::node& n, const std::string& key) {
      int s = syslog::severity_from_name(v);
      if (s < 0) error(n, key, "unknown severity \"" + v + "\" (emerg alert crit err warning notice info debug)");
      else m.severity.push_back(s);
    });
    m.app = read_string_list(t, path, "app");
    m.host = read_string_list(t, path, "host");
    m.msgid = read_string_list(t, path, "msgid");
    m.sd_id = read_string_list(t, path, "sd_id");
    read_strings(t, path, "source", [&](const std::string& v, const toml::node& n, const std::string& key) {
      auto net = parse_network(v);
      if (!net) error(n, key, net.error().message);
      else m.source.push_back(*net);
    });
    read_string(t, path, "regex", m.regex);
  }

  void read_role(const toml::table& t, const std::string& path, Config& c) {
    check_keys(t, path, {"name", "users", "groups", "actions", "categories"});
    Role r;
    if (!read_string(t, path, "name", r.name)) error(t.source(), path + ".name", "required");
    r.users = read_string_list(t, path, "users");
    r.groups = read_string_list(t, path, "groups");
    static const std::set<std::string> kActions{"query", "export", "hold", "erase", "purge", "admin"};
    read_strings(t, path, "actions", [&](const std::string& v, const toml::node& n, const std::string& key) {
      if (!kActions.contains(v)) error(n, key, "unknown action \"" + v + "\" (query export hold erase purge admin)");
      r.actions.push_back(v);
    });
    read_strings(t, path, "categories", [&](const std::string& v, const toml::node& n, const std::string& key) {
      r.categories.push_back(v);
      role_categories_.push_back({v, n.source(), key});
    });
    if (r.users.empty() && r.groups.empty()) error(t.source(), path, "a role needs users or groups");
    c.roles.push_back(std::move(r));
  }

  // Checks that need the whole file: references between sections.
  void finish(const toml::table& root, Config& c) {
    if (!valid_name(c.default_category)) {
      const toml::node* n = find(root, "default_category");
      error(n ? n->source() : root_region_, "default_category", "expected a category name");
    } else if (const Category* d = c.find_category(c.default_category)) {
      if (d->kind == Category::Kind::object)
        error(find(root, "default_category") ? find(root, "default_category")->source() : root_region_,
              "default_category", "\"" + c.default_category + "\" is an object category; events need an event category");
    } else {
      // Undeclared: implicitly an event category kept for a year (documented in hokan.toml).
      Category implicit;
      implicit.name = c.default_category;
      implicit.retention = Period{365, Period::Unit::days, "365d"};
      c.categories.push_back(std::move(implicit));
    }
    for (const auto& [name, region, key] : role_categories_)
      if (name != "*" && name != "audit" && !c.find_category(name))
        error(region, key, "no category named \"" + name + "\"");
    for (std::size_t i = 0; i < c.senders.size(); ++i)
      for (const auto& name : c.senders[i].categories) {
        const Category* cat = c.find_category(name);
        if (!cat || cat->kind != Category::Kind::object)
          error(root_region_, "sender[" + std::to_string(i) + "].categories", "no object category named \"" + name + "\"");
      }
  }

  std::string source_;
  toml::source_region root_region_;
  std::vector<std::string> errors_;
  struct RoleCategory {
    std::string name;
    toml::source_region region;
    std::string key;
  };
  std::vector<RoleCategory> role_categories_;
};

}  // namespace

LoadResult load_string(std::string_view toml, const std::string& source_name) {
  return Loader(source_name).load(toml);
}

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {nullptr, {path + ":1:1: cannot read the file"}};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_string(buffer.str(), path);
}

std::shared_ptr<const Config> embedded_default() {
  static const std::shared_ptr<const Config> config = [] {
    auto loaded = load_string(embedded_default_text(), "<embedded default>");
    if (!loaded.config) {
      std::string all;
      for (const auto& e : loaded.errors) all += e + "\n";
      throw std::logic_error("the embedded default config does not load:\n" + all);  // a build bug
    }
    return loaded.config;
  }();
  return config;
}

}  // namespace hokan::config
