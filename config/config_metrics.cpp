// [metrics]: the address of the HTTP endpoint for Prometheus. Off unless `listen` is written;
// a port alone listens on 127.0.0.1, so reaching it from the network takes an address written
// out (and `edgegw check` warns about it: config_warnings.cpp).
#include <arpa/inet.h>

#include <charconv>

#include "config/config_sections.hpp"

namespace edgegw::config {
namespace {

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string ListenAddress::text() const {
  return (ipv6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& why) {
  why = "must be IPv4:PORT, [IPv6]:PORT or a port alone (127.0.0.1), e.g. \"127.0.0.1:9464\"";
  ListenAddress out;
  std::string_view ip = "127.0.0.1";
  std::string_view port = text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    ip = text.substr(1, close - 1);
    port = text.substr(close + 2);
    out.ipv6 = true;
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    ip = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!parse_port(port, out.port)) {
    why = "the port must be a number from 1 to 65535, e.g. \"127.0.0.1:9464\"";
    return std::nullopt;
  }
  out.ip = std::string(ip);
  if (out.ipv6) {
    in6_addr a{};
    if (::inet_pton(AF_INET6, out.ip.c_str(), &a) != 1) {
      why = "\"" + out.ip + "\" is not an IPv6 address (names are not resolved)";
      return std::nullopt;
    }
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a);
  } else {
    in_addr a{};
    if (::inet_pton(AF_INET, out.ip.c_str(), &a) != 1) {
      why = "\"" + out.ip +
            "\" is not an IPv4 address (names are not resolved; IPv6 is written [::1]:PORT)";
      return std::nullopt;
    }
    out.loopback = (ntohl(a.s_addr) >> 24) == 127;
  }
  why.clear();
  return out;
}

void read_metrics(TableReader& t, MetricsOptions& out) {
  std::string text;
  if (t.read("listen", text) && !text.empty()) {  // "" keeps the endpoint off
    std::string why;
    out.listen = parse_listen_address(text, why);
    if (!out.listen) t.problem("listen", why);
  }
  t.report_unknown_keys();
}

}  // namespace edgegw::config
