// How sessions log without depending on the daemon's logger: a callback the daemon fills (journald
// through spdlog). Every line names the device, so the daemon can add it as a structured field.
// Called on the event loop only.
#pragma once

#include <functional>
#include <string>

namespace edgegw::northbound {

enum class LogLevel { debug, info, warning, error };

using SessionLogSink =
    std::function<void(LogLevel level, const std::string& device, const std::string& message)>;

}  // namespace edgegw::northbound
