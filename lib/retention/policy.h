// The retention rules of the config applied to records and buckets: which lane a new
// record goes to (see store.h: every record of a bucket then expires together or by
// its own time), and when the records of a bucket expire.
// Lanes: "p-<period>" (a fixed period from the event's own time, e.g. "p-365d"),
// "case-<hash>" (one case of a starts = "case_closed" category), "no-case" (records of
// such a category that name no case: kept until someone gives them one).
// Thread-safety: immutable after construction; Cases is itself thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "retention/cases.h"
#include "store/event.h"
#include "store/store.h"

namespace hokan::retention {

constexpr char kAuditCategory[] = "audit";

class Policy {
 public:
  Policy(std::shared_ptr<const config::Config> config, std::shared_ptr<const Cases> cases);

  std::string lane_for(const store::Event& event) const;

  struct BucketExpiry {
    std::optional<int64_t> earliest;  // when its first record may expire; empty: never
    std::optional<int64_t> latest;    // when its last record expires
    std::string rule;                 // "access: 365d from the event time", for receipts
  };
  BucketExpiry expiry(const store::BucketInfo& bucket) const;
  // When one record of the bucket expires; empty: it is kept (open case).
  std::optional<int64_t> record_expiry(const store::BucketInfo& bucket, const store::Event& event) const;

  const config::Config& config() const { return *config_; }

 private:
  std::optional<config::Period> case_period(const std::string& category, const Case& c) const;
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const Cases> cases_;
  // The lane of each category whose events all take the same one (no per-host or
  // per-camera periods, no closing event): lane_for runs for every event ingested.
  std::unordered_map<std::string, std::string> fixed_lanes_;
};

}  // namespace hokan::retention
