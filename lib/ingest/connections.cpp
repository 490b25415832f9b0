#include "ingest/connections.h"

#include <algorithm>

namespace hokan::ingest {

ConnectionTable::Entry::~Entry() { table_->entries_.erase(where_); }

std::unique_ptr<ConnectionTable::Entry> ConnectionTable::add(std::function<void()> close) {
  if (entries_.size() >= limit_ && !entries_.empty()) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const Entry* a, const Entry* b) { return a->last_ < b->last_; });
    // Closing ends its session soon (its pending read fails); the entry goes then. It is
    // moved to the front meanwhile so the next eviction picks another.
    (*oldest)->last_ = Clock::time_point::max();
    (*oldest)->close_();
    ++evicted;
  }
  std::unique_ptr<Entry> entry(new Entry(shared_from_this(), std::move(close)));
  entries_.push_back(entry.get());
  entry->where_ = std::prev(entries_.end());
  return entry;
}

std::size_t ConnectionTable::close_idle(Clock::duration idle) {
  auto before = Clock::now() - idle;
  std::size_t closed = 0;
  for (Entry* e : entries_) {
    if (e->last_ >= before) continue;
    e->last_ = Clock::time_point::max();  // closed once, however long its session takes to end
    e->close_();
    ++closed;
  }
  idle_closed += closed;
  return closed;
}

}  // namespace hokan::ingest
