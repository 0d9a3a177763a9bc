// The HTTP endpoint for Prometheus ([metrics] listen): GET /metrics answers the same text as the
// metrics file (to_prometheus() of the last status snapshot), GET /healthz answers 200 "ok" while
// the loop runs and the store can write, 503 and the reason otherwise. Any other method is 405,
// any other path 404.
//
// The server is GNU libmicrohttpd (Debian's libmicrohttpd-dev), run on the daemon's one loop
// thread, without threads of its own: MHD_USE_EPOLL without an internal polling thread gives one
// epoll fd for the listening socket and every connection, which is one sd-event io source here,
// plus one timer at MHD_get_timeout() (connection timeouts, and "run again now" when MHD has
// buffered work). MHD_run() is called when either fires. MHD's select()-based external mode was
// not taken: fd_set stops at fd 1023, and a gateway with thousands of cloud sessions hands out
// fds far above that. Our own parser was not written: MHD is fuzzed upstream and packaged.
//
// Bounded: at most kConnectionLimit connections (more are refused at accept), each closed after
// kConnectionTimeout idle; MHD caps a request's header memory (32 KiB). The listening socket is
// bound here, before MHD sees it, so a taken port is reported as "ADDRESS: Address already in
// use" and the daemon refuses to start.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "loop/event_source.hpp"

struct MHD_Daemon;

namespace edgegw::daemon {

// What /healthz says: ok, or the first reason it is not.
struct Health {
  bool ok = true;
  std::string reason;  // empty when ok
};

// One answer, decided without a network (unit-tested): status, content type and body.
struct HttpReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
};

// The Prometheus text exposition format, version 0.0.4.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Routes one request. `metrics` and `health` are called only for the paths that need them.
HttpReply answer_http(std::string_view method, std::string_view path,
                      const std::function<std::string()>& metrics,
                      const std::function<Health()>& health);

class MetricsHttp {
 public:
  static constexpr unsigned kConnectionLimit = 16;
  static constexpr std::chrono::seconds kConnectionTimeout{10};

  // Listens on `address` and serves from `loop`. Throws std::runtime_error naming the address when
  // it cannot listen (port taken, address not on this host).
  MetricsHttp(sd_event* loop, const config::ListenAddress& address,
              std::function<std::string()> metrics, std::function<Health()> health);
  ~MetricsHttp();
  MetricsHttp(const MetricsHttp&) = delete;
  MetricsHttp& operator=(const MetricsHttp&) = delete;

  const config::ListenAddress& address() const { return address_; }
  std::uint64_t requests() const { return requests_; }

 private:
  // MHD_run(), then the timer at MHD's next deadline.
  void run();
  HttpReply reply(std::string_view method, std::string_view path);

  static int on_io(sd_event_source* s, int fd, std::uint32_t revents, void* self) noexcept;
  static int on_timer(sd_event_source* s, std::uint64_t usec, void* self) noexcept;
  friend struct MetricsHttpCallbacks;

  config::ListenAddress address_;
  std::function<std::string()> metrics_;
  std::function<Health()> health_;
  sd_event* loop_ = nullptr;
  MHD_Daemon* mhd_ = nullptr;
  loop::EventSource io_;
  loop::EventSource timer_;
  std::uint64_t requests_ = 0;
};

}  // namespace edgegw::daemon
