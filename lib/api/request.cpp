#include "api/request.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/base64.h"
#include "core/quote.h"
#include "core/sha256.h"
#include "store/event_match.h"

namespace hokan::api {
using nlohmann::json;
namespace {

// A request is an object of scalars and lists of strings: two levels. Anything deeper
// is refused before a JSON tree is built, so no input can make parsing, copying or
// destroying the tree recurse deeply.
constexpr int kMaxDepth = 3;

// Size limits per field. Generous for people, small enough that no request can make the
// daemon hold or write much on its behalf (the audit trail keeps a digest anyway).
constexpr std::size_t kPurposeBytes = 512;
constexpr std::size_t kReasonBytes = 4096;
constexpr std::size_t kTimeBytes = 64;
constexpr std::size_t kPatternBytes = 4096;
constexpr std::size_t kNameBytes = 256;
constexpr std::size_t kListItems = 1000;
constexpr std::size_t kItemBytes = 256;
constexpr std::size_t kFilterTextBytes = 8192;
constexpr std::size_t kKeyBytes = 1024;

// The deepest nesting of `text` (outside strings); stops counting past the limit.
bool nests_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "true/false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "null";
  }
}

// Reads the fields of one request object. Each reader marks its field as known; the
// first problem is kept and finish() reports it, or else the first unknown field.
class FieldReader {
 public:
  FieldReader(const json& object, std::string op) : object_(object), op_(std::move(op)) { known_.insert("op"); }

  void text(const char* name, std::string& out, std::size_t max_bytes, const char* required = nullptr) {
    const json* v = find(name);
    if (!v) return missing(name, required);
    if (!v->is_string()) return wrong(name, "a string", *v);
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max_bytes) return too_long(name, s.size(), max_bytes);
    out = s;
    if (out.empty()) missing(name, required);
  }

  void texts(const char* name, std::vector<std::string>& out, std::size_t max_each = kItemBytes) {
    const json* v = find(name);
    if (!v) return;
    if (!v->is_array()) return wrong(name, "a list of strings", *v);
    if (v->size() > kListItems)
      return problem(std::string(name) + ": at most " + std::to_string(kListItems) + " values, got " +
                     std::to_string(v->size()));
    for (const auto& item : *v) {
      if (!item.is_string()) return wrong(name, "a list of strings", item, " (an item is ");
      const auto& s = item.get_ref<const std::string&>();
      if (s.size() > max_each) return too_long(name, s.size(), max_each, "each value");
      if (s.empty()) return problem(std::string(name) + ": empty value in the list");
      out.push_back(s);
    }
  }

  // Addresses or CIDR prefixes, kept in canonical text (store::canonical_ip_filter) so
  // that every later step, and a hold's record of its filter, compares like the index.
  void addresses(const char* name, std::vector<std::string>& out) {
    std::vector<std::string> typed;
    texts(name, typed);
    auto canonical = store::canonical_ip_filter(typed);
    if (!canonical) {
      return problem(std::string(name) + ": " + canonical.error().message);
    }
    out.insert(out.end(), canonical->begin(), canonical->end());
  }

  void flag(const char* name, bool& out) {
    const json* v = find(name);
    if (!v) return;
    if (!v->is_boolean()) return wrong(name, "true or false", *v);
    out = v->get<bool>();
  }

  void count(const char* name, uint64_t& out) {
    const json* v = find(name);
    if (!v) return;
    if (!v->is_number_unsigned()) {
      if (v->is_number_integer()) return problem(std::string(name) + ": expected a count of 0 or more, got " + v->dump());
      return wrong(name, "a count (a whole number of 0 or more)", *v);
    }
    out = v->get<uint64_t>();
  }

  // Bytes sent as base64 text (core/base64.h): a --grep needle that is not UTF-8.
  void base64_bytes(const char* name, std::string& out, std::size_t max_bytes) {
    std::string text_value;
    text(name, text_value, (max_bytes + 2) / 3 * 4);
    if (text_value.empty()) return;
    auto bytes = core::base64_decode(text_value);
    if (!bytes) return problem(std::string(name) + ": expected base64 (RFC 4648, padded)");
    if (bytes->empty()) return;
    out = std::move(*bytes);
  }

  // Bytes sent as hex text (the protocol carries JSON text).
  void hex_bytes(const char* name, std::string& out, std::size_t max_bytes) {
    std::string text_value;
    text(name, text_value, max_bytes * 2);
    if (text_value.empty()) return;
    if (text_value.size() % 2 != 0) return problem(std::string(name) + ": expected hex digits in pairs");
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    std::string bytes;
    for (std::size_t i = 0; i < text_value.size(); i += 2) {
      int hi = digit(text_value[i]), lo = digit(text_value[i + 1]);
      if (hi < 0 || lo < 0) return problem(std::string(name) + ": expected hex digits, got " +
                                           core::quoted(text_value.substr(hi < 0 ? i : i + 1, 1)));
      bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    out = std::move(bytes);
  }

  void choice(const char* name, std::string& out, std::initializer_list<const char*> allowed) {
    text(name, out, kNameBytes);
    if (out.empty()) return;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return out == a; })) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + a + "\"";
      problem(std::string(name) + ": expected one of " + list + ", got " + core::quoted(out));
    }
  }

  void problem(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  Result<void> finish() {
    if (!error_.empty()) return fail(Errc::invalid_argument, error_);
    for (const auto& [key, value] : object_.items())
      if (!known_.contains(key)) return fail(Errc::invalid_argument, "unknown field " + core::quoted(key) + " for " + op_);
    return {};
  }

 private:
  const json* find(const char* name) {
    known_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  void missing(const char* name, const char* required) {
    if (required) problem(std::string(name) + ": required " + required);
  }
  void wrong(const char* name, const char* expected, const json& got, const char* how = " (got ") {
    problem(std::string(name) + ": expected " + expected + how + type_name(got) + ")");
  }
  void too_long(const char* name, std::size_t size, std::size_t max, const char* what = "") {
    problem(std::string(name) + ": " + (*what ? std::string(what) + " " : "") + "at most " + std::to_string(max) +
            " bytes, got " + std::to_string(size));
  }

  const json& object_;
  std::string op_;
  std::set<std::string> known_;
  std::string error_;
};

constexpr const char* kForRead = "for every read: state why (an incident or request number)";

void read_filter(FieldReader& r, RecordFilter& f) {
  r.text("since", f.since, kTimeBytes);
  r.text("until", f.until, kTimeBytes);
  r.texts("category", f.categories);
  r.texts("host", f.hosts);
  r.texts("app", f.apps);
  r.texts("user", f.users);
  r.addresses("ip", f.ips);
  r.text("grep", f.grep, kPatternBytes);
  std::string grep_bytes;
  r.base64_bytes("grep_b64", grep_bytes, kPatternBytes);
  if (!grep_bytes.empty()) {
    if (!f.grep.empty()) r.problem("grep, grep_b64: give one, not both");
    f.grep = std::move(grep_bytes);
  }
  r.text("regex", f.regex, kPatternBytes);
  if (!f.grep.empty() && !f.regex.empty()) r.problem("grep, regex: give one, not both");
}

template <typename Op>
Result<RequestBody> finished(FieldReader& r, Op op) {
  if (auto done = r.finish(); !done) return std::unexpected(done.error());
  return RequestBody{std::move(op)};
}

// One person named by user or address, not both and not neither.
void one_subject(FieldReader& r, const std::vector<std::string>& users, const std::vector<std::string>& ips) {
  if (users.empty() == ips.empty()) r.problem("user, ip: name the person by user or by ip (one of them)");
}

using Decoder = Result<RequestBody> (*)(FieldReader&);

const std::vector<std::pair<std::string_view, Decoder>>& decoders() {
  static const std::vector<std::pair<std::string_view, Decoder>> table = {
      {"query",
       [](FieldReader& r) {
         QueryOp op;
         r.text("purpose", op.purpose, kPurposeBytes, kForRead);
         read_filter(r, op.filter);
         r.count("limit", op.limit);
         r.flag("reverse", op.reverse);
         r.flag("count", op.count);
         r.flag("follow", op.follow);
         return finished(r, std::move(op));
       }},
      {"export",
       [](FieldReader& r) {
         ExportOp op;
         r.text("purpose", op.purpose, kPurposeBytes, kForRead);
         read_filter(r, op.filter);
         r.count("limit", op.limit);
         r.flag("reverse", op.reverse);
         r.flag("anonymize", op.anonymize);
         r.hex_bytes("key_hex", op.key, kKeyBytes);
         if (op.anonymize && op.key.empty()) r.problem("key_hex: required with anonymize (the pseudonym key)");
         if (!op.anonymize && !op.key.empty()) r.problem("key_hex: only with anonymize");
         return finished(r, std::move(op));
       }},
      {"status", [](FieldReader& r) { return finished(r, StatusOp{}); }},
      {"categories", [](FieldReader& r) { return finished(r, CategoriesOp{}); }},
      {"purge",
       [](FieldReader& r) {
         PurgeOp op;
         r.flag("dry_run", op.dry_run);
         r.texts("category", op.categories);
         return finished(r, std::move(op));
       }},
      {"case_close",
       [](FieldReader& r) {
         CaseCloseOp op;
         r.text("id", op.id, kNameBytes, "(the case id)");
         r.text("reason", op.reason, kReasonBytes, "(why the case is closed)");
         r.text("outcome", op.outcome, kNameBytes);
         return finished(r, std::move(op));
       }},
      {"case_list",
       [](FieldReader& r) {
         CaseListOp op;
         std::string which;
         r.choice("which", which, {"all", "open", "closed"});
         op.which = which == "open" ? CaseListOp::Which::open
                    : which == "closed" ? CaseListOp::Which::closed
                                        : CaseListOp::Which::all;
         return finished(r, std::move(op));
       }},
      {"hold_place",
       [](FieldReader& r) {
         HoldPlaceOp op;
         r.text("name", op.name, kNameBytes, "(the hold's name)");
         r.text("reason", op.reason, kReasonBytes, "(why records must be kept)");
         r.texts("category", op.categories);
         r.texts("host", op.hosts);
         r.texts("camera", op.cameras);
         r.texts("user", op.users);
         r.addresses("ip", op.ips);
         r.texts("case", op.cases);
         r.text("since", op.since, kTimeBytes);
         r.text("until", op.until, kTimeBytes);
         r.text("filter_text", op.filter_text, kFilterTextBytes);
         return finished(r, std::move(op));
       }},
      {"hold_release",
       [](FieldReader& r) {
         HoldReleaseOp op;
         r.text("name", op.name, kNameBytes, "(the hold's name)");
         r.text("reason", op.reason, kReasonBytes, "(why the hold ends)");
         return finished(r, std::move(op));
       }},
      {"hold_list", [](FieldReader& r) { return finished(r, HoldListOp{}); }},
      {"ledger",
       [](FieldReader& r) {
         LedgerOp op;
         r.text("since", op.since, kTimeBytes);
         return finished(r, std::move(op));
       }},
      {"verify",
       [](FieldReader& r) {
         VerifyOp op;
         r.texts("category", op.categories);
         r.text("since", op.since, kTimeBytes);
         r.text("until", op.until, kTimeBytes);
         r.flag("remote", op.remote);
         return finished(r, std::move(op));
       }},
      {"subject_find",
       [](FieldReader& r) {
         SubjectFindOp op;
         r.text("purpose", op.purpose, kPurposeBytes, kForRead);
         r.texts("user", op.users);
         r.addresses("ip", op.ips);
         one_subject(r, op.users, op.ips);
         return finished(r, std::move(op));
       }},
      {"subject_erase",
       [](FieldReader& r) {
         SubjectEraseOp op;
         r.text("reason", op.reason, kReasonBytes, "(the erasure request it answers)");
         r.texts("user", op.users);
         r.addresses("ip", op.ips);
         r.texts("category", op.categories);
         one_subject(r, op.users, op.ips);
         return finished(r, std::move(op));
       }},
      {"object_list",
       [](FieldReader& r) {
         ObjectListOp op;
         r.text("purpose", op.purpose, kPurposeBytes, kForRead);
         r.text("category", op.category, kItemBytes, "(the object category)");
         r.texts("camera", op.cameras);
         r.text("since", op.since, kTimeBytes);
         r.text("until", op.until, kTimeBytes);
         return finished(r, std::move(op));
       }},
      {"object_get",
       [](FieldReader& r) {
         ObjectGetOp op;
         r.text("purpose", op.purpose, kPurposeBytes, kForRead);
         r.text("category", op.category, kItemBytes, "(the object category)");
         r.text("name", op.name, kNameBytes, "(the object's name)");
         return finished(r, std::move(op));
       }},
  };
  return table;
}

// ---- Audit digests ------------------------------------------------------------------

json digest_text(const std::string& s) {
  if (s.size() <= kDigestStringBytes) return s;
  return "<" + std::to_string(s.size()) + " bytes, sha256 " + core::sha256_hex(s).substr(0, 16) + "...>";
}

json digest_list(const std::vector<std::string>& values) {
  json out = json::array();
  for (std::size_t i = 0; i < values.size() && i < kDigestListItems; ++i) out.push_back(digest_text(values[i]));
  if (values.size() > kDigestListItems)
    out.push_back("<" + std::to_string(values.size() - kDigestListItems) + " more>");
  return out;
}

class DigestBuilder {
 public:
  DigestBuilder& text(const char* name, const std::string& v) {
    if (!v.empty()) out_[name] = digest_text(v);
    return *this;
  }
  DigestBuilder& list(const char* name, const std::vector<std::string>& v) {
    if (!v.empty()) out_[name] = digest_list(v);
    return *this;
  }
  DigestBuilder& flag(const char* name, bool v) {
    if (v) out_[name] = true;
    return *this;
  }
  DigestBuilder& count(const char* name, uint64_t v) {
    if (v) out_[name] = v;
    return *this;
  }
  DigestBuilder& filter(const RecordFilter& f) {
    return text("since", f.since)
        .text("until", f.until)
        .list("category", f.categories)
        .list("host", f.hosts)
        .list("app", f.apps)
        .list("user", f.users)
        .list("ip", f.ips)
        .text("grep", f.grep)
        .text("regex", f.regex);
  }
  std::string dump() const { return out_.dump(-1, ' ', false, json::error_handler_t::replace); }

 private:
  json out_ = json::object();
};

}  // namespace

Result<Request> decode_request(std::string_view text) {
  if (text.size() > kMaxRequestBytes)
    return fail(Errc::invalid_argument, "request: at most " + std::to_string(kMaxRequestBytes) + " bytes");
  if (nests_too_deep(text))
    return fail(Errc::invalid_argument, "request: nested deeper than " + std::to_string(kMaxDepth) + " levels");
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return fail(Errc::invalid_argument, "request: not valid JSON (UTF-8)");
  if (!parsed.is_object()) return fail(Errc::invalid_argument, "request: expected a JSON object");
  auto op_it = parsed.find("op");
  if (op_it == parsed.end() || op_it->is_null()) return fail(Errc::invalid_argument, "op: required");
  if (!op_it->is_string()) return fail(Errc::invalid_argument, "op: expected a string (got " + type_name(*op_it) + ")");
  const auto& op = op_it->get_ref<const std::string&>();
  for (const auto& [name, decode] : decoders()) {
    if (name != op) continue;
    FieldReader reader(parsed, op);
    auto body = decode(reader);
    if (!body) return std::unexpected(body.error());
    return Request{op, std::move(*body)};
  }
  return fail(Errc::invalid_argument, "op: unknown command " + core::quoted(op, 32));
}

const std::vector<std::string_view>& request_ops() {
  static const std::vector<std::string_view> ops = [] {
    std::vector<std::string_view> out;
    for (const auto& [name, decode] : decoders()) out.push_back(name);
    return out;
  }();
  return ops;
}

std::string_view purpose_of(const RequestBody& body) {
  return std::visit(
      [](const auto& op) -> std::string_view {
        if constexpr (requires { op.purpose; }) return op.purpose;
        else return {};
      },
      body);
}

std::string audit_digest(const RequestBody& body) {
  DigestBuilder d;
  std::visit(
      [&](const auto& op) {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, QueryOp>) {
          d.filter(op.filter).count("limit", op.limit).flag("reverse", op.reverse).flag("count", op.count).flag(
              "follow", op.follow);
        } else if constexpr (std::is_same_v<Op, ExportOp>) {
          d.filter(op.filter).count("limit", op.limit).flag("reverse", op.reverse).flag("anonymize", op.anonymize);
        } else if constexpr (std::is_same_v<Op, PurgeOp>) {
          d.flag("dry_run", op.dry_run).list("category", op.categories);
        } else if constexpr (std::is_same_v<Op, CaseCloseOp>) {
          d.text("id", op.id).text("outcome", op.outcome);
        } else if constexpr (std::is_same_v<Op, HoldPlaceOp>) {
          d.text("name", op.name)
              .list("category", op.categories)
              .list("host", op.hosts)
              .list("camera", op.cameras)
              .list("user", op.users)
              .list("ip", op.ips)
              .list("case", op.cases)
              .text("since", op.since)
              .text("until", op.until);
        } else if constexpr (std::is_same_v<Op, HoldReleaseOp>) {
          d.text("name", op.name);
        } else if constexpr (std::is_same_v<Op, LedgerOp>) {
          d.text("since", op.since);
        } else if constexpr (std::is_same_v<Op, VerifyOp>) {
          d.list("category", op.categories).text("since", op.since).text("until", op.until);
        } else if constexpr (std::is_same_v<Op, SubjectFindOp>) {
          d.list("user", op.users).list("ip", op.ips);
        } else if constexpr (std::is_same_v<Op, SubjectEraseOp>) {
          d.list("user", op.users).list("ip", op.ips).list("category", op.categories);
        } else if constexpr (std::is_same_v<Op, ObjectListOp>) {
          d.text("category", op.category).list("camera", op.cameras).text("since", op.since).text("until", op.until);
        } else if constexpr (std::is_same_v<Op, ObjectGetOp>) {
          d.text("category", op.category).text("name", op.name);
        }
      },
      body);
  return d.dump();
}

}  // namespace hokan::api
