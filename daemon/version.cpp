#include "daemon/version.hpp"

namespace edgegw::daemon {

std::string_view version() {
  return EDGEGW_VERSION;
}
std::int64_t build_epoch() {
  return EDGEGW_BUILD_EPOCH;
}

}  // namespace edgegw::daemon
