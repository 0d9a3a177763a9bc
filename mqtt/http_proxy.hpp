// HTTP CONNECT proxies (RFC 9110 §9.3.6): where a factory lets traffic out only through a proxy.
// The proxy URL and no_proxy list from the configuration, the CONNECT request (with optional basic
// authentication) and the verdict on the proxy's answer. Pure; the answer's parsing is fuzzed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/http_head.hpp"

namespace edgegw::mqtt {

struct ProxyOptions {
  std::string host;
  std::uint16_t port = 0;
  std::string username;  // empty: no Proxy-Authorization
  std::string password;
  bool operator==(const ProxyOptions&) const = default;
};

// "http://[user:pass@]host:port" (user and password percent-decoded; IPv6 hosts in brackets).
// The port is required: proxies have no common default. nullopt with *error when malformed.
std::optional<ProxyOptions> parse_proxy_url(std::string_view url, std::string* error);
// True when `host` must be reached directly: `no_proxy` is comma-separated; an entry is "*"
// (everything), a host name or IP (exact), or ".example.com" / "example.com" (that domain and
// every name under it), case-insensitive, like curl's NO_PROXY.
bool bypasses_proxy(std::string_view host, std::string_view no_proxy);
// "CONNECT host:port HTTP/1.1" with Host and, when a user is set, Proxy-Authorization: Basic.
std::string connect_request(const ProxyOptions& proxy, std::string_view host, std::uint16_t port);
// nullopt when the proxy opened the tunnel (2xx); else why not, for the user (403, 407, ...).
std::optional<std::string> check_connect_response(const HttpHead& head, const ProxyOptions& proxy);

}  // namespace edgegw::mqtt
