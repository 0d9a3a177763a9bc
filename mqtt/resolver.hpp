// Name resolution off the event loop: one worker thread runs getaddrinfo, results come back to the
// loop through an eventfd watched by an sd-event io source, and every answer is cached per host for
// a TTL (failures for a shorter time). Concurrent lookups of one host share one getaddrinfo, so
// ten thousand sessions to one endpoint cost one lookup. Numeric addresses never reach the thread.
//
// Callbacks run on the loop, never inside resolve(); cancel() guarantees a callback will not run
// (a Connection cancels its lookup when it is destroyed or reconnects).
//
// Without its eventfd and io source (the fd limit reached, no memory) a resolver could never
// deliver an answer: resolve() then says so at once (ticket 0, setup_error()) and tries to set
// itself up again on the next call, so a caller fails its lookup now and backs off instead of
// waiting for its connect timeout.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loop/event_source.hpp"

struct sd_event;

namespace edgegw::mqtt {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

struct ResolveResult {
  std::vector<Address> addresses;  // empty on failure
  std::string error;               // gai_strerror text when empty
};

class Resolver {
 public:
  using Callback = std::function<void(const ResolveResult&)>;
  using Ticket = std::uint64_t;

  // ttl: how long an answer is reused; negative_ttl: how long a failure is.
  explicit Resolver(sd_event* loop, std::chrono::seconds ttl = std::chrono::seconds(300),
                    std::chrono::seconds negative_ttl = std::chrono::seconds(5));
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves `host` (TCP, any family); the callback runs later on the loop. Returns a ticket
  // for cancel(), or 0 when this resolver cannot deliver answers (see setup_error()); then the
  // callback is dropped and never runs.
  Ticket resolve(const std::string& host, Callback callback);
  // Why the last attempt to set up the answer channel failed; empty while it works.
  const std::string& setup_error() const { return setup_error_; }
  void cancel(Ticket ticket);

  // getaddrinfo calls made so far (for tests and benchmarks).
  std::uint64_t lookups() const { return lookups_; }

 private:
  struct CacheEntry {
    ResolveResult result;
    std::chrono::steady_clock::time_point expires;
    bool pending = false;
  };
  struct Waiter {
    std::string host;
    Callback callback;
  };

  bool set_up();
  void worker();
  static int on_eventfd(sd_event_source* source, int fd, std::uint32_t events, void* userdata);
  void deliver();
  void signal_loop();

  std::chrono::seconds ttl_;
  std::chrono::seconds negative_ttl_;
  sd_event* loop_;
  int eventfd_ = -1;
  loop::EventSource source_;
  std::string setup_error_;

  // Loop-thread state.
  std::map<std::string, CacheEntry> cache_;
  std::map<Ticket, Waiter> waiters_;
  Ticket next_ticket_ = 1;
  std::uint64_t lookups_ = 0;

  // Shared with the worker, under mutex_.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> requests_;
  std::deque<std::pair<std::string, ResolveResult>> answers_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgegw::mqtt
