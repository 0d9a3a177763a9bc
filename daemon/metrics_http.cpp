#include "daemon/metrics_http.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <stdexcept>

#include "loop/guarded.hpp"

namespace edgegw::daemon {
namespace {

// libmicrohttpd is loaded when [metrics] listen asks for it, not linked: with it come GnuTLS,
// p11-kit, nettle and gmp, whose loading and initialisation cost ~2.9 MB of RSS in every daemon,
// 0.3 KiB per device at 10,000 devices, for an endpoint that is off by default (issue 18).
constexpr const char* kMhdLibrary = "libmicrohttpd.so.12";  // the ABI microhttpd.h describes

struct MhdApi {
  decltype(&::MHD_start_daemon) start_daemon = nullptr;
  decltype(&::MHD_stop_daemon) stop_daemon = nullptr;
  decltype(&::MHD_get_daemon_info) get_daemon_info = nullptr;
  decltype(&::MHD_run) run = nullptr;
  decltype(&::MHD_get_timeout) get_timeout = nullptr;
  decltype(&::MHD_create_response_from_buffer) create_response_from_buffer = nullptr;
  decltype(&::MHD_add_response_header) add_response_header = nullptr;
  decltype(&::MHD_queue_response) queue_response = nullptr;
  decltype(&::MHD_destroy_response) destroy_response = nullptr;
  std::string error;  // why it could not be loaded; empty: loaded
};

template <typename F>
bool bind_symbol(void* library, const char* name, F& f, std::string& error) {
  f = reinterpret_cast<F>(::dlsym(library, name));
  if (!f && error.empty()) error = std::string(kMhdLibrary) + " has no " + name;
  return f != nullptr;
}

// Loaded once, on first use, and kept (a reload may start the endpoint again).
const MhdApi& mhd() {
  static const MhdApi api = [] {
    MhdApi a;
    void* library = ::dlopen(kMhdLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* why = ::dlerror();
      a.error = why ? why : std::string("cannot load ") + kMhdLibrary;
      return a;
    }
    bind_symbol(library, "MHD_start_daemon", a.start_daemon, a.error);
    bind_symbol(library, "MHD_stop_daemon", a.stop_daemon, a.error);
    bind_symbol(library, "MHD_get_daemon_info", a.get_daemon_info, a.error);
    bind_symbol(library, "MHD_run", a.run, a.error);
    bind_symbol(library, "MHD_get_timeout", a.get_timeout, a.error);
    bind_symbol(library, "MHD_create_response_from_buffer", a.create_response_from_buffer, a.error);
    bind_symbol(library, "MHD_add_response_header", a.add_response_header, a.error);
    bind_symbol(library, "MHD_queue_response", a.queue_response, a.error);
    bind_symbol(library, "MHD_destroy_response", a.destroy_response, a.error);
    return a;
  }();
  return api;
}

}  // namespace
}  // namespace edgegw::daemon

namespace edgegw::daemon {

HttpReply answer_http(std::string_view method, std::string_view path,
                      const std::function<std::string()>& metrics,
                      const std::function<Health()>& health) {
  constexpr std::string_view kText = "text/plain; charset=utf-8";
  if (path != "/metrics" && path != "/healthz") {
    return {404, std::string(kText), "not found: this endpoint serves /metrics and /healthz\n"};
  }
  if (method != "GET") return {405, std::string(kText), "method not allowed: use GET\n"};
  if (path == "/metrics") return {200, std::string(kPrometheusContentType), metrics()};
  const Health h = health();
  if (h.ok) return {200, std::string(kText), "ok\n"};
  return {503, std::string(kText), h.reason + "\n"};
}

namespace {

// A socket bound and listening on `address`: errors name the address, for the user.
int listen_on(const config::ListenAddress& address) {
  const int family = address.ipv6 ? AF_INET6 : AF_INET;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](const char* what) {
    const std::string error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("[metrics] cannot " + std::string(what) + " " + address.text() + ": " +
                             error);
  };
  if (fd < 0) fail("create a socket for");
  const int one = 1;
  // A restart must not wait for the last scrape's TIME_WAIT; two daemons still cannot share it.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int r = 0;
  if (address.ipv6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(address.port);
    ::inet_pton(AF_INET6, address.ip.c_str(), &a.sin6_addr);
    r = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(address.port);
    ::inet_pton(AF_INET, address.ip.c_str(), &a.sin_addr);
    r = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  if (r != 0) fail("listen on");
  if (::listen(fd, 16) != 0) fail("listen on");
  return fd;
}

void log_mhd(void*, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::debug("metrics http: {}", text);
}

}  // namespace

// MHD's C callbacks: nothing may throw through MHD, so each catches everything.
struct MetricsHttpCallbacks {
  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char*, const char*, size_t*,
                               void**) noexcept {
    auto* self = static_cast<MetricsHttp*>(cls);
    HttpReply reply;
    try {
      reply = self->reply(method, url);
    } catch (const std::exception& e) {
      spdlog::warn("metrics http: {} {} failed: {}", method, url, e.what());
      reply = {500, "text/plain; charset=utf-8", "internal error\n"};
    }
    MHD_Response* response = mhd().create_response_from_buffer(reply.body.size(), reply.body.data(),
                                                               MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;  // out of memory: MHD closes the connection
    mhd().add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
    if (reply.status == 405) mhd().add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET");
    const MHD_Result r = mhd().queue_response(connection, reply.status, response);
    mhd().destroy_response(response);
    return r;
  }
};

MetricsHttp::MetricsHttp(sd_event* loop, const config::ListenAddress& address,
                         std::function<std::string()> metrics, std::function<Health()> health)
    : address_(address), metrics_(std::move(metrics)), health_(std::move(health)), loop_(loop) {
  if (!mhd().error.empty()) {
    throw std::runtime_error("[metrics] cannot serve HTTP: " + mhd().error);
  }
  const int fd = listen_on(address);
  unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (address.ipv6) flags |= MHD_USE_IPv6;
  mhd_ = mhd().start_daemon(flags, 0, nullptr, nullptr, &MetricsHttpCallbacks::on_request, this,
                            MHD_OPTION_EXTERNAL_LOGGER, &log_mhd, nullptr, MHD_OPTION_LISTEN_SOCKET,
                            fd, MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
                            MHD_OPTION_CONNECTION_TIMEOUT,
                            static_cast<unsigned>(kConnectionTimeout.count()), MHD_OPTION_END);
  if (!mhd_) {
    ::close(fd);
    throw std::runtime_error("[metrics] cannot start the HTTP server on " + address.text());
  }
  const MHD_DaemonInfo* info = mhd().get_daemon_info(mhd_, MHD_DAEMON_INFO_EPOLL_FD);
  int r =
      info ? sd_event_add_io(loop_, io_.out(), info->epoll_fd, EPOLLIN, &MetricsHttp::on_io, this)
           : -ENOTSUP;
  if (r >= 0) {
    r = sd_event_add_time_relative(loop_, timer_.out(), CLOCK_MONOTONIC, 0, 0,
                                   &MetricsHttp::on_timer, this);
  }
  if (r >= 0) r = timer_.set_enabled(SD_EVENT_OFF);
  if (r < 0) {
    io_.reset();
    timer_.reset();
    mhd().stop_daemon(mhd_);  // closes the listening socket it was given
    throw std::runtime_error("[metrics] cannot add the HTTP server to the event loop: " +
                             std::string(std::strerror(-r)));
  }
}

MetricsHttp::~MetricsHttp() {
  io_.reset();
  timer_.reset();
  if (mhd_) mhd().stop_daemon(mhd_);
}

HttpReply MetricsHttp::reply(std::string_view method, std::string_view path) {
  ++requests_;
  return answer_http(method, path, metrics_, health_);
}

void MetricsHttp::run() {
  mhd().run(mhd_);
  MHD_UNSIGNED_LONG_LONG timeout_ms = 0;
  if (mhd().get_timeout(mhd_, &timeout_ms) == MHD_YES) {
    // 0 means MHD has work buffered already (its epoll is edge-triggered): run again next turn.
    timer_.arm_relative(static_cast<std::uint64_t>(timeout_ms) * 1000);
  } else {
    timer_.set_enabled(SD_EVENT_OFF);
  }
}

int MetricsHttp::on_io(sd_event_source*, int, std::uint32_t, void* self) noexcept {
  auto* http = static_cast<MetricsHttp*>(self);
  return loop::guarded(http->loop_, "metrics http", [&] { http->run(); });
}

int MetricsHttp::on_timer(sd_event_source*, std::uint64_t, void* self) noexcept {
  auto* http = static_cast<MetricsHttp*>(self);
  return loop::guarded(http->loop_, "metrics http timer", [&] { http->run(); });
}

}  // namespace edgegw::daemon
