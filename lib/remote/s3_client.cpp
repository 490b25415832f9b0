#include "remote/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/base64.h"
#include "core/sha256.h"

namespace hokan::remote {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string content_md5(std::string_view body) { return core::base64_encode(core::md5(body)); }

// Bodies up to this size go as one buffer without "Expect: 100-continue": radosgw does
// not answer it for some requests (PUT ?retention=), and libcurl then waits 1 s.
constexpr std::size_t kDirectBody = 1 << 20;

// One easy handle per thread, reset between requests: its connection cache keeps the
// connection to the store open instead of a new one per request.
CURL* thread_handle() {
  struct Handle {
    CURL* curl = curl_easy_init();
    ~Handle() { curl_easy_cleanup(curl); }
  };
  thread_local Handle handle;
  if (handle.curl) curl_easy_reset(handle.curl);
  return handle.curl;
}

// The text of every <tag>...</tag> in `xml`, in order (S3's documents are flat enough
// that no XML parser is needed for the few elements read here).
std::vector<std::string_view> elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  std::size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    std::size_t begin = at + open.size();
    std::size_t end = xml.find(close, begin);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(begin, end - begin));
    at = end + close.size();
  }
  return out;
}

std::string element(std::string_view xml, std::string_view tag) {
  auto all = elements(xml, tag);
  return all.empty() ? std::string() : std::string(all.front());
}

std::string url_escape(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// Whole seconds, UTC ("2026-12-01T03:00:00Z"), as S3's retention dates are written.
std::string iso8601(int64_t time_us) {
  std::time_t t = static_cast<std::time_t>(time_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::vector<std::string> lock_headers(const ObjectLock& lock) {
  std::vector<std::string> h;
  if (lock.retain_until_us) {
    h.push_back("x-amz-object-lock-mode: COMPLIANCE");
    h.push_back("x-amz-object-lock-retain-until-date: " + iso8601(*lock.retain_until_us));
  }
  // Only when ON: any lock header, even OFF, is refused on a bucket without Object Lock.
  if (lock.legal_hold) h.push_back("x-amz-object-lock-legal-hold: ON");
  return h;
}

std::vector<std::string> meta_headers(const std::map<std::string, std::string>& meta) {
  std::vector<std::string> h;
  for (const auto& [name, value] : meta) h.push_back("x-amz-meta-" + name + ": " + value);
  return h;
}

struct Transfer {
  std::string_view upload;
  std::size_t sent = 0;
  std::string* body = nullptr;
  const std::function<bool(std::string_view)>* sink = nullptr;
  bool stopped = false;
  std::map<std::string, std::string>* headers = nullptr;
  long status = 0;
  CURL* curl = nullptr;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = std::min(size * count, t->upload.size() - t->sent);
  std::copy_n(t->upload.data() + t->sent, n, buffer);
  t->sent += n;
  return n;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  if (t->sink) {
    // Only a success streams to the sink; an error document is kept to say why.
    if (t->status == 0) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status / 100 == 2) {
      if (!(*t->sink)(std::string_view(data, n))) {
        t->stopped = true;
        return 0;
      }
      return n;
    }
  }
  // An answer hokan reads whole is small (XML, an anchor): a store that sends more is
  // cut off rather than allowed to fill memory.
  if (t->body->size() + n > (1 << 20)) return 0;
  t->body->append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::function<bool()>*>(user);
  return (*cancelled)() ? 1 : 0;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = lower(std::string(line.substr(0, colon)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    (*t->headers)[name] = std::string(value);
  }
  return size * count;
}

}  // namespace

std::string s3_error_code(long status, const std::string& body) {
  std::string code = element(body, "Code");
  return code.empty() ? "HTTP " + std::to_string(status) : code + " (HTTP " + std::to_string(status) + ")";
}

S3Client::S3Client(S3Options options) : options_(std::move(options)) { global_init(); }

Result<S3Client::Response> S3Client::perform(const Request& request) const {
  CURL* c = thread_handle();
  if (!c) return fail(Errc::internal, "libcurl: no handle");
  std::string url = options_.endpoint + "/" + request.bucket;
  if (!request.key.empty()) url += "/" + url_escape(request.key, true);
  if (!request.query.empty()) url += "?" + request.query;
  Response response;
  Transfer t;
  t.upload = request.body;
  t.body = &response.body;
  t.sink = request.sink;
  t.headers = &response.headers;
  t.curl = c;
  std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  std::string userpwd = options_.access_key + ":" + options_.secret_key;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  // A store that trickles is as good as down: below 16 KiB/s for low_speed_time_s, the
  // request ends (and is retried), so no stalled answer holds the shipper or a purge.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 16384L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  if (!options_.ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (options_.cancelled) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &options_.cancelled);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  if (request.method == "PUT" || (request.method == "POST" && request.has_body)) {
    if (request.body.size() <= kDirectBody) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else {
      if (request.method == "PUT") curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      else curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c, CURLOPT_READDATA, &t);
      if (request.method == "PUT") curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      else curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
    }
    // (No "Expect:" to turn 100-continue off: libcurl's SigV4 would sign that empty
    // header, which is never sent, and the store would refuse the signature.)
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    if (request.content_md5)
      headers = curl_slist_append(headers, ("Content-MD5: " + content_md5(request.body)).c_str());
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && t.stopped))
    return fail(Errc::io, request.method + " " + url + ": " + curl_easy_strerror(rc));
  return response;
}

namespace {
Result<void> expect_2xx(const std::string& what, long status, const std::string& body) {
  if (status / 100 == 2) return {};
  if (status == 404) return fail(Errc::not_found, what + ": " + s3_error_code(status, body));
  return fail(Errc::io, what + ": " + s3_error_code(status, body));
}
}  // namespace

Result<void> S3Client::create_bucket(const std::string& bucket, bool object_lock) const {
  Request r{.method = "PUT", .bucket = bucket};
  if (object_lock) r.headers = {"x-amz-bucket-object-lock-enabled: true"};
  r.has_body = true;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  if (response->status == 409 && element(response->body, "Code") == "BucketAlreadyOwnedByYou") return {};
  if (response->status == 409 && element(response->body, "Code") == "BucketAlreadyExists") {
    // RGW answers so for its own user's bucket too: ours if we may list it.
    Request head{.method = "HEAD", .bucket = bucket};
    auto h = perform(head);
    if (h && h->status / 100 == 2) return {};
  }
  return expect_2xx("create bucket " + bucket, response->status, response->body);
}

Result<void> S3Client::delete_bucket(const std::string& bucket) const {
  auto response = perform(Request{.method = "DELETE", .bucket = bucket});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return {};
  return expect_2xx("delete bucket " + bucket, response->status, response->body);
}

Result<void> S3Client::put_object(const std::string& bucket, const std::string& key, std::string_view body,
                                  const ObjectLock& lock, const std::map<std::string, std::string>& meta) const {
  Request r{.method = "PUT", .bucket = bucket, .key = key};
  r.headers = lock_headers(lock);
  for (auto& h : meta_headers(meta)) r.headers.push_back(std::move(h));
  r.body = body;
  r.has_body = true;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  return expect_2xx("put " + bucket + "/" + key, response->status, response->body);
}

Result<std::string> S3Client::start_multipart(const std::string& bucket, const std::string& key, const ObjectLock& lock,
                                              const std::map<std::string, std::string>& meta) const {
  Request r{.method = "POST", .bucket = bucket, .key = key, .query = "uploads="};
  r.headers = lock_headers(lock);
  for (auto& h : meta_headers(meta)) r.headers.push_back(std::move(h));
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  if (auto ok = expect_2xx("start upload " + bucket + "/" + key, response->status, response->body); !ok)
    return std::unexpected(ok.error());
  std::string id = element(response->body, "UploadId");
  if (id.empty()) return fail(Errc::io, "start upload " + bucket + "/" + key + ": no UploadId in the answer");
  return id;
}

Result<std::string> S3Client::put_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                       int part, std::string_view body) const {
  Request r{.method = "PUT", .bucket = bucket, .key = key,
            .query = "partNumber=" + std::to_string(part) + "&uploadId=" + url_escape(upload_id, false)};
  r.body = body;
  r.has_body = true;
  r.content_md5 = false;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  if (auto ok = expect_2xx("upload part " + std::to_string(part) + " of " + bucket + "/" + key, response->status,
                           response->body);
      !ok)
    return std::unexpected(ok.error());
  auto etag = response->headers.find("etag");
  if (etag == response->headers.end()) return fail(Errc::io, "upload part: no ETag in the answer");
  return etag->second;
}

Result<std::string> S3Client::complete_multipart(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id,
                                                 const std::vector<std::string>& etags) const {
  std::string xml = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i)
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  xml += "</CompleteMultipartUpload>";
  Request r{.method = "POST", .bucket = bucket, .key = key, .query = "uploadId=" + url_escape(upload_id, false)};
  r.body = xml;
  r.has_body = true;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  // S3 may answer 200 with an error document when completing fails late.
  if (response->status / 100 == 2 && response->body.find("<Error>") != std::string::npos)
    return fail(Errc::io, "complete upload " + bucket + "/" + key + ": " + s3_error_code(response->status, response->body));
  if (auto ok = expect_2xx("complete upload " + bucket + "/" + key, response->status, response->body); !ok)
    return std::unexpected(ok.error());
  auto version = response->headers.find("x-amz-version-id");
  return version == response->headers.end() ? std::string() : version->second;
}

Result<void> S3Client::set_retention(const std::string& bucket, const ObjectVersion& version,
                                     int64_t retain_until_us) const {
  return put_lock_setting(bucket, version, "retention",
                          "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode>"
                          "<RetainUntilDate>" + iso8601(retain_until_us) + "</RetainUntilDate></Retention>",
                          "set retention on");
}

Result<void> S3Client::put_lock_setting(const std::string& bucket, const ObjectVersion& version,
                                        const std::string& setting, const std::string& xml,
                                        const std::string& what) const {
  // libcurl signs the query as written: parameters in byte order, each with its '='.
  std::string query = setting + "=";
  if (!version.version_id.empty()) query += "&versionId=" + url_escape(version.version_id, false);
  Request r{.method = "PUT", .bucket = bucket, .key = version.key, .query = query};
  r.body = xml;
  r.has_body = true;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  return expect_2xx(what + " " + bucket + "/" + version.key, response->status, response->body);
}

void S3Client::abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id) const {
  (void)perform(Request{.method = "DELETE", .bucket = bucket, .key = key, .query = "uploadId=" + url_escape(upload_id, false)});
}

Result<void> S3Client::get_object(const std::string& bucket, const std::string& key,
                                  const std::function<bool(std::string_view)>& sink,
                                  const std::string& version_id) const {
  Request r{.method = "GET", .bucket = bucket, .key = key};
  if (!version_id.empty()) r.query = "versionId=" + url_escape(version_id, false);
  r.sink = &sink;
  auto response = perform(r);
  if (!response) return std::unexpected(response.error());
  return expect_2xx("get " + bucket + "/" + key, response->status, response->body);
}

Result<std::optional<ObjectHead>> S3Client::head_object(const std::string& bucket, const std::string& key) const {
  auto response = perform(Request{.method = "HEAD", .bucket = bucket, .key = key});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::optional<ObjectHead>{};
  if (auto ok = expect_2xx("head " + bucket + "/" + key, response->status, response->body); !ok)
    return std::unexpected(ok.error());
  ObjectHead head;
  if (auto it = response->headers.find("content-length"); it != response->headers.end())
    head.size = std::strtoull(it->second.c_str(), nullptr, 10);
  if (auto it = response->headers.find("etag"); it != response->headers.end()) {
    head.etag = it->second;
    std::erase(head.etag, '"');
  }
  for (const auto& [name, value] : response->headers)
    if (name.starts_with("x-amz-meta-")) head.meta[name.substr(11)] = value;
  return std::optional<ObjectHead>{std::move(head)};
}

Result<std::vector<ObjectVersion>> S3Client::list_versions(const std::string& bucket, const std::string& prefix) const {
  std::vector<ObjectVersion> out;
  std::string key_marker, version_marker;
  for (int page = 0; page < 100000; ++page) {
    // libcurl signs the query as written, and S3 wants it sorted: byte order.
    std::string query;
    if (!key_marker.empty()) query += "key-marker=" + url_escape(key_marker, false) + "&";
    if (!prefix.empty()) query += "prefix=" + url_escape(prefix, false) + "&";
    if (!version_marker.empty()) query += "version-id-marker=" + url_escape(version_marker, false) + "&";
    query += "versions=";
    auto response = perform(Request{.method = "GET", .bucket = bucket, .query = query});
    if (!response) return std::unexpected(response.error());
    if (response->status == 404) return out;
    if (auto ok = expect_2xx("list versions of " + bucket, response->status, response->body); !ok)
      return std::unexpected(ok.error());
    for (bool marker : {false, true})
      for (auto item : elements(response->body, marker ? "DeleteMarker" : "Version")) {
        ObjectVersion v;
        v.key = element(item, "Key");
        v.version_id = element(item, "VersionId");
        v.size = std::strtoull(element(item, "Size").c_str(), nullptr, 10);
        v.delete_marker = marker;
        v.etag = element(item, "ETag");
        for (std::string_view quote : {"&quot;", "\""})
          for (auto at = v.etag.find(quote); at != std::string::npos; at = v.etag.find(quote))
            v.etag.erase(at, quote.size());
        v.last_modified = element(item, "LastModified");
        out.push_back(std::move(v));
      }
    if (element(response->body, "IsTruncated") != "true") return out;
    key_marker = element(response->body, "NextKeyMarker");
    version_marker = element(response->body, "NextVersionIdMarker");
    if (key_marker.empty()) return out;
  }
  return out;
}

Result<void> S3Client::delete_version(const std::string& bucket, const ObjectVersion& version) const {
  auto response = perform(Request{.method = "DELETE", .bucket = bucket, .key = version.key,
                                  .query = "versionId=" + url_escape(version.version_id, false)});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return {};
  return expect_2xx("delete " + bucket + "/" + version.key + " version " + version.version_id, response->status,
                    response->body);
}

Result<void> S3Client::set_legal_hold(const std::string& bucket, const ObjectVersion& version, bool on) const {
  return put_lock_setting(bucket, version, "legal-hold",
                          std::string("<LegalHold xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>") +
                              (on ? "ON" : "OFF") + "</Status></LegalHold>",
                          on ? "place legal hold on" : "release legal hold on");
}

}  // namespace hokan::remote
