// How southbound code logs without depending on the daemon's logger: a callback the daemon fills
// (with spdlog, the journal, ...). It is called from bus threads, so it must be thread-safe.
#pragma once

#include <functional>
#include <string>

namespace edgegw::southbound {

enum class LogLevel { debug, info, warning, error };

using LogSink = std::function<void(LogLevel level, const std::string& message)>;

}  // namespace edgegw::southbound
