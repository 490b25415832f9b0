// A small S3 client for what the remote tier needs of an S3-compatible store (Ceph's
// RADOS Gateway, or any S3 service): buckets with Object Lock, objects with COMPLIANCE
// retention and legal holds, multipart uploads, version listing and deletion. Requests
// are signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4), path-style, one easy
// handle per request. Bodies are never signed (UNSIGNED-PAYLOAD): TLS protects them on
// the wire, Content-MD5 checks each upload, and what is uploaded is ciphertext whose
// every frame carries its own tag.
// Thread-safety: all members are safe from any thread (no state is shared between calls).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hokan::remote {

struct S3Options {
  std::string endpoint;  // "http(s)://host:port", no trailing slash
  std::string region = "default";
  std::string access_key, secret_key;
  std::string ca;               // CA bundle for https; empty: the system's
  long connect_timeout_s = 5;   // a store that does not answer is "down", not a hang
  long low_speed_time_s = 30;   // a transfer below 1 KiB/s for this long is cut off
  // Polled during transfers: true ends the request at once (the daemon is stopping).
  std::function<bool()> cancelled;
};

// What Object Lock keeps of an object: COMPLIANCE retention until a time, and a legal hold.
struct ObjectLock {
  std::optional<int64_t> retain_until_us;
  bool legal_hold = false;
};

struct ObjectVersion {
  std::string key, version_id;
  uint64_t size = 0;
  bool delete_marker = false;
  std::string etag;           // without quotes; empty for a delete marker
  std::string last_modified;  // as listed (ISO 8601, UTC)
};

struct ObjectHead {
  uint64_t size = 0;
  std::string etag;  // without quotes
  std::map<std::string, std::string> meta;  // x-amz-meta-*, names in lower case
};

class S3Client {
 public:
  explicit S3Client(S3Options options);

  // Creates the bucket with Object Lock (and so versioning); one that exists and is
  // ours already is fine. Errors: io (network, or the store refused, with its code).
  [[nodiscard]] Result<void> create_bucket(const std::string& bucket, bool object_lock = true) const;
  [[nodiscard]] Result<void> delete_bucket(const std::string& bucket) const;

  [[nodiscard]] Result<void> put_object(const std::string& bucket, const std::string& key, std::string_view body,
                                        const ObjectLock& lock, const std::map<std::string, std::string>& meta) const;
  // Multipart: every part but the last at least 5 MiB. Returns the upload id / ETag.
  [[nodiscard]] Result<std::string> start_multipart(const std::string& bucket, const std::string& key,
                                                    const ObjectLock& lock,
                                                    const std::map<std::string, std::string>& meta) const;
  // Parts go without Content-MD5: hashing every byte cost as much CPU as the store's
  // own work, and what is shipped is ciphertext whose every frame carries a GCM tag, so
  // a damaged byte is found when it is read; the returned ETag is the store's MD5.
  [[nodiscard]] Result<std::string> put_part(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id, int part, std::string_view body) const;
  // Returns the new version's id. RGW (16.2) drops the Object Lock headers of a
  // multipart initiate: callers lock the version afterwards (set_retention, set_legal_hold).
  [[nodiscard]] Result<std::string> complete_multipart(const std::string& bucket, const std::string& key,
                                                       const std::string& upload_id,
                                                       const std::vector<std::string>& etags) const;
  [[nodiscard]] Result<void> set_retention(const std::string& bucket, const ObjectVersion& version,
                                           int64_t retain_until_us) const;
  void abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id) const;

  // Streams the object's bytes to `sink` (false stops). Errors: not_found (404), io.
  [[nodiscard]] Result<void> get_object(const std::string& bucket, const std::string& key,
                                        const std::function<bool(std::string_view)>& sink,
                                        const std::string& version_id = "") const;
  // The object's size and metadata, or nothing when it answers 404. Errors: io.
  [[nodiscard]] Result<std::optional<ObjectHead>> head_object(const std::string& bucket, const std::string& key) const;
  // Every version and delete marker. A missing bucket has none. Errors: io.
  [[nodiscard]] Result<std::vector<ObjectVersion>> list_versions(const std::string& bucket,
                                                                 const std::string& prefix = "") const;
  [[nodiscard]] Result<void> delete_version(const std::string& bucket, const ObjectVersion& version) const;
  [[nodiscard]] Result<void> set_legal_hold(const std::string& bucket, const ObjectVersion& version, bool on) const;

  const S3Options& options() const { return options_; }

 private:
  struct Response {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
  };
  struct Request {
    std::string method;
    std::string bucket, key, query;
    std::vector<std::string> headers;
    std::string_view body;
    bool has_body = false;
    bool content_md5 = true;  // send Content-MD5 (computed here) with a body
    const std::function<bool(std::string_view)>* sink = nullptr;  // GET streaming
  };
  Result<Response> perform(const Request& request) const;
  // PUT ?retention= or ?legal-hold= on one version.
  Result<void> put_lock_setting(const std::string& bucket, const ObjectVersion& version, const std::string& setting,
                                const std::string& xml, const std::string& what) const;
  S3Options options_;
};

// The <Code> of an S3 error document, or the HTTP status when there is none.
std::string s3_error_code(long status, const std::string& body);

}  // namespace hokan::remote
