#include "cli/hokanctl.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "api/protocol.h"
#include "cli/args.h"
#include "cli/format.h"
#include "config/config.h"
#include "core/base64.h"
#include "core/ip.h"
#include "core/quote.h"
#include "core/time_format.h"
#include "core/utf8.h"

namespace hokan::cli {
using nlohmann::json;
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnavailable = 69;

constexpr const char* kUsage =
    "usage: hokanctl [--socket PATH | --config FILE] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  query    --purpose TEXT [--since T] [--until T] [--category C] [--host H]\n"
    "           [--app A] [--user U] [--ip ADDR] [--grep TEXT | --regex RE] [--limit N]\n"
    "           [--reverse] [--format table|json|csv|raw] [--count] [--follow]\n"
    "  subject find (--user U | --ip ADDR) --purpose TEXT [--format table|json]\n"
    "           everything kept about one person, by category (開示等の請求)\n"
    "  subject erase (--user U | --ip ADDR) [--category C] --reason TEXT\n"
    "  export --purpose TEXT [--anonymize --key-file K] [query filters] [--format json|csv|raw]\n"
    "  object list --category C [--camera X] [--since T] [--until T] --purpose TEXT\n"
    "           [--format table|json]\n"
    "  object get CATEGORY NAME --purpose TEXT -o FILE   the object's bytes, unchanged\n"
    "  status   what the daemon has written and holds\n"
    "  categories   the categories you may query, one per line\n"
    "  purge now | purge --dry-run   [--category C]\n"
    "           destroy what has expired (or say what would go), per category you may purge\n"
    "  case close ID [--outcome O] --reason TEXT     start a case's retention clock\n"
    "  case list [--open | --closed] [--format table|json]\n"
    "  hold place NAME --reason TEXT [--category C] [--since T] [--until T] [--host H]\n"
    "           [--camera X] [--user U] [--ip A] [--case ID]   keep matching records\n"
    "  hold release NAME --reason TEXT\n"
    "  hold list [--format table|json]\n"
    "  ledger [--since T] [--format table|json]       destruction receipts\n"
    "  verify [--category C] [--since T] [--until T] [--remote] [--format table|json]\n"
    "           check every bucket against its seal chain (tamper evidence)\n"
    "\n"
    "Times: 2026-11-01, \"2026-11-01 03:12:00\", RFC 3339, now, today, yesterday,\n"
    "-2h, +1h, -30min, -7d (the daemon's time zone unless an offset is given).\n"
    "Repeated --host/--app/--user/--ip/--category: OR within one, AND across them.\n"
    "Ranges are half-open: [--since, --until). --user matches su/sudo targets too.\n"
    "--ip ADDR matches every address a record names, in any form (2001:DB8::1,\n"
    "::ffff:192.0.2.1); --ip 198.51.100.0/24 matches a prefix (scans the whole range).\n"
    "--format raw: the bytes received, one record a line; \\ \\n \\r \\0 escape\n"
    "backslash, LF, CR and NUL.\n";

// Usage errors are one line, like every other message, and exit 2.
int usage_error(std::string message) {
  for (char& c : message)  // option names and paths are shown as typed
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  std::fprintf(stderr, "hokanctl: %s (see hokanctl --help)\n", message.c_str());
  return kExitUsage;
}

// A typo in an address is a usage error before anything is sent (the daemon reads the
// values again and refuses what it cannot read).
std::optional<int> check_ips(const Args& args) {
  for (const auto& text : args.values("ip"))
    if (auto prefix = core::parse_ip_prefix(text); !prefix)
      return usage_error("bad --ip: " + prefix.error().message);
  return std::nullopt;
}

// Sends one request and dispatches the answer frames. Returns the exit code.
class Session {
 public:
  using EventSink = std::function<void(const json&, std::string_view)>;
  // Receives the bytes of `object get`; false stops with an error.
  std::function<bool(std::string_view)> on_data;

  int run(const std::string& socket, const json& request, const EventSink& on_event,
          json* done_out = nullptr, json* result_out = nullptr) {
    auto fd = api::connect_unix(socket);
    if (!fd) {
      std::fprintf(stderr, "hokanctl: %s\n", fd.error().message.c_str());
      return kExitUnavailable;
    }
    int code = exchange(*fd, request, on_event, done_out, result_out);
    ::close(*fd);
    return code;
  }

 private:
  int exchange(int fd, const json& request, const EventSink& on_event, json* done_out, json* result_out) {
    if (auto sent = api::write_frame(fd, request.dump(-1, ' ', false, json::error_handler_t::replace)); !sent) {
      // A daemon that turns the connection away (busy) answers before it reads: say its
      // reason, not "Broken pipe".
      auto answer = api::read_frame(fd);
      json refusal = answer ? json::parse(*answer, nullptr, false) : json();
      if (refusal.is_object() && refusal.contains("error") && refusal["error"].is_string())
        std::fprintf(stderr, "hokanctl: %s\n", refusal["error"].get<std::string>().c_str());
      else
        std::fprintf(stderr, "hokanctl: the daemon closed the connection before taking the request (%s)\n",
                     sent.error().message.c_str());
      return kExitUnavailable;
    }
    bool progress_shown = false;
    // Progress only for a person watching: stdout on a terminal (not a pipe to jq).
    bool tty = ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO);
    while (true) {
      auto frame = api::read_frame(fd);
      if (!frame) {
        if (progress_shown) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "hokanctl: the daemon closed the connection before finishing\n");
        return kExitFailed;
      }
      if (!frame->empty() && (*frame)[0] == '\0') {
        if (!on_data || !on_data(std::string_view(*frame).substr(1))) {
          std::fprintf(stderr, "hokanctl: cannot write the object's bytes\n");
          return kExitFailed;
        }
        continue;
      }
      // Records pass through as the daemon wrote them; only their object is parsed.
      if (frame->starts_with("{\"event\":")) {
        std::string_view text(*frame);
        text = text.substr(9, text.size() - 10);
        json record = json::parse(text, nullptr, false);
        if (progress_shown) {
          std::fputs("\r\033[K", stderr);
          progress_shown = false;
        }
        on_event(record, text);
        continue;
      }
      json message = json::parse(*frame, nullptr, false);
      if (message.is_discarded()) {
        std::fprintf(stderr, "hokanctl: unreadable answer from the daemon\n");
        return kExitFailed;
      }
      if (auto it = message.find("progress"); it != message.end()) {
        if (tty) {
          std::fprintf(stderr, "\r\033[Kscanning... at %s, %s examined, %s matched",
                       it->value("at", "").c_str(), std::to_string(it->value("examined", 0ull)).c_str(),
                       std::to_string(it->value("matched", 0ull)).c_str());
          progress_shown = true;
        }
        continue;
      }
      if (progress_shown) {
        std::fputs("\r\033[K", stderr);
        progress_shown = false;
      }
      if (auto it = message.find("line"); it != message.end()) {
        std::printf("%s\n", it->get<std::string>().c_str());
      } else if (auto it2 = message.find("result"); it2 != message.end()) {
        if (result_out) *result_out = *it2;
      } else if (auto it3 = message.find("error"); it3 != message.end()) {
        std::fprintf(stderr, "hokanctl: %s\n", it3->get<std::string>().c_str());
        return kExitFailed;
      } else if (auto it4 = message.find("done"); it4 != message.end()) {
        if (done_out) *done_out = *it4;
        return 0;
      }
    }
  }
};

// Prints a table of `rows` (each a list of cells) under `header`, columns aligned.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i].empty() ? "-" : row[i];
      if (i + 1 < row.size()) line.append(widths[i] - std::max<std::size_t>(row[i].size(), 1) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string cell(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int request_lines(const std::string& socket, const json& request) {
  return Session().run(socket, request, [](const json&, std::string_view) {});
}

int purge(const std::string& socket, const Args& args) {
  bool dry_run = args.flags.contains("dry-run");
  bool now = args.positional.size() > 1 && args.positional[1] == "now";
  if (dry_run == now) return usage_error("say \"purge now\" or \"purge --dry-run\"");
  if (args.positional.size() > (now ? 2u : 1u)) return usage_error("unexpected argument " + core::quoted(args.positional.back()) + " for purge");
  json request = {{"op", "purge"}, {"dry_run", dry_run}};
  if (args.has("category")) request["category"] = args.values("category");
  return request_lines(socket, request);
}

int cases(const std::string& socket, const Args& args) {
  std::string sub = args.positional.size() > 1 ? args.positional[1] : "";
  if (sub == "close") {
    if (args.positional.size() != 3) return usage_error("case close needs one case id");
    if (args.value("reason").empty()) return usage_error("case close needs --reason TEXT");
    return request_lines(socket, {{"op", "case_close"}, {"id", args.positional[2]}, {"reason", args.value("reason")},
                                  {"outcome", args.value("outcome")}});
  }
  if (sub == "list") {
    std::string which = args.flags.contains("open") ? "open" : args.flags.contains("closed") ? "closed" : "";
    json result;
    int code = Session().run(socket, {{"op", "case_list"}, {"which", which}}, [](const json&, std::string_view) {},
                             nullptr, &result);
    if (code != 0) return code;
    if (args.value("format", "table") == "json") {
      for (const auto& c : result.value("cases", json::array())) std::printf("%s\n", c.dump().c_str());
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : result.value("cases", json::array()))
      rows.push_back({cell(c, "id"), cell(c, "category"), cell(c, "state"), cell(c, "opened"), cell(c, "closed"),
                      cell(c, "outcome"), cell(c, "closed_by")});
    print_table({"CASE", "CATEGORY", "STATE", "OPENED", "CLOSED", "OUTCOME", "BY"}, rows);
    return 0;
  }
  return usage_error("case takes close or list");
}

int holds(const std::string& socket, const Args& args) {
  std::string sub = args.positional.size() > 1 ? args.positional[1] : "";
  if (sub == "place") {
    if (args.positional.size() != 3) return usage_error("hold place needs one hold name");
    if (args.value("reason").empty()) return usage_error("hold place needs --reason TEXT");
    if (auto bad = check_ips(args)) return *bad;
    json request = {{"op", "hold_place"}, {"name", args.positional[2]}, {"reason", args.value("reason")}};
    std::string filter_text;
    for (const char* many : {"category", "host", "camera", "user", "ip", "case"})
      for (const auto& v : args.values(many)) {
        request[many].push_back(v);
        filter_text += std::string(filter_text.empty() ? "" : " ") + "--" + many + " " + v;
      }
    for (const char* single : {"since", "until"})
      if (args.has(single)) {
        request[single] = args.value(single);
        filter_text += std::string(filter_text.empty() ? "" : " ") + "--" + single + " " + args.value(single);
      }
    request["filter_text"] = filter_text.empty() ? "everything" : filter_text;
    return request_lines(socket, request);
  }
  if (sub == "release") {
    if (args.positional.size() != 3) return usage_error("hold release needs one hold name");
    if (args.value("reason").empty()) return usage_error("hold release needs --reason TEXT");
    return request_lines(socket, {{"op", "hold_release"}, {"name", args.positional[2]}, {"reason", args.value("reason")}});
  }
  if (sub == "list") {
    json result;
    int code = Session().run(socket, {{"op", "hold_list"}}, [](const json&, std::string_view) {}, nullptr, &result);
    if (code != 0) return code;
    if (args.value("format", "table") == "json") {
      for (const auto& h : result.value("holds", json::array())) std::printf("%s\n", h.dump().c_str());
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : result.value("holds", json::array()))
      rows.push_back({cell(h, "name"), cell(h, "placed"), cell(h, "placed_by"), cell(h, "filter"), cell(h, "reason")});
    print_table({"HOLD", "PLACED", "BY", "FILTER", "REASON"}, rows);
    return 0;
  }
  return usage_error("hold takes place, release or list");
}

int ledger(const std::string& socket, const Args& args) {
  json request = {{"op", "ledger"}};
  if (args.has("since")) request["since"] = args.value("since");
  json result;
  int code = Session().run(socket, request, [](const json&, std::string_view) {}, nullptr, &result);
  if (code != 0) return code;
  if (args.value("format", "table") == "json") {
    for (const auto& r : result.value("receipts", json::array())) std::printf("%s\n", r.dump().c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : result.value("receipts", json::array())) {
    std::string rules;
    for (const auto& rule : r.value("rule", json::array())) rules += (rules.empty() ? "" : "; ") + rule.get<std::string>();
    const auto& held = r.value("held_back", json::object());
    std::string held_text = std::to_string(held.value("count", 0ull));
    for (const auto& h : held.value("holds", json::array())) held_text += " " + h.get<std::string>();
    rows.push_back({cell(r, "time"), cell(r, "category"), cell(r, "from"), cell(r, "until"), cell(r, "records"),
                    cell(r, "bytes"), cell(r, "reason"), cell(r, "by"), held_text, rules});
  }
  print_table({"TIME", "CATEGORY", "FROM", "UNTIL", "RECORDS", "BYTES", "REASON", "BY", "HELD_BACK", "RULE"}, rows);
  return 0;
}

// Exit status 0 when every bucket checked is intact, 1 when any is not.
int verify(const std::string& socket, const Args& args) {
  json request = {{"op", "verify"}};
  if (args.flags.contains("remote")) request["remote"] = true;
  for (const char* single : {"since", "until"})
    if (args.has(single)) request[single] = args.value(single);
  if (args.has("category")) request["category"] = args.values("category");
  json result;
  int code = Session().run(socket, request, [](const json&, std::string_view) {}, nullptr, &result);
  if (code != 0) return code;
  bool intact = true;
  const auto& buckets = result.value("buckets", json::array());
  for (const auto& b : buckets) intact = intact && b.value("problems", json::array()).empty();
  if (args.value("format", "table") == "json") {
    for (const auto& b : buckets) std::printf("%s\n", b.dump().c_str());
    return intact ? 0 : 1;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : buckets) {
    const auto& problems = b.value("problems", json::array());
    std::string status = problems.empty() ? "intact" : std::to_string(problems.size()) + " problem(s)";
    rows.push_back({cell(b, "category"), cell(b, "day"), cell(b, "lane"), cell(b, "blocks"), cell(b, "links"), status,
                    cell(b, "head").substr(0, 16)});
    for (const auto& p : problems)
      rows.push_back({"", "", "", "", "", "  " + cell(p, "kind"), cell(p, "time") + " " + cell(p, "detail")});
  }
  print_table({"CATEGORY", "DAY", "LANE", "BLOCKS", "LINKS", "STATUS", "HEAD"}, rows);
  std::fprintf(stderr, "%zu bucket(s) checked: %s\n", buckets.size(),
               intact ? "all intact" : "TAMPERING OR DAMAGE FOUND");
  return intact ? 0 : 1;
}

constexpr const char* kPurposeRequired =
    "a purpose is required for every read: add --purpose TEXT (an incident or request number)";

// Fills the filter keys every record-reading command shares.
std::optional<int> add_filters(const Args& args, json& request) {
  if (args.has("grep") && args.has("regex")) return usage_error("give --grep or --regex, not both");
  for (const char* single : {"purpose", "since", "until", "regex"})
    if (args.has(single)) request[single] = args.value(single);
  if (args.has("grep")) {
    // --grep looks for bytes; the protocol is JSON text, which cannot carry bytes that
    // are not UTF-8: those go as base64.
    std::string needle = args.value("grep");
    if (core::valid_utf8(needle))
      request["grep"] = needle;
    else
      request["grep_b64"] = core::base64_encode(needle);
  }
  if (auto bad = check_ips(args)) return *bad;
  for (const char* many : {"category", "host", "app", "user", "ip"})
    if (args.has(many)) request[many] = args.values(many);
  if (args.has("limit")) {
    char* end = nullptr;
    std::string text = args.value("limit");
    unsigned long long n = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end || text[0] == '-') return usage_error("--limit needs a number, got " + core::quoted(text));
    request["limit"] = n;
  }
  request["reverse"] = args.flags.contains("reverse");
  return std::nullopt;
}

int export_records(const std::string& socket, const Args& args) {
  if (args.value("purpose").empty()) return usage_error(kPurposeRequired);
  json request = {{"op", "export"}};
  if (auto bad = add_filters(args, request)) return *bad;
  if (args.flags.contains("anonymize")) {
    std::string path = args.value("key-file");
    if (path.empty()) return usage_error("--anonymize needs --key-file K (a secret of 16 bytes or more)");
    std::ifstream in(path, std::ios::binary);
    if (!in) return usage_error("cannot read the key file " + path);
    request["anonymize"] = true;
    // Hex: a key is bytes, and the protocol carries JSON text.
    std::string key((std::istreambuf_iterator<char>(in)), {}), hex;
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : key) {
      hex.push_back(kHex[c >> 4]);
      hex.push_back(kHex[c & 15]);
    }
    request["key_hex"] = hex;
  }
  std::string format = args.value("format", "json");
  if (format != "json" && format != "csv" && format != "raw")
    return usage_error("export writes --format json, csv or raw");
  auto formatter = RecordFormatter::create(format, stdout);
  int code = Session().run(socket, request, [&](const json& r, std::string_view text) { (*formatter)->record(r, text); });
  (*formatter)->finish();
  return code;
}

int subject(const std::string& socket, const Args& args) {
  std::string sub = args.positional.size() > 1 ? args.positional[1] : "";
  if (args.has("user") == args.has("ip")) return usage_error("subject " + sub + " needs --user U or --ip ADDR");
  if (auto bad = check_ips(args)) return *bad;
  if (sub == "erase") {
    if (args.value("reason").empty()) return usage_error("subject erase needs --reason TEXT");
    json request = {{"op", "subject_erase"}, {"reason", args.value("reason")}};
    for (const char* many : {"user", "ip", "category"})
      if (args.has(many)) request[many] = args.values(many);
    return request_lines(socket, request);
  }
  if (sub != "find") return usage_error("subject takes find or erase");
  if (args.value("purpose").empty()) return usage_error(kPurposeRequired);
  json request = {{"op", "subject_find"}, {"purpose", args.value("purpose")}};
  for (const char* many : {"user", "ip"})
    if (args.has(many)) request[many] = args.values(many);
  bool as_json = args.value("format", "table") == "json";
  std::map<std::string, std::vector<std::vector<std::string>>> rows;
  json result;
  int code = Session().run(
      socket, request,
      [&](const json& r, std::string_view text) {
        if (as_json) std::printf("%.*s\n", static_cast<int>(text.size()), text.data());
        else rows[cell(r, "category")].push_back({cell(r, "time"), cell(r, "host"), cell(r, "app"), cell(r, "message")});
      },
      nullptr, &result);
  if (code != 0 || as_json) return code;
  for (const auto& g : result.value("categories", json::array())) {
    std::string name = cell(g, "category");
    std::printf("== %s: %s records, %s to %s%s\n", name.c_str(), cell(g, "records").c_str(), cell(g, "from").c_str(),
                cell(g, "until").c_str(),
                g.value("disclosable", true) ? "" : "  [not disclosed under the policy (disclosable = false)]");
    print_table({"TIME", "HOST", "APP", "MESSAGE"}, rows[name]);
    std::printf("\n");
  }
  if (result.value("categories", json::array()).empty()) std::printf("nothing is kept about this person\n");
  return 0;
}

int object(const std::string& socket, const Args& args) {
  std::string sub = args.positional.size() > 1 ? args.positional[1] : "";
  if (args.value("purpose").empty()) return usage_error(kPurposeRequired);
  if (sub == "list") {
    if (args.value("category").empty()) return usage_error("object list needs --category C");
    json request = {{"op", "object_list"}, {"category", args.value("category")}, {"purpose", args.value("purpose")}};
    for (const char* single : {"since", "until"})
      if (args.has(single)) request[single] = args.value(single);
    if (args.has("camera")) request["camera"] = args.values("camera");
    bool as_json = args.value("format", "table") == "json";
    std::vector<std::vector<std::string>> rows;
    int code = Session().run(socket, request, [&](const json& r, std::string_view text) {
      if (as_json) {
        std::printf("%.*s\n", static_cast<int>(text.size()), text.data());
        return;
      }
      const auto& f = r.value("fields", json::object());
      rows.push_back({cell(r, "time"), f.value("end", ""), cell(r, "host"), cell(r, "message"), f.value("size", ""),
                      f.value("sha256", "").substr(0, 16)});
    });
    if (code == 0 && !as_json && !rows.empty()) print_table({"TIME", "END", "CAMERA/HOST", "NAME", "BYTES", "SHA256"}, rows);
    return code;
  }
  if (sub != "get") return usage_error("object takes list or get");
  if (args.positional.size() != 4) return usage_error("object get needs CATEGORY NAME");
  std::string path = args.value("output");
  if (path.empty()) return usage_error("object get needs -o FILE (or --output FILE)");
  std::string partial = path + ".partial";
  FILE* file = std::fopen(partial.c_str(), "wb");
  if (!file) return usage_error("cannot write " + partial);
  Session session;
  session.on_data = [file](std::string_view bytes) { return std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size(); };
  int code = session.run(socket, {{"op", "object_get"}, {"category", args.positional[2]}, {"name", args.positional[3]},
                                  {"purpose", args.value("purpose")}},
                         [](const json&, std::string_view) {});
  bool closed = std::fclose(file) == 0;
  // Only a complete copy gets the name asked for.
  if (code == 0 && closed && std::rename(partial.c_str(), path.c_str()) == 0) return 0;
  std::remove(partial.c_str());
  return code ? code : kExitFailed;
}

int query(const std::string& socket, const Args& args) {
  if (args.value("purpose").empty()) return usage_error(kPurposeRequired);
  json request = {{"op", "query"}, {"follow", args.flags.contains("follow")}};
  if (auto bad = add_filters(args, request)) return *bad;
  bool count = args.flags.contains("count");
  request["count"] = count;
  // Followed output must appear as it comes: no table sizing, no stdio buffering.
  std::string format = args.value("format", args.flags.contains("follow") ? "raw" : "table");
  auto formatter = RecordFormatter::create(format, stdout);
  if (!formatter) return usage_error(formatter.error().message);
  if (args.flags.contains("follow")) std::setvbuf(stdout, nullptr, _IOLBF, 0);
  json done;
  int code = Session().run(socket, request,
                           [&](const json& r, std::string_view text) { (*formatter)->record(r, text); }, &done);
  if (count) {
    if (code == 0) std::printf("%llu\n", done.value("count", 0ull));
  } else {
    (*formatter)->finish();
  }
  if (uint64_t corrupt = done.is_object() ? done.value("corrupt", 0ull) : 0)
    std::fprintf(stderr, "hokanctl: %llu damaged blocks or records were skipped (hokanctl verify says where)\n",
                 static_cast<unsigned long long>(corrupt));
  return code;
}

int status(const std::string& socket) {
  json result;
  int code = Session().run(socket, {{"op", "status"}}, [](const json&, std::string_view) {}, nullptr, &result);
  if (code == 0) std::printf("%s\n", result.dump(2).c_str());
  return code;
}

}  // namespace

std::string resolve_socket(const std::string& socket_option, const std::string& config_option,
                           std::string& error) {
  if (!socket_option.empty()) return socket_option;
  if (const char* env = std::getenv("HOKAN_SOCKET"); env && *env) return env;
  if (!config_option.empty()) {
    auto loaded = config::load_file(config_option);
    if (!loaded.config) {
      error = loaded.errors.empty() ? "cannot load " + config_option : loaded.errors.front();
      return {};
    }
    return loaded.config->listen.control;
  }
  const std::string system_socket = "/run/hokan/hokan.sock";
  const std::string default_build = "./var/hokan.sock";
  std::error_code ec;
  if (!std::filesystem::exists(system_socket, ec) && std::filesystem::exists(default_build, ec))
    return default_build;
  return system_socket;
}

namespace {

// What each command (and subcommand) accepts: an option another command takes is
// still refused here, so nothing typed is silently ignored.
struct CommandSpec {
  std::string name;  // "query", "hold place", ...
  ArgSpec spec;
  int (*run)(const std::string& socket, const Args& args);
};

const std::set<std::string> kFilterOptions = {"purpose", "since", "until", "category", "host", "app",
                                               "user",    "ip",    "grep",  "regex",    "limit"};

std::set<std::string> with(std::set<std::string> base, std::initializer_list<const char*> more) {
  for (const char* m : more) base.insert(m);
  return base;
}

int categories(const std::string& socket, const Args&) {
  json result;
  int code = Session().run(socket, {{"op", "categories"}}, [](const json&, std::string_view) {}, nullptr, &result);
  if (code != 0) return code;
  for (const auto& c : result.value("categories", json::array())) std::printf("%s\n", c.get<std::string>().c_str());
  return 0;
}

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"query", {with(kFilterOptions, {"format"}), {"reverse", "count", "follow"}}, query},
      {"export", {with(kFilterOptions, {"format", "key-file"}), {"reverse", "anonymize"}}, export_records},
      {"status", {{}, {}}, [](const std::string& socket, const Args&) { return status(socket); }},
      {"categories", {{}, {}}, categories},
      {"purge", {{"category"}, {"dry-run"}}, purge},
      {"case close", {{"reason", "outcome"}, {}}, cases},
      {"case list", {{"format"}, {"open", "closed"}}, cases},
      {"hold place", {{"reason", "category", "since", "until", "host", "camera", "user", "ip", "case"}, {}}, holds},
      {"hold release", {{"reason"}, {}}, holds},
      {"hold list", {{"format"}, {}}, holds},
      {"ledger", {{"since", "format"}, {}}, ledger},
      {"verify", {{"category", "since", "until", "format"}, {"remote"}}, verify},
      {"subject find", {{"user", "ip", "purpose", "format"}, {}}, subject},
      {"subject erase", {{"user", "ip", "category", "reason"}, {}}, subject},
      {"object list", {{"category", "camera", "since", "until", "purpose", "format"}, {}}, object},
      {"object get", {{"purpose", "output"}, {}}, object},
  };
  return table;
}

// Options every command takes: where the daemon is, and help.
const std::set<std::string> kGlobalOptions = {"socket", "config"};

// The command words of argv: the first word that is not an option or a global option's
// value, and the next one when the command has subcommands.
std::vector<std::string> command_words(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < argv.size() && words.size() < 2; ++i) {
    const std::string& a = argv[i];
    if (a.starts_with("--")) {
      std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
      if (kGlobalOptions.contains(name) && a.find('=') == std::string::npos) ++i;
      if (words.empty()) continue;
      break;  // options of the command: its subcommand, if any, came first
    }
    words.push_back(a);
  }
  return words;
}

}  // namespace

int run_hokanctl(const std::vector<std::string>& given) {
  // "-o FILE" is the one short option (object get), as in curl and wget.
  std::vector<std::string> argv = given;
  for (auto& a : argv)
    if (a == "-o") a = "--output";
  if (std::find(argv.begin(), argv.end(), "--help") != argv.end()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto words = command_words(argv);
  if (words.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const CommandSpec* command = nullptr;
  for (const auto& c : commands()) {
    if (c.name == words[0] || (words.size() > 1 && c.name == words[0] + " " + words[1])) {
      if (!command || c.name.size() > command->name.size()) command = &c;
    }
  }
  if (!command) {
    bool has_subcommands = false;
    std::string choices;
    for (const auto& c : commands())
      if (c.name.starts_with(words[0] + " ")) {
        has_subcommands = true;
        choices += (choices.empty() ? "" : ", ") + c.name.substr(words[0].size() + 1);
      }
    if (has_subcommands) return usage_error(words[0] + " takes " + choices);
    return usage_error("unknown command " + core::quoted(words[0]));
  }
  ArgSpec spec = command->spec;
  spec.options.insert(kGlobalOptions.begin(), kGlobalOptions.end());
  auto args = parse_args(argv, spec);
  if (!args) return usage_error(args.error().message + " for " + command->name);
  std::string error;
  std::string socket = resolve_socket(args->value("socket"), args->value("config"), error);
  if (socket.empty()) {
    std::fprintf(stderr, "hokanctl: %s\n", error.c_str());
    return kExitUsage;
  }
  // Times are checked here, so a typo is a usage error before anything is sent; the
  // daemon reads them again in its own time zone.
  for (const char* key : {"since", "until"})
    for (const auto& text : args->values(key))
      if (auto t = core::parse_time(text, core::now_us(), *core::TimeZone::utc()); !t)
        return usage_error("bad --" + std::string(key) + ": " + t.error().message);
  std::size_t words_used = command->name.find(' ') == std::string::npos ? 1 : 2;
  if (command->name != "case close" && command->name != "hold place" && command->name != "hold release" &&
      command->name != "object get" && command->name != "purge" && args->positional.size() > words_used)
    return usage_error("unexpected argument " + core::quoted(args->positional[words_used]) + " for " + command->name);
  return command->run(socket, *args);
}

}  // namespace hokan::cli
