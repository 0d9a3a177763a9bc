#include "mqtt/http_proxy.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>

namespace edgegw::mqtt {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string authority(std::string_view host, std::uint16_t port) {
  std::string h =
      host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  return h + ":" + std::to_string(port);
}

std::optional<ProxyOptions> fail(std::string* error, std::string text) {
  *error = std::move(text);
  return std::nullopt;
}

}  // namespace

std::optional<ProxyOptions> parse_proxy_url(std::string_view url, std::string* error) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    return fail(error,
                "must start with http:// (a CONNECT proxy; https:// proxies are not supported)");
  }
  url.remove_prefix(scheme.size());
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.find_first_of("/?#") != std::string_view::npos)
    return fail(error, "must not have a path");
  ProxyOptions proxy;
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    auto userinfo = url.substr(0, at);
    url.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto pass = percent_decode(colon == std::string_view::npos ? std::string_view()
                                                               : userinfo.substr(colon + 1));
    if (!user || !pass || user->empty()) return fail(error, "malformed user:password");
    proxy.username = *user;
    proxy.password = *pass;
  }
  std::string_view host, port;
  if (!url.empty() && url.front() == '[') {
    auto close = url.find(']');
    if (close == std::string_view::npos || close + 1 >= url.size() || url[close + 1] != ':') {
      return fail(error, "needs [ipv6]:port");
    }
    host = url.substr(1, close - 1);
    port = url.substr(close + 2);
  } else {
    auto colon = url.rfind(':');
    if (colon == std::string_view::npos) return fail(error, "needs a port (http://host:port)");
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty()) return fail(error, "needs a host");
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return fail(error, "port must be 1..65535");
  }
  proxy.host = std::string(host);
  proxy.port = static_cast<std::uint16_t>(value);
  return proxy;
}

bool bypasses_proxy(std::string_view host, std::string_view no_proxy) {
  while (!no_proxy.empty()) {
    auto comma = no_proxy.find(',');
    auto entry = no_proxy.substr(0, comma);
    no_proxy.remove_prefix(comma == std::string_view::npos ? no_proxy.size() : comma + 1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry == "*") return true;
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (equals_ignoring_case(host, entry)) return true;
    if (host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
        equals_ignoring_case(host.substr(host.size() - entry.size()), entry)) {
      return true;
    }
  }
  return false;
}

std::string connect_request(const ProxyOptions& proxy, std::string_view host, std::uint16_t port) {
  const auto target = authority(host, port);
  std::string r = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
  if (!proxy.username.empty()) {
    r += "Proxy-Authorization: Basic " + base64(proxy.username + ":" + proxy.password) + "\r\n";
  }
  r += "\r\n";
  return r;
}

std::optional<std::string> check_connect_response(const HttpHead& head, const ProxyOptions& proxy) {
  if (head.status >= 200 && head.status < 300) return std::nullopt;
  std::string text = "proxy " + authority(proxy.host, proxy.port) +
                     " refused the tunnel: " + std::to_string(head.status) + " " + head.reason;
  if (head.status == 407) {
    text += proxy.username.empty() ? " (the proxy wants a user: http://user:password@host:port)"
                                   : " (the proxy did not accept the user and password)";
  } else if (head.status == 403) {
    text += " (the proxy does not allow this destination or port)";
  }
  return text;
}

}  // namespace edgegw::mqtt
