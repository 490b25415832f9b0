// Object names: a name is unique within its category while its object is kept. An
// upload reserves its name before any byte is stored, atomically, so of concurrent
// PUTs of one name exactly one wins (the others get 409); the reservation becomes the
// object's once it is durable, or is dropped when the upload fails; a purge or erasure
// that destroys the object frees the name. Durable names live in the meta store under
// the keyed hash of the name, never the name in plain text.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/meta.h"

namespace hokan::store {

class ObjectNames {
 public:
  using Hash = std::function<uint64_t(std::string_view)>;
  ObjectNames(std::shared_ptr<MetaStore> meta, Hash hash);

  // Takes the name for one upload. Errors: already_exists when an object of that name
  // is kept or being uploaded; io.
  [[nodiscard]] Result<void> reserve(const std::string& category, const std::string& name);
  // The upload is durable: the name stays taken by object `id`. Errors: io (the
  // reservation is then dropped).
  [[nodiscard]] Result<void> commit(const std::string& category, const std::string& name, uint64_t id);
  // The upload failed or was refused: the name is free again.
  void release(const std::string& category, const std::string& name);
  // The object was destroyed: the name is free again. Errors: io.
  [[nodiscard]] Result<void> forget(const std::string& category, const std::string& name);

 private:
  std::string key(const std::string& category, const std::string& name) const;
  std::shared_ptr<MetaStore> meta_;
  Hash hash_;
  std::mutex mutex_;
  std::set<std::string> uploading_;  // keys reserved by uploads not yet committed
};

}  // namespace hokan::store
