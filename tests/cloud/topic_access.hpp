// Which topics a connected client may use: each device only its own (its identity's topic roots),
// the observer everything. Topic filters of a SUBSCRIBE are judged the same way: a filter is
// allowed only if it lies wholly below one of the roots, so "+" or "#" never reach another device.
#pragma once

#include <string_view>

#include "cloud/connect_checks.hpp"

namespace edgegw::cloud {

bool topic_allowed(const Identity& identity, std::string_view topic_or_filter);

}  // namespace edgegw::cloud
