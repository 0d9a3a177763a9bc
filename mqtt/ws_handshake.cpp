#include "mqtt/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace edgegw::mqtt::ws {

namespace {

std::string base64(const unsigned char* data, std::size_t length) {
  std::string out(4 * ((length + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(length));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_ip6_literal(std::string_view host) {
  return host.find(':') != std::string_view::npos;
}

}  // namespace

std::string make_key() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return base64(bytes, sizeof bytes);
}

std::uint32_t random_mask() {
  unsigned char bytes[4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

std::string accept_for(std::string_view key) {
  std::string text(key);
  text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

std::string upgrade_request(std::string_view host, std::uint16_t port, bool tls,
                            std::string_view path, std::string_view key) {
  std::string authority = is_ip6_literal(host) ? "[" + std::string(host) + "]" : std::string(host);
  if (port != (tls ? 443 : 80)) authority += ":" + std::to_string(port);
  std::string r;
  r.reserve(256);
  r += "GET ";
  r += path.empty() ? std::string_view("/") : path;
  r += " HTTP/1.1\r\nHost: " + authority;
  r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
  r += key;
  r += "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
  return r;
}

std::optional<std::string> check_upgrade_response(const HttpHead& head, std::string_view key) {
  if (head.status != 101) {
    return "the server answered the WebSocket upgrade with " + std::to_string(head.status) + " " +
           head.reason + " (is ws_path right?)";
  }
  if (!head.field_has_token("upgrade", "websocket")) return std::string("no Upgrade: websocket");
  if (!head.field_has_token("connection", "upgrade")) return std::string("no Connection: Upgrade");
  auto accept = head.field("sec-websocket-accept");
  if (!accept || *accept != accept_for(key)) {
    return std::string("Sec-WebSocket-Accept does not match our key");
  }
  auto protocol = head.field("sec-websocket-protocol");
  if (!protocol || !equals_ignoring_case(*protocol, "mqtt")) {
    return std::string("the server did not accept the \"mqtt\" subprotocol");
  }
  return std::nullopt;
}

}  // namespace edgegw::mqtt::ws
