#include "query/event_json.h"

#include "core/base64.h"
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

// RFC 5424 allows a name to repeat within an element ([origin ip="a" ip="b"]); JSON
// objects should not repeat keys (jq keeps only the last). A repeated name becomes one
// key with a list of its values in order; a name given once stays a string, so the
// common case reads as before.
void append_sd_params(const std::vector<syslog::SdParam>& params, std::string& out) {
  bool first = true;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& name = params[i].name;
    bool seen_before = false, repeated = false;
    for (std::size_t j = 0; j < params.size() && !seen_before; ++j)
      if (j != i && params[j].name == name) {
        seen_before = j < i;
        repeated = true;
      }
    if (seen_before) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(name, out);
    out.push_back(':');
    if (!repeated) {
      append_json_string(params[i].value, out);
      continue;
    }
    out.push_back('[');
    for (std::size_t j = i; j < params.size(); ++j) {
      if (params[j].name != name) continue;
      if (j != i) out.push_back(',');
      append_json_string(params[j].value, out);
    }
    out.push_back(']');
  }
}

// SD-ID -> params object. An SD-ID that repeats (RFC 5424 forbids it; the record is
// flagged malformed) maps to a list of its elements' params objects, for the same reason.
void append_sd(const std::vector<syslog::SdElement>& sd, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < sd.size(); ++i) {
    bool seen_before = false, repeated = false;
    for (std::size_t j = 0; j < sd.size() && !seen_before; ++j)
      if (j != i && sd[j].id == sd[i].id) {
        seen_before = j < i;
        repeated = true;
      }
    if (seen_before) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(sd[i].id, out);
    out.push_back(':');
    if (repeated) out.push_back('[');
    for (std::size_t j = i; j < sd.size(); ++j) {
      if (sd[j].id != sd[i].id) continue;
      if (j != i) out.push_back(',');
      out.push_back('{');
      append_sd_params(sd[j].params, out);
      out.push_back('}');
      if (!repeated) break;
    }
    if (repeated) out.push_back(']');
  }
  out.push_back('}');
}

void string_list(std::string& out, std::string_view name, const std::vector<std::string>& values) {
  if (values.empty()) return;
  key(out, name);
  out.push_back('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(values[i], out);
  }
  out.push_back(']');
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
    append_sd(e.sd, out);
  }
  key(out, "message");
  append_json_string(e.message, out);
  string_field(out, "source", e.source);
  string_field(out, "user", e.fields.user);
  string_field(out, "target_user", e.fields.target_user);
  string_field(out, "src_ip", e.fields.src_ip);
  string_field(out, "origin_ip", e.fields.origin_ip);
  string_list(out, "ips", e.fields.ips);
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
  // The bytes received, losslessly: as a string when they are UTF-8 (JSON escapes
  // carry control bytes and NUL exactly), else as base64, never with U+FFFD in them.
  if (!e.raw.empty()) {
    if (core::valid_utf8(e.raw)) {
      string_field(out, "raw", e.raw);
    } else {
      key(out, "raw_b64");
      append_json_string(core::base64_encode(e.raw), out);
    }
  }
  if (e.claimed_time_us) {
    key(out, "claimed_time");
    append_json_string(core::format_rfc3339(*e.claimed_time_us, zone), out);
  }
  out.push_back('}');
}

}  // namespace hokan::query
