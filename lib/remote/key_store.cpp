#include "remote/key_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hokan::remote {
namespace {
namespace fs = std::filesystem;

Error errno_error(const std::string& what) { return Error{Errc::io, what + ": " + std::strerror(errno)}; }

bool sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Bucket names come from hokan (prefix, category, lane, day): a-z 0-9 - and '.'.
bool safe_name(const std::string& bucket) {
  if (bucket.empty() || bucket.size() > 63 || bucket[0] == '.') return false;
  for (char ch : bucket)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.')) return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<KeyStore>> KeyStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::io, "cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return std::unique_ptr<KeyStore>(new KeyStore(dir));
}

std::string KeyStore::path_of(const std::string& bucket) const { return dir_ + "/" + bucket + ".key"; }
std::string KeyStore::tombstone_of(const std::string& bucket) const { return dir_ + "/" + bucket + ".destroyed"; }

bool KeyStore::destroyed(const std::string& bucket) const {
  std::error_code ec;
  return fs::exists(tombstone_of(bucket), ec);
}

bool KeyStore::escrowed(const std::string& bucket) const {
  std::error_code ec;
  return fs::exists(dir_ + "/" + bucket + ".escrowed", ec);
}

Result<void> KeyStore::mark_escrowed(const std::string& bucket) {
  if (!safe_name(bucket)) return fail(Errc::invalid_argument, "not a remote bucket name: \"" + bucket + "\"");
  std::string mark = dir_ + "/" + bucket + ".escrowed";
  int fd = ::open(mark.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(errno_error("create " + mark));
  ::fsync(fd);
  ::close(fd);
  if (!sync_dir(dir_)) return std::unexpected(errno_error("sync " + dir_));
  return {};
}

Result<std::optional<DataKey>> KeyStore::find(const std::string& bucket) const {
  if (!safe_name(bucket)) return fail(Errc::invalid_argument, "not a remote bucket name: \"" + bucket + "\"");
  std::lock_guard lock(mutex_);
  return read_key(bucket);
}

Result<std::optional<DataKey>> KeyStore::read_key(const std::string& bucket) const {
  int fd = ::open(path_of(bucket).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<DataKey>{};
    return std::unexpected(errno_error("read key " + path_of(bucket)));
  }
  DataKey key{};
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(key.size()))
    return fail(Errc::corruption, "key file " + path_of(bucket) + " is not a 32-byte key");
  return std::optional<DataKey>{key};
}

Result<DataKey> KeyStore::key_for(const std::string& bucket) {
  if (!safe_name(bucket)) return fail(Errc::invalid_argument, "not a remote bucket name: \"" + bucket + "\"");
  // Under the lock from the read to the rename: two first uploads to a bucket must not
  // each make a key, or the loser's objects could never be read.
  std::lock_guard lock(mutex_);
  auto found = read_key(bucket);
  if (!found) return std::unexpected(found.error());
  if (*found) return **found;
  if (destroyed(bucket))
    return fail(Errc::permission_denied, "the key of remote bucket " + bucket + " was destroyed: nothing more goes there");
  auto key = new_data_key();
  if (!key) return key;
  // Written under a temporary name and renamed: a crash leaves a whole key or none.
  std::string path = path_of(bucket), temp = path + ".new";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(errno_error("create key " + temp));
  bool ok = write_all(fd, key->data(), key->size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0 || !sync_dir(dir_)) {
    auto e = errno_error("write key " + path);
    ::unlink(temp.c_str());
    return std::unexpected(e);
  }
  return *key;
}

Result<bool> KeyStore::destroy(const std::string& bucket) {
  if (!safe_name(bucket)) return fail(Errc::invalid_argument, "not a remote bucket name: \"" + bucket + "\"");
  std::lock_guard lock(mutex_);
  // The tombstone first: from here on no new key is made for the bucket.
  std::string tomb = tombstone_of(bucket);
  int t = ::open(tomb.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (t < 0) return std::unexpected(errno_error("create " + tomb));
  ::fsync(t);
  ::close(t);
  std::string path = path_of(bucket);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return sync_dir(dir_) ? Result<bool>(false) : std::unexpected(errno_error("sync " + dir_));
    return std::unexpected(errno_error("open key " + path));
  }
  // Overwritten in place, twice (zeros, then random bytes), each synced: the file's block
  // no longer holds the key when it is freed.
  DataKey noise{};
  bool ok = write_all(fd, noise.data(), noise.size()) && ::fdatasync(fd) == 0;
  if (auto random = new_data_key(); random) noise = *random;
  ok = ok && ::pwrite(fd, noise.data(), noise.size(), 0) == static_cast<ssize_t>(noise.size()) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) return std::unexpected(errno_error("overwrite key " + path));
  if (::unlink(path.c_str()) != 0) return std::unexpected(errno_error("remove key " + path));
  ::unlink((dir_ + "/" + bucket + ".escrowed").c_str());
  if (!sync_dir(dir_)) return std::unexpected(errno_error("sync " + dir_));
  return true;
}

}  // namespace hokan::remote
