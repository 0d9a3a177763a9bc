#include "mqtt/resolver.hpp"

#include <netdb.h>
#include <string.h>
#include <sys/eventfd.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loop/guarded.hpp"

namespace edgegw::mqtt {

namespace {

ResolveResult lookup(const std::string& host, int extra_flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | extra_flags;
  addrinfo* list = nullptr;
  ResolveResult result;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    result.error = ::gai_strerror(rc);
    return result;
  }
  for (auto* ai = list; ai; ai = ai->ai_next) {
    Address a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    result.addresses.push_back(a);
  }
  ::freeaddrinfo(list);
  if (result.addresses.empty()) result.error = "no addresses";
  return result;
}

}  // namespace

Resolver::Resolver(sd_event* loop, std::chrono::seconds ttl, std::chrono::seconds negative_ttl)
    : ttl_(ttl), negative_ttl_(negative_ttl), loop_(loop) {
  set_up();
  thread_ = std::thread([this] { worker(); });
}

// Only ever called while no request is queued (the worker signals only after a request), so the
// worker never sees eventfd_ change under it.
bool Resolver::set_up() {
  if (source_) return true;
  if (eventfd_ < 0) eventfd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (eventfd_ < 0) {
    setup_error_ = std::string("cannot create the resolver's eventfd: ") + std::strerror(errno);
    return false;
  }
  int r = sd_event_add_io(loop_, source_.out(), eventfd_, EPOLLIN, &Resolver::on_eventfd, this);
  if (r < 0) {
    setup_error_ = std::string("cannot watch the resolver's eventfd: ") + std::strerror(-r);
    return false;
  }
  setup_error_.clear();
  return true;
}

Resolver::~Resolver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  source_.reset();
  if (eventfd_ >= 0) ::close(eventfd_);
}

Resolver::Ticket Resolver::resolve(const std::string& host, Callback callback) {
  if (!set_up()) return 0;
  auto ticket = next_ticket_++;
  waiters_.emplace(ticket, Waiter{host, std::move(callback)});
  auto now = std::chrono::steady_clock::now();
  auto it = cache_.find(host);
  if (it != cache_.end() && (it->second.pending || it->second.expires > now)) {
    if (!it->second.pending) signal_loop();  // answer known: deliver on the next loop turn
    return ticket;
  }
  // A numeric address resolves without the thread (and without being cached).
  auto numeric = lookup(host, AI_NUMERICHOST);
  if (!numeric.addresses.empty()) {
    cache_[host] = CacheEntry{std::move(numeric), now + ttl_, false};
    signal_loop();
    return ticket;
  }
  cache_[host].pending = true;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(host);
  }
  wake_.notify_one();
  return ticket;
}

void Resolver::cancel(Ticket ticket) {
  waiters_.erase(ticket);
}

void Resolver::signal_loop() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(eventfd_, &one, sizeof one);
}

void Resolver::worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !requests_.empty(); });
    if (stopping_) return;
    auto host = std::move(requests_.front());
    requests_.pop_front();
    lock.unlock();
    auto result = lookup(host, 0);
    lock.lock();
    answers_.emplace_back(std::move(host), std::move(result));
    signal_loop();
  }
}

int Resolver::on_eventfd(sd_event_source* source, int fd, std::uint32_t, void* userdata) {
  return loop::guarded(source, "resolver answers", [&] {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(fd, &count, sizeof count);
    static_cast<Resolver*>(userdata)->deliver();
  });
}

void Resolver::deliver() {
  std::deque<std::pair<std::string, ResolveResult>> answers;
  {
    std::lock_guard lock(mutex_);
    answers.swap(answers_);
  }
  auto now = std::chrono::steady_clock::now();
  for (auto& [host, result] : answers) {
    ++lookups_;
    auto ttl = result.addresses.empty() ? negative_ttl_ : ttl_;
    cache_[host] = CacheEntry{std::move(result), now + ttl, false};
  }
  // Hand every waiter whose host has an answer its result. Callbacks may resolve or cancel, so
  // collect the ready tickets first and look each up again before calling it.
  std::vector<Ticket> ready;
  for (const auto& [ticket, waiter] : waiters_) {
    auto it = cache_.find(waiter.host);
    if (it != cache_.end() && !it->second.pending) ready.push_back(ticket);
  }
  for (auto ticket : ready) {
    auto w = waiters_.find(ticket);
    if (w == waiters_.end()) continue;
    auto entry = cache_.find(w->second.host);
    if (entry == cache_.end() || entry->second.pending) continue;
    auto result = entry->second.result;  // a copy: the callback may change the cache
    auto callback = std::move(w->second.callback);
    waiters_.erase(w);
    callback(result);
  }
}

}  // namespace edgegw::mqtt
