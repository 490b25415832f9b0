// Control requests as typed values: the one place where the bytes a client sent on the
// control socket become something the handlers may look at. decode_request() refuses a
// request that is not a JSON object, nests deeper than a request ever needs, names an
// unknown op or field, gives a field of the wrong type or over its size limit, or lacks a
// required field — each with one line that names the field ("dry_run: expected true or
// false"). JSON null counts as absent. Handlers never see raw JSON. docs/protocol.md
// lists every op with its fields, types and limits.
// Pure functions and value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace hokan::api {

// Largest request frame the daemon reads. Requests are small (filters, names, reasons);
// a bigger frame is refused before it is buffered.
constexpr uint32_t kMaxRequestBytes = 1u << 20;

// What selects records: shared by queries, exports and the follow of a query.
struct RecordFilter {
  std::string since, until;  // as typed ("-2h", "2026-11-01 03:12"); empty: open
  std::vector<std::string> categories, hosts, apps, users, ips;
  std::string grep, regex;
};

struct QueryOp {
  std::string purpose;
  RecordFilter filter;
  uint64_t limit = 0;  // 0: none
  bool reverse = false, count = false, follow = false;
};
struct ExportOp {
  std::string purpose;
  RecordFilter filter;
  uint64_t limit = 0;
  bool reverse = false;
  bool anonymize = false;
  std::string key;  // the pseudonym key's bytes (sent as hex), with anonymize only
};
struct StatusOp {};
struct CategoriesOp {};
struct PurgeOp {
  bool dry_run = false;
  std::vector<std::string> categories;  // empty: every category the caller may purge
};
struct CaseCloseOp {
  std::string id, reason, outcome;
};
struct CaseListOp {
  enum class Which { all, open, closed } which = Which::all;
};
struct HoldPlaceOp {
  std::string name, reason;
  std::vector<std::string> categories, hosts, cameras, users, ips, cases;
  std::string since, until;
  std::string filter_text;  // the filter as the user typed it, for `hold list`
};
struct HoldReleaseOp {
  std::string name, reason;
};
struct HoldListOp {};
struct LedgerOp {
  std::string since;
};
struct VerifyOp {
  std::vector<std::string> categories;
  std::string since, until;
  bool remote = false;  // also compare with the heads anchored in the remote store
};
struct SubjectFindOp {
  std::string purpose;
  std::vector<std::string> users, ips;
};
struct SubjectEraseOp {
  std::string reason;
  std::vector<std::string> users, ips, categories;
};
struct ObjectListOp {
  std::string purpose, category;
  std::vector<std::string> cameras;
  std::string since, until;
};
struct ObjectGetOp {
  std::string purpose, category, name;
};

using RequestBody = std::variant<QueryOp, ExportOp, StatusOp, CategoriesOp, PurgeOp, CaseCloseOp, CaseListOp,
                                 HoldPlaceOp, HoldReleaseOp, HoldListOp, LedgerOp, VerifyOp, SubjectFindOp,
                                 SubjectEraseOp, ObjectListOp, ObjectGetOp>;

struct Request {
  std::string op;  // as on the wire: "query", "hold_place", ...
  RequestBody body;
};

// Errors: invalid_argument with one line naming what is wrong.
[[nodiscard]] Result<Request> decode_request(std::string_view text);

// Every op name decode_request() knows, in protocol order (for tests and docs).
const std::vector<std::string_view>& request_ops();

// The purpose a request states ("" for ops that take none).
std::string_view purpose_of(const RequestBody& body);

// The request's filter as bounded JSON text for the audit trail: what was asked, never
// the whole of a large value. Strings over kDigestStringBytes become
// "<N bytes, sha256 XXXXXXXXXXXXXXXX…>" and lists over kDigestListItems keep their first
// items and say how many more there were, so one audit record stays a few KiB whatever
// the request carried. Secrets (the export key) are never included.
constexpr std::size_t kDigestStringBytes = 256;
constexpr std::size_t kDigestListItems = 16;
std::string audit_digest(const RequestBody& body);

}  // namespace hokan::api
