#include "ingest/classifier.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

namespace hokan::ingest {

struct Classifier::Impl {
  struct Rule {
    std::string category;
    config::Match match;
    std::unique_ptr<RE2> regex;
  };
  std::vector<Rule> rules;
  std::string default_category;
};

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Classifier::~Classifier() = default;

Result<std::shared_ptr<const Classifier>> Classifier::create(const config::Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->default_category = config.default_category;
  for (const auto& category : config.categories) {
    // Object categories receive over HTTP only; a rule without conditions would swallow
    // everything, so it only takes events as default_category.
    if (category.kind == config::Category::Kind::object || category.match.empty()) continue;
    Impl::Rule rule{category.name, category.match, nullptr};
    if (!category.match.regex.empty()) {
      RE2::Options options;
      options.set_log_errors(false);
      rule.regex = std::make_unique<RE2>(category.match.regex, options);
      if (!rule.regex->ok())
        return fail(Errc::invalid_argument, "category " + category.name +
                                                ": match.regex: " + rule.regex->error());
    }
    impl->rules.push_back(std::move(rule));
  }
  return std::make_shared<const Classifier>(std::move(impl));
}

namespace {

template <typename T>
bool listed(const std::vector<T>& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool has_sd_id(const std::vector<std::string>& ids, const syslog::Message& m) {
  if (ids.empty()) return true;
  for (const auto& element : m.sd)
    if (std::find(ids.begin(), ids.end(), element.id) != ids.end()) return true;
  return false;
}

}  // namespace

bool in_network(const PeerAddress& address, const config::Network& network) {
  const uint8_t* bytes = address.bytes;
  uint8_t mapped[4];
  if (address.v6 && !network.v6) {
    static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(address.bytes, kMappedPrefix, 12) != 0) return false;
    std::memcpy(mapped, address.bytes + 12, 4);
    bytes = mapped;
  } else if (address.v6 != network.v6) {
    return false;
  }
  int full = network.prefix / 8, rest = network.prefix % 8;
  if (std::memcmp(bytes, network.bytes, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == (network.bytes[full] & mask);
}

const std::string& Classifier::classify(const syslog::Message& m, const PeerAddress& peer) const {
  for (const auto& rule : impl_->rules) {
    const auto& match = rule.match;
    if (!listed(match.facility, m.facility) || !listed(match.severity, m.severity) ||
        !listed(match.app, m.app) || !listed(match.host, m.host) ||
        !listed(match.msgid, m.msgid) || !has_sd_id(match.sd_id, m))
      continue;
    if (!match.source.empty() &&
        std::none_of(match.source.begin(), match.source.end(),
                     [&](const config::Network& n) { return in_network(peer, n); }))
      continue;
    if (rule.regex && !RE2::PartialMatch(m.message, *rule.regex)) continue;
    return rule.category;
  }
  return impl_->default_category;
}

}  // namespace hokan::ingest
