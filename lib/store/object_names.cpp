#include "store/object_names.h"

#include <cstdio>

namespace hokan::store {
namespace {
constexpr char kSpace[] = "objname";
}

ObjectNames::ObjectNames(std::shared_ptr<MetaStore> meta, Hash hash) : meta_(std::move(meta)), hash_(std::move(hash)) {}

std::string ObjectNames::key(const std::string& category, const std::string& name) const {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_(name)));
  return category + "/" + buf;
}

Result<void> ObjectNames::reserve(const std::string& category, const std::string& name) {
  std::string k = key(category, name);
  // The lock spans the check and the reservation: that is what makes one upload win.
  std::lock_guard lock(mutex_);
  if (uploading_.contains(k))
    return fail(Errc::already_exists, "an object named \"" + name + "\" is being uploaded to " + category);
  auto kept = meta_->get(kSpace, k);
  if (!kept) return std::unexpected(kept.error());
  if (*kept) return fail(Errc::already_exists, "an object named \"" + name + "\" exists in " + category);
  uploading_.insert(k);
  return {};
}

Result<void> ObjectNames::commit(const std::string& category, const std::string& name, uint64_t id) {
  std::string k = key(category, name);
  auto put = meta_->put(kSpace, k, "{\"id\":" + std::to_string(id) + "}");
  std::lock_guard lock(mutex_);
  uploading_.erase(k);
  return put;
}

void ObjectNames::release(const std::string& category, const std::string& name) {
  std::lock_guard lock(mutex_);
  uploading_.erase(key(category, name));
}

Result<void> ObjectNames::forget(const std::string& category, const std::string& name) {
  return meta_->erase(kSpace, key(category, name));
}

}  // namespace hokan::store
