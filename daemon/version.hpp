#pragma once

#include <cstdint>
#include <string_view>

namespace edgegw::daemon {

std::string_view version();
// Seconds since the epoch when this binary was built: a clock before it is certainly unset.
std::int64_t build_epoch();

}  // namespace edgegw::daemon
