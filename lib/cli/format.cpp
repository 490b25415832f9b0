#include "cli/format.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/base64.h"
#include "core/quote.h"

namespace hokan::cli {
using nlohmann::json;
namespace {

std::string get(const json& r, const char* key) {
  auto it = r.find(key);
  if (it == r.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {  // ips: one cell, addresses separated by spaces
    std::string joined;
    for (const auto& item : *it)
      joined.append(joined.empty() ? "" : " ")
          .append(item.is_string() ? item.get<std::string>() : item.dump());
    return joined;
  }
  return it->dump();
}

// The bytes received (raw, or raw_b64 decoded); nullopt when the record has none.
std::optional<std::string> received_bytes(const json& r) {
  if (auto it = r.find("raw"); it != r.end() && it->is_string()) return it->get<std::string>();
  if (auto it = r.find("raw_b64"); it != r.end() && it->is_string())
    return core::base64_decode(it->get_ref<const std::string&>());
  return std::nullopt;
}

// "2026-11-20T03:12:00.123+09:00" -> "2026-11-20 03:12:00.123": the offset is the same
// on every line of one zone and only widens the table.
std::string short_time(std::string t) {
  if (t.size() > 10 && t[10] == 'T') t[10] = ' ';
  auto plus = t.find_first_of("+-Z", 19);
  if (plus != std::string::npos) t.resize(plus);
  return t;
}

// Control characters would break the table's lines.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

class JsonFormatter : public RecordFormatter {
 public:
  explicit JsonFormatter(FILE* out) : out_(out) {}
  void record(const json&, std::string_view text) override {
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fputc('\n', out_);
  }

 private:
  FILE* out_;
};

constexpr const char* kCsvColumns[] = {
    "id",  "time",   "received", "category", "facility",    "severity", "host",
    "app", "procid", "msgid",    "user",     "target_user", "src_ip",   "origin_ip",
    "ips", "action", "case",     "source",   "malformed",   "message"};

class CsvFormatter : public RecordFormatter {
 public:
  explicit CsvFormatter(FILE* out) : out_(out) {
    std::string header;
    for (const char* c : kCsvColumns) header.append(header.empty() ? "" : ",").append(c);
    std::fprintf(out_, "%s\r\n", header.c_str());
  }
  void record(const json& r, std::string_view) override {
    std::string line;
    for (const char* c : kCsvColumns) {
      if (c != kCsvColumns[0]) line.push_back(',');
      line.append(csv_field(get(r, c)));
    }
    line.append("\r\n");
    std::fwrite(line.data(), 1, line.size(), out_);  // a NUL in a field must not end the line
  }

 private:
  FILE* out_;
};

// Evidence-exact: the bytes received, one record per line, with the reversible escape
// raw_line() documents. A record that has none (an object, or a well-formed event
// stored before hokan kept every record's bytes) gets a syslog-style line rebuilt from
// its fields, escaped the same way.
class RawFormatter : public RecordFormatter {
 public:
  explicit RawFormatter(FILE* out) : out_(out) {}
  void record(const json& r, std::string_view) override {
    std::optional<std::string> bytes = received_bytes(r);
    if (!bytes) {
      bytes = get(r, "time") + " " + (r.contains("host") ? get(r, "host") : "-") + " " +
              (r.contains("app") ? get(r, "app") : "-");
      if (r.contains("procid")) *bytes += "[" + get(r, "procid") + "]";
      *bytes += ": " + get(r, "message");
    }
    std::string line = raw_line(*bytes);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out_);
  }

 private:
  FILE* out_;
};

// Buffers the first rows to size the columns; later rows reuse those widths so output
// still streams.
class TableFormatter : public RecordFormatter {
 public:
  explicit TableFormatter(FILE* out) : out_(out) {}
  void record(const json& r, std::string_view) override {
    Row row{short_time(get(r, "time")), get(r, "category"), get(r, "host"), get(r, "app"),
            get(r, "user"), get(r, "src_ip"), one_line(get(r, "message"))};
    if (r.contains("malformed"))
      row.message = "[malformed] " + one_line(received_bytes(r).value_or(get(r, "message")));
    if (printed_header_) return print(row);
    rows_.push_back(std::move(row));
    if (rows_.size() >= kSizingRows) finish();
  }
  void finish() override {
    if (!printed_header_ && rows_.empty()) return;  // nothing found: no table at all
    if (!printed_header_) {
      Row header{"TIME", "CATEGORY", "HOST", "APP", "USER", "SRC_IP", "MESSAGE"};
      widths_ = {header.time.size(), header.category.size(), header.host.size(), header.app.size(),
                 header.user.size(), header.src_ip.size()};
      for (const auto& r : rows_) {
        const std::string* cells[] = {&r.time, &r.category, &r.host, &r.app, &r.user, &r.src_ip};
        for (std::size_t i = 0; i < widths_.size(); ++i)
          widths_[i] = std::min(kMaxWidth, std::max(widths_[i], cells[i]->size()));
      }
      printed_header_ = true;
      print(header);
    }
    for (const auto& r : rows_) print(r);
    rows_.clear();
  }

 private:
  struct Row {
    std::string time, category, host, app, user, src_ip, message;
  };
  static constexpr std::size_t kSizingRows = 200;
  static constexpr std::size_t kMaxWidth = 40;
  void print(const Row& r) {
    const std::string* cells[] = {&r.time, &r.category, &r.host, &r.app, &r.user, &r.src_ip};
    std::string line;
    for (std::size_t i = 0; i < widths_.size(); ++i) {
      std::string cell = cells[i]->empty() ? "-" : *cells[i];
      if (cell.size() > widths_[i]) cell = cell.substr(0, widths_[i] - 1) + "~";
      line.append(cell).append(widths_[i] - cell.size() + 2, ' ');
    }
    line.append(r.message);
    std::fprintf(out_, "%s\n", line.c_str());
  }
  FILE* out_;
  bool printed_header_ = false;
  std::vector<Row> rows_;
  std::vector<std::size_t> widths_;
};

}  // namespace

std::string raw_line(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  for (char c : bytes) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\0':
        out.append("\\0");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> unescape_raw_line(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\') {
      out.push_back(line[i]);
      continue;
    }
    if (++i == line.size()) return std::nullopt;
    switch (line[i]) {
      case '\\':
        out.push_back('\\');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '0':
        out.push_back('\0');
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<std::unique_ptr<RecordFormatter>> RecordFormatter::create(const std::string& format, FILE* out) {
  if (format == "json") return std::make_unique<JsonFormatter>(out);
  if (format == "csv") return std::make_unique<CsvFormatter>(out);
  if (format == "raw") return std::make_unique<RawFormatter>(out);
  if (format == "table") return std::make_unique<TableFormatter>(out);
  return fail(Errc::invalid_argument, "unknown --format " + core::quoted(format) + " (table, json, csv or raw)");
}

}  // namespace hokan::cli
