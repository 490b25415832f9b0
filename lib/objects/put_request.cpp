#include "objects/put_request.h"

#include <algorithm>
#include <cstdio>

#include "core/sha256.h"
#include "core/time_format.h"
#include "core/utf8.h"
#include "ingest/time_guard.h"

namespace hokan::objects {
namespace {

// A header whose value the record keeps: UTF-8 text without control characters.
std::optional<Refusal> check_text(const char* header, std::string_view value) {
  auto bad = [&](const char* why) { return Refusal{400, Reason::metadata, std::string(header) + ": " + why}; };
  if (!core::valid_utf8(value)) return bad("not valid UTF-8");
  if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return bad("control characters are not allowed");
  if (value.size() > 256) return bad("at most 256 bytes");
  return std::nullopt;
}

// The sender the upload comes from (nullptr when no [[sender]] is configured), or why not.
std::variant<Refusal, const config::Sender*> check_sender(const config::Config& c, const std::string& category,
                                                          std::string_view auth) {
  if (c.senders.empty()) return static_cast<const config::Sender*>(nullptr);
  if (auth.empty() || !auth.starts_with("Bearer "))
    return Refusal{401, Reason::token, "Authorization: Bearer TOKEN is required"};
  const config::Sender* s = sender_of(c, auth);
  if (!s) return Refusal{403, Reason::token, "unknown token"};
  if (!s->categories.empty() && std::find(s->categories.begin(), s->categories.end(), category) == s->categories.end())
    return Refusal{403, Reason::token, "sender " + s->name + " may not store into " + category};
  return s;
}

const std::string* first_match(const std::vector<std::string>& globs, std::string_view name) {
  for (const auto& g : globs)
    if (config::glob_match(g, name)) return &g;
  return nullptr;
}

}  // namespace

const config::Sender* sender_of(const config::Config& config, std::string_view authorization) {
  if (config.senders.empty() || !authorization.starts_with("Bearer ")) return nullptr;
  std::string digest = core::sha256_hex(authorization.substr(7));
  for (const auto& s : config.senders)
    if (s.token_sha256 == digest) return &s;
  return nullptr;
}

std::string version_name(std::string_view name, int64_t received_us) {
  core::CivilTime t = core::TimeZone::utc()->to_civil(received_us);
  char version[40];
  std::snprintf(version, sizeof version, "@%04d%02d%02dT%02d%02d%02d.%06lldZ", t.year, t.month, t.day, t.hour,
                t.minute, t.second, static_cast<long long>(t.micros));
  return std::string(name) + version;
}

std::variant<Refusal, Ignored, PutPlan> decode_put(const PutHeaders& h, const std::string& category,
                                                   const std::string& name, const std::string& peer,
                                                   const config::Config& config, const retention::Policy& policy,
                                                   int64_t now_us) {
  const config::Category* cat = config.find_category(category);
  if (!cat || cat->kind != config::Category::Kind::object)
    return Refusal{404, Reason::category,
                   "no object category \"" + (core::valid_utf8(category) ? category : "?") + "\""};
  auto sender_or = check_sender(config, category, h.authorization);
  if (auto* refusal = std::get_if<Refusal>(&sender_or)) return *refusal;
  const config::Sender* sender = std::get<const config::Sender*>(sender_or);
  if (!config::valid_object_name(name))
    return Refusal{400, Reason::name, "name: use " + std::string(config::kObjectNameRule)};
  // A playlist is rewritten after every segment: a new version each time, or nothing.
  const bool versioned = first_match(cat->replace, name) != nullptr;
  if (!versioned)
    if (const std::string* glob = first_match(cat->ignore, name)) return Ignored{*glob};
  if (h.content_type.starts_with("multipart/") || h.content_type.starts_with("application/x-www-form-urlencoded"))
    return Refusal{415, Reason::content_type, "send the object's bytes as the body, not a form encoding"};
  for (auto [header, value] : {std::pair{"X-Hokan-Camera", h.camera}, std::pair{"X-Hokan-Host", h.host},
                               std::pair{"X-Hokan-Case", h.case_id}, std::pair{"Content-Type", h.content_type}})
    if (auto bad = check_text(header, value)) return *bad;
  PutPlan plan;
  plan.name = versioned ? version_name(name, now_us) : name;
  store::Event& meta = plan.meta;
  meta.category = category;
  meta.received_us = now_us;

  // The time: the header, else the name (playlists carry none), else the received time.
  std::string time_source;
  if (!h.time.empty()) {
    auto start = core::parse_rfc3339(h.time);
    if (!start) return Refusal{400, Reason::metadata, "X-Hokan-Time: " + start.error().message};
    meta.time_us = *start;
    time_source = "header";
  } else if (cat->name_time && !versioned) {
    auto start = cat->name_time->find(name, *config.zone);
    if (!start)
      return Refusal{400, Reason::name,
                     "name: " + start.error().message + " (category " + category +
                         " reads the time from names by name_time; or send X-Hokan-Time)"};
    meta.time_us = *start;
    time_source = "name";
  } else {
    meta.time_us = now_us;
    time_source = "received";
  }
  const int64_t claimed_us = meta.time_us;
  // A time from a name is a claim like a header's: it may not stretch or cut a retention.
  ingest::TimeGuard(config).apply(meta);
  if (meta.claimed_time_us) time_source = "received";
  meta.fields.extra.emplace_back("time_source", time_source);
  if (!h.end.empty()) {
    auto end = core::parse_rfc3339(h.end);
    if (!end) return Refusal{400, Reason::metadata, "X-Hokan-End: " + end.error().message};
    if (*end < claimed_us) return Refusal{400, Reason::metadata, "X-Hokan-End: before the object's time"};
    meta.fields.extra.emplace_back("end", core::format_rfc3339(*end, *config.zone));
  }

  // The camera: the header, else the sender's, else the name. A scanner names its host.
  if (!h.camera.empty() && !h.host.empty())
    return Refusal{400, Reason::metadata, "X-Hokan-Camera and X-Hokan-Host: give one"};
  std::string camera, camera_source;
  if (!h.camera.empty()) {
    camera = std::string(h.camera), camera_source = "header";
  } else if (h.host.empty() && sender && !sender->camera.empty()) {
    camera = sender->camera, camera_source = "sender";
  } else if (h.host.empty() && cat->name_camera) {
    if (auto from_name = cat->name_camera->find(name)) {
      camera = std::move(*from_name), camera_source = "name";
    } else if (!versioned) {
      // Footage without its camera would escape per-camera retention and holds.
      return Refusal{400, Reason::name,
                     "name: \"" + name + "\" does not begin with a camera of the form \"" +
                         cat->name_camera->text() + "\" (category " + category +
                         " reads the camera from names by name_camera; or send X-Hokan-Camera)"};
    }
  }
  meta.host = camera.empty() ? std::string(h.host) : camera;
  if (!camera.empty()) {
    meta.fields.extra.emplace_back("camera", camera);
    meta.fields.extra.emplace_back("camera_source", camera_source);
  }
  meta.fields.case_id = std::string(h.case_id);
  if (cat->starts == config::Category::Starts::case_closed && meta.fields.case_id.empty())
    return Refusal{400, Reason::metadata,
                   "X-Hokan-Case: required for " + category + " (its clock starts when the case closes)"};
  meta.app = "http";
  meta.message = plan.name;
  meta.source = peer;
  if (!h.content_type.empty()) meta.fields.extra.emplace_back("content_type", std::string(h.content_type));
  meta.lane = policy.lane_for(meta);
  plan.limit = config.storage.max_object_bytes;
  if (h.content_length && *h.content_length > plan.limit)
    return Refusal{413, Reason::too_large,
                   "the object is larger than max_object_bytes (" + std::to_string(plan.limit) + ")"};
  return plan;
}

}  // namespace hokan::objects
