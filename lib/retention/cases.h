// Cases: the clocks of `starts = "case_closed"` categories. A case is open from the
// first record that carries it until `hokanctl case close` (or an event with
// case_state=closed); its records are then kept for the rule's period after the close.
// Stored in the meta store under the keyed hash of the case id, never the id in a key.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/meta.h"

namespace hokan::retention {

struct Case {
  std::string id;
  std::string category;
  std::string lane;              // "case-<hash>": the bucket lane its records live in
  int64_t opened_us = 0;         // first seen
  std::optional<int64_t> closed_us;
  std::string outcome;           // "" when closed without one
  std::string reason, closed_by;
};

class Cases {
 public:
  using Hash = std::function<uint64_t(std::string_view)>;
  // Loads every case from the meta store. Errors: io.
  [[nodiscard]] static Result<std::unique_ptr<Cases>> load(std::shared_ptr<store::MetaStore> meta, Hash hash);

  // The lane a case's records go to; stable for a given id and index key.
  std::string lane_of(std::string_view case_id) const;
  // Registers a case the first time a record carries it (cheap afterwards).
  [[nodiscard]] Result<void> seen(const std::string& case_id, const std::string& category, int64_t now_us);
  // Closes a case. Errors: already_exists "case X was already closed at T (by Y)" when
  // closed before; the case need not have records yet (a form may arrive later).
  [[nodiscard]] Result<Case> close(const std::string& case_id, const std::string& category, const std::string& outcome,
                                   const std::string& reason, const std::string& by, int64_t now_us);
  std::optional<Case> by_lane(const std::string& lane) const;
  std::vector<Case> list() const;

  Cases(std::shared_ptr<store::MetaStore> meta, Hash hash);

 private:
  [[nodiscard]] Result<void> save(const Case& c);
  std::shared_ptr<store::MetaStore> meta_;
  Hash hash_;
  mutable std::mutex mutex_;
  std::map<std::string, Case> by_lane_;
};

}  // namespace hokan::retention
