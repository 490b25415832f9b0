#include "query/event_json.h"

#include "core/time_format.h"
#include "core/utf8.h"
#include "syslog/parser.h"

namespace hokan::query {
namespace {

void key(std::string& out, std::string_view name) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
}

void string_field(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  key(out, name);
  append_json_string(value, out);
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { ++i; continue; }
    if (c >= 0x80) {
      std::size_t n = core::utf8_sequence(text, i);
      if (n) { i += n; continue; }
    }
    out.append(text.substr(run, i - run));
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.append("\xef\xbf\xbd");  // invalid UTF-8 byte
        }
    }
    run = ++i;
  }
  out.append(text.substr(run));
  out.push_back('"');
}

void append_event_json(const store::Event& e, const core::TimeZone& zone, std::string& out) {
  out.append("{\"id\":");
  out.append(std::to_string(e.id));
  key(out, "time");
  append_json_string(core::format_rfc3339(e.time_us, zone), out);
  key(out, "received");
  append_json_string(core::format_rfc3339(e.received_us, zone), out);
  string_field(out, "category", e.category);
  if (e.facility >= 0) string_field(out, "facility", syslog::facility_name(e.facility));
  if (e.severity >= 0) string_field(out, "severity", syslog::severity_name(e.severity));
  string_field(out, "host", e.host);
  string_field(out, "app", e.app);
  string_field(out, "procid", e.procid);
  string_field(out, "msgid", e.msgid);
  if (!e.sd.empty()) {
    key(out, "sd");
    out.push_back('{');
    bool first = true;
    for (const auto& element : e.sd) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(element.id, out);
      out.append(":{");
      bool first_param = true;
      for (const auto& p : element.params) {
        if (!first_param) out.push_back(',');
        first_param = false;
        append_json_string(p.name, out);
        out.push_back(':');
        append_json_string(p.value, out);
      }
      out.push_back('}');
    }
    out.push_back('}');
  }
  key(out, "message");
  append_json_string(e.message, out);
  string_field(out, "source", e.source);
  string_field(out, "user", e.fields.user);
  string_field(out, "src_ip", e.fields.src_ip);
  string_field(out, "action", e.fields.action);
  string_field(out, "case", e.fields.case_id);
  if (!e.fields.extra.empty()) {
    key(out, "fields");
    out.push_back('{');
    for (std::size_t i = 0; i < e.fields.extra.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(e.fields.extra[i].first, out);
      out.push_back(':');
      append_json_string(e.fields.extra[i].second, out);
    }
    out.push_back('}');
  }
  if (e.malformed) out.append(",\"malformed\":true");
  if (e.truncated) out.append(",\"truncated\":true");
  string_field(out, "raw", e.raw);
  if (e.claimed_time_us) {
    key(out, "claimed_time");
    append_json_string(core::format_rfc3339(*e.claimed_time_us, zone), out);
  }
  out.push_back('}');
}

}  // namespace hokan::query
