// The open stream connections of one listener (TCP, TLS, RELP, HTTP): bounded in
// number, and the silent ones closed. At the limit a new connection takes the place of
// the one idle longest, so a crowd of idle connections cannot lock out a real sender.
// Thread-safety: none; used on the io_context's thread only (sessions and the sweeper
// run there). Made with std::make_shared: entries keep their table alive, since a
// session's frame may outlive the listener that accepted it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>

namespace hokan::ingest {

class ConnectionTable : public std::enable_shared_from_this<ConnectionTable> {
 public:
  using Clock = std::chrono::steady_clock;

  // One registered connection; unregisters when the session drops it.
  class Entry {
   public:
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    // The connection did something: it is not idle.
    void touch() { last_ = Clock::now(); }

   private:
    friend class ConnectionTable;
    Entry(std::shared_ptr<ConnectionTable> table, std::function<void()> close)
        : table_(std::move(table)), close_(std::move(close)) {}
    std::shared_ptr<ConnectionTable> table_;
    std::function<void()> close_;
    Clock::time_point last_ = Clock::now();
    std::list<Entry*>::iterator where_;
  };

  explicit ConnectionTable(std::size_t limit) : limit_(limit) {}

  // Registers a connection that `close` ends (the session then unregisters). At the
  // limit, first closes the connection idle longest.
  std::unique_ptr<Entry> add(std::function<void()> close);
  // Closes the connections silent for longer than `idle`. Returns how many.
  std::size_t close_idle(Clock::duration idle);
  std::size_t size() const { return entries_.size(); }

  uint64_t evicted = 0;      // closed to make room for a new connection
  uint64_t idle_closed = 0;  // closed for silence

 private:
  std::size_t limit_;
  std::list<Entry*> entries_;
};

}  // namespace hokan::ingest
