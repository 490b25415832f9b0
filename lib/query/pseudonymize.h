// Pseudonymized export for load analysis (仮名加工情報, not 匿名加工情報): users,
// addresses and hosts are replaced by keyed HMAC-SHA256 pseudonyms — the same input and
// key give the same pseudonym, so activity can still be counted per (unknown) person —
// and free text is masked: e-mail addresses, IP addresses, numbers and the record's own
// user/host/address are replaced. Times, categories and sizes are kept. Whoever holds
// the key can re-identify by hashing candidates, so the key must stay with the data
// controller and the export is still personal information under APPI.
// Thread-safety: immutable after construction.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "store/event.h"

namespace hokan::query {

class Pseudonymizer {
 public:
  // Errors: invalid_argument for a key shorter than 16 bytes.
  [[nodiscard]] static Result<std::shared_ptr<const Pseudonymizer>> create(std::string key);

  // "u-3f2a...", "ip-...", "h-...": 16 hex digits of HMAC-SHA256(key, kind + ":" + value).
  std::string pseudonym(std::string_view kind, std::string_view value) const;
  // Returns the event with identifying fields replaced and its text masked; `size` of
  // the original message is kept in fields.extra as "size".
  store::Event apply(const store::Event& event) const;
  std::string mask(std::string_view text, const store::Event& original) const;

  ~Pseudonymizer();
  struct Impl;
  explicit Pseudonymizer(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::query
