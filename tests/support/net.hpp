// Loopback helpers: a free TCP port chosen by the kernel, and whether something listens on one.
#pragma once

#include <cstdint>

namespace edgegw::test {

std::uint16_t free_tcp_port();
bool tcp_port_open(std::uint16_t port);

}  // namespace edgegw::test
