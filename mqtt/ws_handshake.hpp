// The WebSocket opening handshake (RFC 6455 §4) for MQTT: an HTTP/1.1 Upgrade request offering the
// "mqtt" subprotocol, and the check of the server's 101 answer (Sec-WebSocket-Accept is the SHA-1
// of our random key, so a proxy or server that did not understand the upgrade is caught).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/http_head.hpp"

namespace edgegw::mqtt::ws {

// 16 random bytes (OpenSSL's RAND_bytes), base64: a fresh Sec-WebSocket-Key.
std::string make_key();
// base64(SHA-1(key + the RFC's GUID)): the Sec-WebSocket-Accept the server must answer with.
std::string accept_for(std::string_view key);
// The GET request; `host` and `port` name the broker (the Host field), `path` starts with '/'.
std::string upgrade_request(std::string_view host, std::uint16_t port, bool tls,
                            std::string_view path, std::string_view key);
// nullopt when `head` accepts the upgrade for `key`; else why not, for the user.
std::optional<std::string> check_upgrade_response(const HttpHead& head, std::string_view key);
// A random 32-bit masking key.
std::uint32_t random_mask();

}  // namespace edgegw::mqtt::ws
