// Why the object listener refused a request: the HTTP status, one line for the sender
// (the answer's body), and a reason from a small fixed set, so that /metrics counts
// refusals by reason (hokan_http_refused_total{reason="..."}) without a series per
// message, and the log limits its lines per sender and reason.
// Plain values; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hokan::objects {

enum class Reason {
  category,      // 404: no such object category
  token,         // 401/403: no token, an unknown one, or a category the sender may not write
  name,          // 400: a bad name, or one without the time or camera the category reads from it
  metadata,      // 400: a bad X-Hokan-* or Content-Type header
  content_type,  // 415: a form encoding instead of the bytes
  too_large,     // 413: over [storage] max_object_bytes
  exists,        // 409: the name is taken
  method,        // 405: a method the listener does not serve (GET on an object, ...)
  delete_,       // 405: a DELETE: only hokan's retention destroys objects
  path,          // 404/400: no such resource, or not /v1/objects/{category}/{name}
  headers,       // 431: headers over 16 KiB
  too_slow,      // 408: slower than [listen] upload_min_rate
  busy,          // 503: too many uploads at once
  disk_full,     // 507: nothing can be stored now
  failed,        // 500: the store or the writer failed
};
constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::failed) + 1;

constexpr std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::category:
      return "category";
    case Reason::token:
      return "token";
    case Reason::name:
      return "name";
    case Reason::metadata:
      return "metadata";
    case Reason::content_type:
      return "content_type";
    case Reason::too_large:
      return "too_large";
    case Reason::exists:
      return "exists";
    case Reason::method:
      return "method";
    case Reason::delete_:
      return "delete";
    case Reason::path:
      return "path";
    case Reason::headers:
      return "headers";
    case Reason::too_slow:
      return "too_slow";
    case Reason::busy:
      return "busy";
    case Reason::disk_full:
      return "disk_full";
    case Reason::failed:
      return "failed";
  }
  return "failed";
}

struct Refusal {
  int status = 500;
  Reason reason = Reason::failed;
  std::string message;
};

}  // namespace hokan::objects
