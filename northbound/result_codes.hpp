// The platform-neutral result codes of a CommandResult (0 is ok). Whoever answers a cloud command
// (daemon/command_router) picks one; each Platform's encode_reply() maps it to that cloud's own
// code, so the caller never needs to know what Alink, IoTDA or Tencent call the same outcome.
#pragma once

namespace edgegw::northbound::result_code {

inline constexpr int ok = 0;
inline constexpr int bad_parameter = 1;  // unknown point, value out of range, not writable
inline constexpr int device_error = 2;   // the device did not answer or refused
inline constexpr int busy = 3;           // too many requests in flight
inline constexpr int not_supported = 4;  // no such command or service on this device

}  // namespace edgegw::northbound::result_code
