#include "query/query.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>

#include "core/time_format.h"
#include "store/event_match.h"

namespace hokan::query {
namespace {

// The longest text every one of `alternatives` contains.
std::string longest_common_part(const std::vector<std::string>& alternatives) {
  if (alternatives.empty()) return {};
  const std::string& shortest = *std::min_element(
      alternatives.begin(), alternatives.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  for (std::size_t length = shortest.size(); length > 0; --length)
    for (std::size_t at = 0; at + length <= shortest.size(); ++at) {
      std::string_view part(shortest.data() + at, length);
      if (std::all_of(alternatives.begin(), alternatives.end(),
                      [&](const std::string& a) { return a.find(part) != std::string::npos; }))
        return std::string(part);
    }
  return {};
}

// The literals every match of `pattern` holds (in lower case; RE2's prefilter folds
// them), for the store to skip buckets, blocks and records without them unread.
// FilteredRE2 gives an AND-OR tree of literals. A literal is required when the tree
// fails without it. A set of literals the tree fails without, though it passes without
// any one of them, is an OR (RE2 spells `10\.2[0-3]` as four literals): every match
// holds one of them, so it holds what they all share. Under (?i), RE2 matches k and s to
// U+212A and U+017F too, whose bytes hold neither letter: literals with them are left out.
std::vector<std::string> required_literals(const std::string& pattern, const RE2::Options& options) {
  constexpr std::size_t kMinLiteral = 3;
  constexpr std::size_t kMaxLiterals = 64;
  re2::FilteredRE2 filter(static_cast<int>(kMinLiteral));
  int id = 0;
  if (filter.Add(pattern, options, &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  if (atoms.empty() || atoms.size() > kMaxLiterals) return {};
  const bool any_case = pattern.find("(?") != std::string::npos || !options.case_sensitive();
  // Whether the tree still passes with only the atoms in `present`.
  std::vector<int> passed;
  auto passes = [&](const std::vector<bool>& present) {
    std::vector<int> ids;
    for (std::size_t i = 0; i < present.size(); ++i)
      if (present[i]) ids.push_back(static_cast<int>(i));
    filter.AllPotentials(ids, &passed);
    return !passed.empty();
  };
  std::vector<std::string> required;
  auto keep = [&](std::string literal) {
    if (literal.size() < kMinLiteral) return;
    if (any_case && literal.find_first_of("ks") != std::string::npos) return;
    if (std::find(required.begin(), required.end(), literal) == required.end()) required.push_back(std::move(literal));
  };
  std::vector<bool> alone(atoms.size(), true);
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    std::vector<bool> present(atoms.size(), true);
    present[i] = false;
    if (!passes(present)) {
      keep(atoms[i]);
      alone[i] = false;
    }
  }
  // Each round takes out all the atoms not yet placed; if the tree then fails, it narrows
  // them to a smallest set it cannot do without: one OR.
  std::vector<bool> placed(atoms.size());
  for (std::size_t i = 0; i < atoms.size(); ++i) placed[i] = !alone[i];
  for (std::size_t round = 0; round < atoms.size(); ++round) {
    std::vector<bool> present = placed;
    for (std::size_t i = 0; i < atoms.size(); ++i) present[i] = present[i] || !alone[i];
    if (passes(present)) break;
    std::vector<bool> group(atoms.size());
    for (std::size_t i = 0; i < atoms.size(); ++i) group[i] = !present[i];
    for (std::size_t i = 0; i < atoms.size(); ++i) {
      if (!group[i]) continue;
      present[i] = true;
      if (passes(present)) present[i] = false;  // needed to fail: it stays in the OR
      else group[i] = false;
    }
    std::vector<std::string> alternatives;
    for (std::size_t i = 0; i < atoms.size(); ++i)
      if (group[i]) {
        alternatives.push_back(atoms[i]);
        placed[i] = true;
      }
    if (alternatives.empty()) break;
    keep(longest_common_part(alternatives));
  }
  return required;
}

}  // namespace

struct CompiledQuery::Regex {
  explicit Regex(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

CompiledQuery::CompiledQuery() = default;
CompiledQuery::~CompiledQuery() = default;

Result<std::shared_ptr<const CompiledQuery>> CompiledQuery::compile(const QueryRequest& r,
                                                                    const core::TimeZone& zone,
                                                                    int64_t now_us) {
  auto q = std::make_shared<CompiledQuery>();
  if (!r.since.empty()) {
    auto t = core::parse_time(r.since, now_us, zone);
    if (!t) return fail(Errc::invalid_argument, "bad --since: " + t.error().message);
    q->scan_.since_us = *t;
  }
  if (!r.until.empty()) {
    auto t = core::parse_time(r.until, now_us, zone);
    if (!t) return fail(Errc::invalid_argument, "bad --until: " + t.error().message);
    q->scan_.until_us = *t;
  }
  // Ranges are half-open, [since, until): equal ends select nothing, which is an answer
  // (a script stepping through windows meets it), not a mistake.
  if (q->scan_.since_us > q->scan_.until_us)
    return fail(Errc::invalid_argument, "--since must not be after --until");
  q->scan_.categories = r.categories;
  q->scan_.hosts = r.hosts;
  q->scan_.apps = r.apps;
  q->scan_.users = r.users;
  auto ips = store::parse_ip_filter(r.ips);
  if (!ips) return fail(Errc::invalid_argument, "bad --ip: " + ips.error().message);
  q->scan_.ips = std::move(ips->exact);
  q->scan_.ip_prefixes = std::move(ips->prefixes);
  q->scan_.reverse = r.reverse;
  q->limit_ = r.limit;
  q->grep_ = r.grep;
  q->scan_.prefilter = r.grep;
  if (!r.regex.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    q->regex_ = std::make_unique<Regex>(r.regex, options);
    if (!q->regex_->re.ok())
      return fail(Errc::invalid_argument, "bad --regex: " + q->regex_->re.error());
    q->scan_.required_text = required_literals(r.regex, options);
  }
  return q;
}

bool CompiledQuery::matches_text(const store::Event& e) const {
  // --grep looks for bytes in the bytes received (the message where none were kept), so
  // a byte invalid in UTF-8 or a NUL can be found as it was sent.
  if (!grep_.empty()) {
    const std::string& bytes = e.raw.empty() ? e.message : e.raw;
    if (!memmem(bytes.data(), bytes.size(), grep_.data(), grep_.size())) return false;
  }
  // A pattern is written against the message (^ anchors at its start), or the whole
  // line when it did not parse.
  const std::string& text = e.malformed && !e.raw.empty() ? e.raw : e.message;
  if (regex_ && !RE2::PartialMatch(text, regex_->re)) return false;
  return true;
}

bool CompiledQuery::matches(const store::Event& e) const {
  auto listed = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return e.time_us >= scan_.since_us && e.time_us < scan_.until_us &&
         listed(scan_.categories, e.category) && listed(scan_.hosts, e.host) &&
         listed(scan_.apps, e.app) && store::matches_users(e, scan_.users) &&
         store::matches_ips(e, scan_.ips, scan_.ip_prefixes) && matches_text(e);
}

Result<CompiledQuery::Progress> CompiledQuery::run(
    const store::Store& store, const std::function<bool(store::Event&)>& emit,
    const std::function<void(const Progress&)>& progress) const {
  Progress p;
  if (scan_.since_us >= scan_.until_us) return p;  // an empty range
  auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  auto report = [&] {
    progress(p);
    next_report = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  };
  // Records the store ruled out unread (text that is not there) count as examined.
  uint64_t skipped = 0;
  auto visit = [&](store::Event& e) {
    ++p.examined;
    p.at_us = e.time_us;
    if (progress && (p.examined & 4095) == 0 && std::chrono::steady_clock::now() >= next_report) report();
    if (!matches_text(e)) return true;
    ++p.matched;
    if (!emit(e)) return false;
    return limit_ == 0 || p.matched < limit_;
  };
  // A text search may go through days without a match: the progress line still moves.
  auto day_done = [&](const store::ScanStats& so_far, int64_t reached_us) {
    p.examined += so_far.skipped - skipped;
    skipped = so_far.skipped;
    p.at_us = reached_us;
    if (progress && std::chrono::steady_clock::now() >= next_report) report();
  };
  auto scanned = store.scan(scan_, visit, day_done);
  if (!scanned) return std::unexpected(scanned.error());
  p.corrupt = scanned->corrupt;
  return p;
}

}  // namespace hokan::query
