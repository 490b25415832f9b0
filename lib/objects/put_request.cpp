#include "objects/put_request.h"

#include <algorithm>

#include "core/sha256.h"
#include "core/time_format.h"
#include "core/utf8.h"
#include "ingest/time_guard.h"

namespace hokan::objects {
namespace {

bool valid_object_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

// A header whose value the record keeps: UTF-8 text without control characters.
std::optional<Refusal> check_text(const char* header, std::string_view value) {
  if (!core::valid_utf8(value)) return Refusal{400, std::string(header) + ": not valid UTF-8"};
  if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return Refusal{400, std::string(header) + ": control characters are not allowed"};
  if (value.size() > 256) return Refusal{400, std::string(header) + ": at most 256 bytes"};
  return std::nullopt;
}

std::optional<Refusal> check_sender(const config::Config& c, const std::string& category, std::string_view auth) {
  if (c.senders.empty()) return std::nullopt;
  if (auth.empty() || !auth.starts_with("Bearer "))
    return Refusal{401, "Authorization: Bearer TOKEN is required"};
  std::string digest = core::sha256_hex(auth.substr(7));
  for (const auto& s : c.senders) {
    if (s.token_sha256 != digest) continue;
    if (!s.categories.empty() && std::find(s.categories.begin(), s.categories.end(), category) == s.categories.end())
      return Refusal{403, "sender " + s.name + " may not store into " + category};
    return std::nullopt;
  }
  return Refusal{403, "unknown token"};
}

}  // namespace

std::variant<Refusal, PutPlan> decode_put(const PutHeaders& h, const std::string& category, const std::string& name,
                                          const std::string& peer, const config::Config& config,
                                          const retention::Policy& policy, int64_t now_us) {
  const config::Category* cat = config.find_category(category);
  if (!cat || cat->kind != config::Category::Kind::object)
    return Refusal{404, "no object category \"" + (core::valid_utf8(category) ? category : "?") + "\""};
  if (auto refusal = check_sender(config, category, h.authorization)) return *refusal;
  if (!valid_object_name(name)) return Refusal{400, "name: use 1 to 200 of A-Z a-z 0-9 . _ -"};
  if (h.content_type.starts_with("multipart/") || h.content_type.starts_with("application/x-www-form-urlencoded"))
    return Refusal{415, "send the object's bytes as the body, not a form encoding"};
  for (auto [header, value] : {std::pair{"X-Hokan-Camera", h.camera}, std::pair{"X-Hokan-Host", h.host},
                               std::pair{"X-Hokan-Case", h.case_id}, std::pair{"Content-Type", h.content_type}})
    if (auto bad = check_text(header, value)) return *bad;
  PutPlan plan;
  store::Event& meta = plan.meta;
  meta.category = category;
  meta.received_us = now_us;
  if (h.time.empty()) return Refusal{400, "X-Hokan-Time: required (RFC 3339)"};
  auto start = core::parse_rfc3339(h.time);
  if (!start) return Refusal{400, "X-Hokan-Time: " + start.error().message};
  meta.time_us = *start;
  ingest::TimeGuard(config).apply(meta);
  if (!h.end.empty()) {
    auto end = core::parse_rfc3339(h.end);
    if (!end) return Refusal{400, "X-Hokan-End: " + end.error().message};
    if (*end < *start) return Refusal{400, "X-Hokan-End: before X-Hokan-Time"};
    meta.fields.extra.emplace_back("end", core::format_rfc3339(*end, *config.zone));
  }
  if (!h.camera.empty() && !h.host.empty()) return Refusal{400, "X-Hokan-Camera and X-Hokan-Host: give one"};
  meta.host = std::string(h.camera.empty() ? h.host : h.camera);
  if (!h.camera.empty()) meta.fields.extra.emplace_back("camera", meta.host);
  meta.fields.case_id = std::string(h.case_id);
  if (cat->starts == config::Category::Starts::case_closed && meta.fields.case_id.empty())
    return Refusal{400, "X-Hokan-Case: required for " + category + " (its clock starts when the case closes)"};
  meta.app = "http";
  meta.message = name;
  meta.source = peer;
  if (!h.content_type.empty()) meta.fields.extra.emplace_back("content_type", std::string(h.content_type));
  meta.lane = policy.lane_for(meta);
  plan.limit = config.storage.max_object_bytes;
  if (h.content_length && *h.content_length > plan.limit)
    return Refusal{413, "the object is larger than max_object_bytes (" + std::to_string(plan.limit) + ")"};
  return plan;
}

}  // namespace hokan::objects
