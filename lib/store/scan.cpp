// The read path: full scans and index lookups, both as a merge of record blocks.
//
// Blocks of one bucket may overlap in time (a late or back-filled record lands in a
// later write's block), so a scan keeps the blocks it has opened in a heap and opens
// the next one only when it might hold a record due before the heap's top. Forward,
// a block's key is its smallest record; backward, a block holds nothing later than its
// key's time plus kMaxBlockSpanUs. Blocks stay in RocksDB's buffers until a record of
// theirs is wanted: text searches look for the text in place and copy only blocks that
// hold it.
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

#include "store/event_match.h"
#include "store/folded_text.h"
#include "store/record_block.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;
using codec::IndexField;
using codec::RecordKey;

namespace {

bool any_equal(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

// The index gives the records that hold a value; this checks every filter (a record
// the user index found by its target_user must still pass the host filter, and so on).
bool matches_fields(const ScanQuery& q, const Event& e) {
  return any_equal(q.hosts, e.host) && any_equal(q.apps, e.app) && matches_users(e, q.users) &&
         matches_ips(e, q.ips, q.ip_prefixes);
}

// The index to drive a lookup: the field most likely to be rare. Addresses drive only
// without prefixes: the index holds exact addresses, not ranges.
std::optional<std::pair<IndexField, const std::vector<std::string>*>> driving_index(const ScanQuery& q) {
  if (!q.users.empty()) return std::pair{IndexField::user, &q.users};
  if (!q.ips.empty() && q.ip_prefixes.empty()) return std::pair{IndexField::ip, &q.ips};
  if (!q.hosts.empty()) return std::pair{IndexField::host, &q.hosts};
  if (!q.apps.empty()) return std::pair{IndexField::app, &q.apps};
  return std::nullopt;
}

// The earliest time a block holding records at or after `since_us` can start at.
int64_t first_block_time(int64_t since_us) {
  return since_us < std::numeric_limits<int64_t>::min() + block::kMaxBlockSpanUs
             ? std::numeric_limits<int64_t>::min()
             : since_us - block::kMaxBlockSpanUs;
}

// One block taking part in the merge: its bytes (owned), and the ordinals of the
// records still to visit, in emit order.
struct OpenBlock {
  std::string value;
  block::Reader reader;
  std::vector<uint32_t> picks;
  std::size_t next = 0;
  const Bucket* bucket = nullptr;
  RecordKey key() const { return reader.key(picks[next]); }
  bool done() const { return next >= picks.size(); }
};

// A page of a day's scan ends after this many matches, or this much scanning: the
// day's buckets are held only while a page is collected, never while its matches go to
// the visitor (which may wait on a slow client), so a purge never waits long on a reader.
constexpr std::size_t kPageRecords = 1024;
constexpr auto kPageTime = std::chrono::milliseconds(20);

// The text every record a scan visits must hold (ScanQuery::prefilter and
// required_text), searched for in place, before anything is decoded.
class TextNeeds {
 public:
  explicit TextNeeds(const ScanQuery& q) : exact_(q.prefilter) {
    for (std::string_view literal : searched_literals(q))
      if (literal != q.prefilter) folded_.emplace_back(literal);
    // The longest literal leads: it is likely the rarest.
    std::stable_sort(folded_.begin(), folded_.end(),
                     [](const FoldedNeedle& a, const FoldedNeedle& b) { return a.size() > b.size(); });
  }
  bool empty() const { return exact_.empty() && folded_.empty(); }
  // Where the leading literal first occurs in `bytes`, or nullptr.
  const char* find_first(std::string_view bytes) const {
    if (!exact_.empty())
      return static_cast<const char*>(memmem(bytes.data(), bytes.size(), exact_.data(), exact_.size()));
    return folded_.front().find(bytes);
  }
  // True when `bytes` hold every literal.
  bool held_by(std::string_view bytes) const {
    if (!exact_.empty() && !memmem(bytes.data(), bytes.size(), exact_.data(), exact_.size())) return false;
    return std::all_of(folded_.begin(), folded_.end(), [&](const FoldedNeedle& n) { return n.find(bytes); });
  }

 private:
  std::string exact_;
  std::vector<FoldedNeedle> folded_;
};

// What a scan knows before it opens blocks.
struct ScanContext {
  const Store::Impl& impl;
  const ScanQuery& q;
  const TextNeeds& text;
  ScanStats& stats;
  RecordKey lower, upper;  // records in [lower, upper)
  // Where a paused merge got to: the key of the last record it took (matched or not).
  std::optional<RecordKey> last_taken;
  // Forward scans, where a paused merge got to in the bucket: no block whose key is
  // below this holds a record it has not taken yet. The next page seeks here instead of
  // a block span before `lower`: in a day written densely (millions of records within a
  // block span) that would read the day again for every page.
  std::optional<RecordKey> resume_block;
  // Asked after each record taken; true pauses the merge.
  std::function<bool()> pause;

  // Damaged data is an error to report, not a reason to stop: the scan goes past it.
  void corrupt(const Bucket& bucket, const Error& error) const {
    ++stats.corrupt;
    impl.report_corrupt(bucket.path, error);
  }

  // The records of an opened block to visit, in emit order. Those the time range or
  // the text prefilter rule out are counted as skipped and never decoded.
  void pick(const block::Reader& reader, std::vector<uint32_t>& picks,
            const std::vector<uint32_t>* candidates = nullptr) const {
    picks.clear();
    std::size_t lo = reader.lower_bound(lower), hi = reader.lower_bound(upper);
    if (candidates) {
      for (uint32_t ordinal : *candidates)
        if (ordinal >= lo && ordinal < hi && holds_text(reader.record(ordinal))) picks.push_back(ordinal);
    } else if (text.empty()) {
      picks.resize(hi > lo ? hi - lo : 0);
      std::iota(picks.begin(), picks.end(), static_cast<uint32_t>(lo));
    } else if (hi > lo) {
      // One search over the payload: each hit names its record, and the search resumes
      // after that record.
      auto payload = reader.payload();
      std::size_t from = reader.record(lo).data() - payload.data();
      std::size_t end = reader.record(hi - 1).data() + reader.record(hi - 1).size() - payload.data();
      while (from < end) {
        const char* hit = text.find_first(payload.substr(from, end - from));
        if (!hit) break;
        std::size_t at = reader.record_at(hit - payload.data());
        if (text.held_by(reader.record(at))) picks.push_back(static_cast<uint32_t>(at));
        from = reader.record(at).data() + reader.record(at).size() - payload.data();
      }
    }
    stats.skipped += reader.size() - picks.size();
    if (q.reverse) std::reverse(picks.begin(), picks.end());
  }
  // True when every record of a block starting at `first` lies in [lower, upper).
  bool within(RecordKey first) const {
    return !(first < lower) && first.time_us <= std::numeric_limits<int64_t>::max() - block::kMaxBlockSpanUs &&
           RecordKey{first.time_us + block::kMaxBlockSpanUs + 1, 0} < upper;
  }
  bool holds_text(std::string_view record) const { return text.empty() || text.held_by(record); }
};

// A source of blocks in merge order.
class Feed {
 public:
  virtual ~Feed() = default;
  // The key of the next block, or nothing when the feed is exhausted.
  virtual std::optional<RecordKey> peek() = 0;
  // Opens the next block into `out` and moves past it. False when it holds nothing to
  // visit.
  [[nodiscard]] virtual Result<bool> open(OpenBlock& out) = 0;
};

// Every block of one bucket that may hold records of the scan's time range.
class BucketFeed : public Feed {
 public:
  BucketFeed(std::shared_ptr<Bucket> bucket, const ScanContext& context)
      : bucket_(std::move(bucket)), context_(context) {
    RecordKey from{first_block_time(context.lower.time_us), 0};
    if (!context.q.reverse && context.resume_block && from < *context.resume_block) from = *context.resume_block;
    codec::append_block_key(lower_, from);
    codec::append_block_key(upper_, context.upper);
    lower_slice_ = rocksdb::Slice(lower_);
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    ro.fill_cache = false;  // scans would evict the index blocks lookups need
    ro.readahead_size = 2 << 20;
    it_.reset(bucket_->store.db->NewIterator(ro, bucket_->store.records));
    if (context.q.reverse) it_->SeekToLast();
    else it_->SeekToFirst();
  }
  std::optional<RecordKey> peek() override {
    while (it_->Valid()) {
      auto key = codec::decode_block_key(std::string_view(it_->key().data(), it_->key().size()));
      if (key) return *key;
      context_.corrupt(*bucket_, key.error());  // a key inside the block range that is not one
      step();
    }
    return std::nullopt;
  }
  Result<bool> open(OpenBlock& out) override {
    auto key = codec::decode_block_key(std::string_view(it_->key().data(), it_->key().size()));
    if (!key) return std::unexpected(key.error());  // peek() went past every such key
    std::string_view value(it_->value().data(), it_->value().size());
    if (!context_.text.empty() && context_.within(*key)) {
      // Most blocks of a text search hold no hit: rule them out before parsing them.
      auto payload = block::Reader::payload_of(value);
      if (payload && !context_.text.held_by(payload->first)) {
        context_.stats.skipped += payload->second;
        step();
        return false;
      }
    }
    if (auto r = out.reader.open(*key, value); !r) {
      context_.corrupt(*bucket_, r.error());
      step();
      return false;
    }
    context_.pick(out.reader, out.picks);
    bool wanted = !out.picks.empty();
    if (wanted) {
      out.value.assign(value);  // the iterator's buffer is gone once it moves
      out.reader.rebase(out.value);
      out.next = 0;
      out.bucket = bucket_.get();
    }
    step();
    return wanted;
  }
  rocksdb::Status status() const { return it_->status(); }

 private:
  void step() {
    if (context_.q.reverse) it_->Prev();
    else it_->Next();
  }
  std::shared_ptr<Bucket> bucket_;  // keeps the DB open while iterating
  const ScanContext& context_;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// The blocks an index lookup's postings point at, across one day's buckets.
class PostingFeed : public Feed {
 public:
  struct Ref {
    std::size_t bucket;
    RecordKey block;
    std::vector<uint32_t> ordinals;
  };
  PostingFeed(std::vector<std::shared_ptr<Bucket>> buckets, std::vector<Ref> refs, const ScanContext& context)
      : buckets_(std::move(buckets)), refs_(std::move(refs)), context_(context) {}
  std::optional<RecordKey> peek() override {
    if (next_ >= refs_.size()) return std::nullopt;
    return refs_[next_].block;
  }
  Result<bool> open(OpenBlock& out) override {
    const Ref& ref = refs_[next_++];
    auto& bucket = *buckets_[ref.bucket];
    std::string key;
    codec::append_block_key(key, ref.block);
    auto s = bucket.store.db->Get({}, bucket.store.records, key, &out.value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return std::unexpected(status_error(s, "read " + bucket.path));
    if (auto r = out.reader.open(ref.block, out.value); !r) {
      context_.corrupt(bucket, r.error());
      return false;
    }
    std::vector<uint32_t> in_block;
    for (uint32_t o : ref.ordinals)
      if (o < out.reader.size()) in_block.push_back(o);
    context_.pick(out.reader, out.picks, &in_block);
    out.next = 0;
    out.bucket = &bucket;
    return !out.picks.empty();
  }

 private:
  std::vector<std::shared_ptr<Bucket>> buckets_;
  std::vector<Ref> refs_;
  const ScanContext& context_;
  std::size_t next_ = 0;
};

// Collects the postings of the driving field's values in one day's buckets.
Result<std::vector<PostingFeed::Ref>> lookup(const Store::Impl& impl, const std::vector<std::shared_ptr<Bucket>>& buckets,
                                             IndexField field, const std::vector<std::string>& values,
                                             const ScanContext& context) {
  std::vector<PostingFeed::Ref> refs;
  std::vector<codec::PostingHit> hits;
  int64_t earliest = first_block_time(context.lower.time_us);
  for (std::size_t bi = 0; bi < buckets.size(); ++bi) {
    hits.clear();
    auto& bucket = *buckets[bi];
    auto& store = bucket.store;
    for (const auto& v : values) {
      const uint64_t hash = (*impl.hash)(v);
      {
        std::lock_guard lock(bucket.index_mutex);
        bucket.run.find(field, hash, hits);
        std::size_t before = hits.size();
        if (auto found = find_in_runs(*store.db, store.index, bucket.runs, field, hash, hits); !found) {
          if (found.error().code != Errc::corruption) return std::unexpected(found.error());
          hits.resize(before);
          context.corrupt(bucket, found.error());
        }
      }
      // Buckets written before index runs keep their postings until they are rebuilt.
      std::string prefix = codec::posting_prefix(field, hash);
      std::unique_ptr<rocksdb::Iterator> it(store.db->NewIterator({}, store.index));
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::size_t before = hits.size();
        auto decoded = codec::decode_posting(std::string_view(it->value().data(), it->value().size()), hits);
        if (!decoded) {
          hits.resize(before);  // what a damaged posting gave is not to be trusted
          context.corrupt(*buckets[bi], decoded.error());
        }
      }
      if (!it->status().ok()) return std::unexpected(status_error(it->status(), "index " + buckets[bi]->path));
    }
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    for (const auto& hit : hits) {
      if (hit.block.time_us < earliest || !(hit.block < context.upper)) continue;
      if (refs.empty() || refs.back().bucket != bi || refs.back().block != hit.block)
        refs.push_back({bi, hit.block, {}});
      refs.back().ordinals.push_back(hit.ordinal);
    }
  }
  std::sort(refs.begin(), refs.end(), [&](const PostingFeed::Ref& a, const PostingFeed::Ref& b) {
    return context.q.reverse ? b.block < a.block : a.block < b.block;
  });
  return refs;
}

enum class MergeEnd { done, stopped, paused };

// Merges the feeds' blocks and visits their records in key order (or reverse): done
// when the feeds ran out, stopped when the visitor said so, paused when context.pause()
// asked (context.last_taken says where it got to).
Result<MergeEnd> merge(std::vector<Feed*> feeds, ScanContext& context, const Visitor& visit) {
  const bool reverse = context.q.reverse;
  // `a` comes out before `b`.
  auto before = [reverse](RecordKey a, RecordKey b) { return reverse ? b < a : a < b; };
  // Might a block starting at `first` hold a record that comes out before `top`?
  auto may_precede = [reverse](RecordKey first, RecordKey top) {
    return reverse ? first.time_us + block::kMaxBlockSpanUs >= top.time_us : first < top;
  };
  auto heap_order = [&](const OpenBlock* a, const OpenBlock* b) { return before(b->key(), a->key()); };
  std::vector<OpenBlock*> heap;
  std::vector<std::unique_ptr<OpenBlock>> owned;
  std::vector<OpenBlock*> spare;
  Event e;
  while (true) {
    for (Feed* feed : feeds) {
      while (auto first = feed->peek()) {
        if (!heap.empty() && !may_precede(*first, heap.front()->key())) break;
        if (spare.empty()) {
          owned.push_back(std::make_unique<OpenBlock>());
          spare.push_back(owned.back().get());
        }
        OpenBlock* block = spare.back();
        auto opened = feed->open(*block);
        if (!opened) return std::unexpected(opened.error());
        if (!*opened) continue;
        spare.pop_back();
        heap.push_back(block);
        std::push_heap(heap.begin(), heap.end(), heap_order);
      }
    }
    if (heap.empty()) return MergeEnd::done;
    std::pop_heap(heap.begin(), heap.end(), heap_order);
    OpenBlock* block = heap.back();
    uint32_t ordinal = block->picks[block->next++];
    RecordKey key = block->reader.key(ordinal);
    if (block->done()) {
      heap.pop_back();
      spare.push_back(block);
    } else {
      std::push_heap(heap.begin(), heap.end(), heap_order);
    }
    context.last_taken = key;
    bool decoded = true;
    if (auto r = block->reader.decode(ordinal, e); !r) {
      context.corrupt(*block->bucket, r.error());
      decoded = false;
    }
    if (decoded) {
      ++context.stats.examined;
      if (matches_fields(context.q, e)) {
        e.category = block->bucket->id.category;
        e.lane = block->bucket->id.lane;
        ++context.stats.returned;
        if (!visit(e)) return MergeEnd::stopped;
      }
    }
    if (context.pause && context.pause()) {
      if (!reverse) {
        // The earliest block that still holds records to take: open ones, and the next
        // each feed would open.
        std::optional<RecordKey> resume;
        auto consider = [&](RecordKey k) {
          if (!resume || k < *resume) resume = k;
        };
        for (const OpenBlock* open : heap) consider(open->reader.key(0));
        for (Feed* feed : feeds)
          if (auto next = feed->peek()) consider(*next);
        context.resume_block = resume;
      }
      return MergeEnd::paused;
    }
  }
}

// Collects one page of a day's matches into `page`, holding the day's buckets only
// meanwhile. Returns how the merge ended.
Result<MergeEnd> scan_page(const Store::Impl& impl, const std::vector<Store::Impl::BucketId>& ids,
                           ScanContext& context, std::vector<Event>& page) {
  std::vector<std::shared_ptr<Bucket>> buckets;
  for (const auto& id : ids) {
    auto b = impl.bucket(id, Store::Impl::Access::read);
    if (!b) return std::unexpected(b.error());
    if (*b) buckets.push_back(*b);
  }
  auto collect = [&](Event& e) {
    page.push_back(std::move(e));
    return true;
  };
  auto started = std::chrono::steady_clock::now();
  uint64_t taken = 0;
  context.pause = [&] {
    // The clock is read every 256 records: a page is short either way.
    return page.size() >= kPageRecords ||
           (++taken % 256 == 0 && std::chrono::steady_clock::now() - started > kPageTime);
  };
  if (auto driving = driving_index(context.q)) {
    auto refs = lookup(impl, buckets, driving->first, *driving->second, context);
    if (!refs) return std::unexpected(refs.error());
    PostingFeed feed(std::move(buckets), std::move(*refs), context);
    return merge({&feed}, context, collect);
  }
  std::vector<std::unique_ptr<BucketFeed>> feeds;
  std::vector<Feed*> order;
  for (auto& b : buckets) {
    feeds.push_back(std::make_unique<BucketFeed>(b, context));
    order.push_back(feeds.back().get());
  }
  auto end = merge(order, context, collect);
  for (auto& f : feeds)
    if (!f->status().ok()) return std::unexpected(status_error(f->status(), "scan"));
  return end;
}

// Scans one day's buckets, a page at a time (see kPageRecords). Returns false when the
// visitor stopped the scan. A record a purge destroys between two pages is not seen.
Result<bool> scan_day(const Store::Impl& impl, const std::vector<Store::Impl::BucketId>& ids, ScanContext& context,
                      const Visitor& visit) {
  std::vector<Event> page;
  ScanContext page_context = context;
  bool first = true;
  uint64_t seizures = impl.seizures.load();
  while (true) {
    page.clear();
    page_context.last_taken.reset();
    if (uint64_t now = impl.seizures.load(); now != seizures) {
      // A purge or erasure may have rewritten a bucket into other blocks.
      page_context.resume_block.reset();
      seizures = now;
    }
    auto end = scan_page(impl, ids, page_context, page);
    if (!end) return std::unexpected(end.error());
    if (first) context.stats.buckets += ids.size();
    first = false;
    for (auto& e : page)
      if (!visit(e)) return false;
    if (*end != MergeEnd::paused || !page_context.last_taken) return true;
    // The next page starts just past the last record taken.
    RecordKey at = *page_context.last_taken;
    if (context.q.reverse) page_context.upper = at;
    else page_context.lower = RecordKey{at.time_us, at.id + 1};
  }
}

// A day scanned ahead by the helper thread: its matches wait here, a bounded number at
// a time, until the caller's thread reaches the day and hands them to the visitor.
class DayAhead {
 public:
  static constexpr std::size_t kMaxWaiting = 2048;
  // Helper side: false when the caller stopped the scan.
  bool push(Event& e) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return waiting_.size() < kMaxWaiting || stopped_; });
    if (stopped_) return false;
    waiting_.push_back(std::move(e));
    ready_.notify_one();
    return true;
  }
  void finish(Result<bool> outcome, const ScanStats& stats) {
    std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
    stats_ = stats;
    finished_ = true;
    ready_.notify_one();
  }
  // Caller side: hands every match to `visit` in order, then the day's outcome.
  Result<bool> drain(const Visitor& visit, ScanStats& total) {
    std::deque<Event> taken;
    while (true) {
      bool finished;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !waiting_.empty() || finished_; });
        taken.swap(waiting_);
        finished = finished_;
        room_.notify_one();
      }
      for (auto& e : taken) {
        if (!visit(e)) {
          stop();
          return false;
        }
      }
      taken.clear();
      if (finished) {
        std::lock_guard lock(mutex_);
        if (!waiting_.empty()) continue;
        total.buckets += stats_.buckets;
        total.examined += stats_.examined;
        total.skipped += stats_.skipped;
        total.returned += stats_.returned;
        total.corrupt += stats_.corrupt;
        return outcome_;
      }
    }
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Event> waiting_;
  bool finished_ = false, stopped_ = false;
  Result<bool> outcome_ = true;
  ScanStats stats_;
};

}  // namespace

std::vector<std::string_view> searched_literals(const ScanQuery& q) {
  std::vector<std::string_view> out;
  if (!q.prefilter.empty()) out.push_back(q.prefilter);
  for (const auto& literal : q.required_text)
    if (!literal.empty() && std::all_of(literal.begin(), literal.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
      out.push_back(literal);
  return out;
}

Result<ScanStats> Store::scan(const ScanQuery& q, const Visitor& visit, const DayDone& day_done) const {
  auto& impl = *impl_;
  ScanStats stats;
  RecordKey lower{q.since_us, 0}, upper{q.until_us, 0};
  const TextNeeds text(q);
  if (q.until_us == std::numeric_limits<int64_t>::max()) upper = {q.until_us, std::numeric_limits<uint64_t>::max()};
  auto days = impl.plan(q);
  auto done = [&](DayNumber day) {
    if (!day_done) return;
    const auto& zone = *impl.options.zone;
    day_done(stats, q.reverse ? std::max(q.since_us, day_start_us(zone, day))
                              : std::min(q.until_us, day_start_us(zone, day, 1)));
  };
  // Full scans of several days use every core: worker threads scan days ahead (each
  // day claimed by one worker) while this thread hands their matches to the visitor in
  // order. Index lookups are too cheap to be worth threads.
  if (days.size() < 2 || driving_index(q)) {
    ScanContext context{impl, q, text, stats, lower, upper};
    for (auto& [day, ids] : days) {
      auto more = scan_day(impl, ids, context, visit);
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      done(day);
    }
    return stats;
  }
  std::vector<std::unique_ptr<DayAhead>> ahead(days.size());
  for (auto& a : ahead) a = std::make_unique<DayAhead>();
  std::atomic<std::size_t> next_day{0};
  std::atomic<bool> stopping{false};
  auto work = [&] {
    while (!stopping.load()) {
      std::size_t k = next_day.fetch_add(1);
      if (k >= days.size()) return;
      ScanStats day_stats;
      ScanContext context{impl, q, text, day_stats, lower, upper};
      DayAhead& out = *ahead[k];
      auto more = scan_day(impl, days[k].second, context, [&](Event& e) { return out.push(e); });
      out.finish(std::move(more), day_stats);
    }
  };
  std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < std::min(threads, days.size()); ++i) workers.emplace_back(work);
  Result<bool> more = true;
  for (std::size_t k = 0; k < days.size() && more && *more; ++k) {
    more = ahead[k]->drain(visit, stats);
    if (more && *more) done(days[k].first);
  }
  stopping = true;
  for (auto& a : ahead) a->stop();
  for (auto& w : workers) w.join();
  if (!more) return std::unexpected(more.error());
  return stats;
}

}  // namespace hokan::store
