// What one Modbus request came to. The poller and the bus decide on these values (retry, split a
// block, mark a device offline, reconnect); only the link knows libmodbus's errno codes.
#pragma once

#include <string>

namespace edgegw::southbound {

enum class Outcome {
  ok,
  exception,        // the slave answered with a Modbus exception (exception_code)
  timeout,          // no answer within the response timeout
  garbled,          // an answer that does not fit: bad CRC, wrong transaction or slave id
  transport_error,  // the connection or serial line failed: reconnect
  not_connected,    // no connection (and it may not be retried yet: backoff)
};

inline constexpr int kIllegalDataAddress = 2;  // Modbus exception code 02

struct RequestResult {
  Outcome outcome = Outcome::ok;
  int exception_code = 0;  // with Outcome::exception
  std::string error;       // human-readable, for logs and replies
  // The slave is there: it answered, even if with an exception.
  bool answered() const { return outcome == Outcome::ok || outcome == Outcome::exception; }
};

}  // namespace edgegw::southbound
