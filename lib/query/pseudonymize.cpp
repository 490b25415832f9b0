#include "query/pseudonymize.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <re2/re2.h>

namespace hokan::query {

struct Pseudonymizer::Impl {
  std::string key;
  RE2 email{R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"};
  RE2 ipv4{R"(\b\d{1,3}(?:\.\d{1,3}){3}\b)"};
  RE2 ipv6{R"(\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}\b)"};
  RE2 user_token{R"(\b(user|for|by|ruser|username)([ =])([A-Za-z0-9._@-]+))"};
  RE2 number{R"((\d+))"};
};

Pseudonymizer::Pseudonymizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pseudonymizer::~Pseudonymizer() = default;

Result<std::shared_ptr<const Pseudonymizer>> Pseudonymizer::create(std::string key) {
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 16) return fail(Errc::invalid_argument, "the pseudonym key must be at least 16 bytes");
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(key);
  return std::make_shared<const Pseudonymizer>(std::move(impl));
}

std::string Pseudonymizer::pseudonym(std::string_view kind, std::string_view value) const {
  std::string input(kind);
  input.push_back(':');
  input.append(value);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), impl_->key.data(), static_cast<int>(impl_->key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kind == "user" ? "u-" : kind == "ip" ? "ip-" : "h-");
  for (unsigned i = 0; i < 8; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

std::string Pseudonymizer::mask(std::string_view text, const store::Event& e) const {
  std::string out(text);
  // The record's own identifiers first, so they become their pseudonyms, not "#".
  auto replace_all = [&](const std::string& value, const std::string& with) {
    if (value.size() < 2) return;
    for (std::size_t pos = out.find(value); pos != std::string::npos; pos = out.find(value, pos + with.size()))
      out.replace(pos, value.size(), with);
  };
  replace_all(e.fields.src_ip, pseudonym("ip", e.fields.src_ip));
  replace_all(e.fields.user, pseudonym("user", e.fields.user));
  replace_all(e.fields.target_user, pseudonym("user", e.fields.target_user));
  for (const auto& ip : e.fields.ips) replace_all(ip, pseudonym("ip", ip));
  replace_all(e.host, pseudonym("host", e.host));
  RE2::GlobalReplace(&out, impl_->email, "<email>");
  RE2::GlobalReplace(&out, impl_->ipv6, "<ip>");
  RE2::GlobalReplace(&out, impl_->ipv4, "<ip>");
  // Other user names after "user=", "for", "by": replaced by a keyed pseudonym each.
  std::string masked;
  re2::StringPiece input(out), kw, sep, name;
  std::size_t last = 0;
  const char* base = out.data();
  while (RE2::FindAndConsume(&input, impl_->user_token, &kw, &sep, &name)) {
    std::size_t start = static_cast<std::size_t>(name.data() - base);
    masked.append(out, last, start - last);
    std::string n(name.data(), name.size());
    masked += n.starts_with("u-") || n.starts_with("ip-") || n.starts_with("h-") || n == "<email>" ? n : pseudonym("user", n);
    last = start + name.size();
  }
  masked.append(out, last, std::string::npos);
  // Numbers last: ports, ids, amounts; pseudonyms keep their hex.
  std::string result;
  re2::StringPiece rest(masked);
  const char* mbase = masked.data();
  std::size_t done = 0;
  re2::StringPiece digits;
  while (RE2::FindAndConsume(&rest, impl_->number, &digits)) {
    std::size_t start = static_cast<std::size_t>(digits.data() - mbase);
    // Inside a pseudonym ("u-3f2a9...") digits are part of the hash: leave them.
    std::size_t word = start == 0 ? std::string::npos : masked.find_last_of(" =:,;\"'([", start - 1);
    word = word == std::string::npos ? 0 : word + 1;
    std::string_view token(masked.data() + word, start - word);
    if (token.starts_with("u-") || token.starts_with("ip-") || token.starts_with("h-")) continue;
    result.append(masked, done, start - done);
    result.push_back('#');
    done = start + digits.size();
  }
  result.append(masked, done, std::string::npos);
  return result;
}

store::Event Pseudonymizer::apply(const store::Event& e) const {
  store::Event out;
  out.id = e.id;
  out.time_us = e.time_us;
  out.received_us = e.received_us;
  out.category = e.category;
  out.facility = e.facility;
  out.severity = e.severity;
  out.app = e.app;
  out.msgid = e.msgid;
  if (!e.host.empty()) out.host = pseudonym("host", e.host);
  if (!e.fields.user.empty()) out.fields.user = pseudonym("user", e.fields.user);
  if (!e.fields.src_ip.empty()) out.fields.src_ip = pseudonym("ip", e.fields.src_ip);
  if (!e.fields.target_user.empty())
    out.fields.target_user = pseudonym("user", e.fields.target_user);
  if (!e.fields.origin_ip.empty()) out.fields.origin_ip = pseudonym("ip", e.fields.origin_ip);
  for (const auto& ip : e.fields.ips) out.fields.ips.push_back(pseudonym("ip", ip));
  // No raw: the bytes received hold every name and address in the clear.
  out.fields.action = e.fields.action;
  out.message = mask(e.malformed ? e.raw : e.message, e);
  out.fields.extra.emplace_back("size", std::to_string(e.message.size()));
  out.malformed = e.malformed;
  out.truncated = e.truncated;
  return out;
}

}  // namespace hokan::query
