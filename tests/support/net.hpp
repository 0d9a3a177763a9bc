// Loopback helpers: a free TCP port for a test's listener (below the ephemeral range, see net.cpp),
// and whether something listens on one.
#pragma once

#include <cstdint>

namespace edgegw::test {

std::uint16_t free_tcp_port();
bool tcp_port_open(std::uint16_t port);

}  // namespace edgegw::test
