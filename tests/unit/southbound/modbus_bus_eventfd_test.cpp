// A Modbus bus that cannot make its eventfd could never wake the loop with a reading: making it
// must fail loudly, naming the bus, instead of handing the caller an fd of -1 to watch.
#include <gtest/gtest.h>

#include <string>
#include <system_error>

#include "southbound/modbus_bus.hpp"
#include "support/fd_limit.hpp"

namespace edgegw::southbound {
namespace {

TEST(ModbusBusEventfd, ABusWithoutItsEventfdIsRefusedNamingTheBus) {
  if (!test::kFdExhaustionTestable) GTEST_SKIP() << "takes the last fd, which the sanitizers need";
  BusOptions options;
  options.name = "rs485-9";
  options.transport = Transport::tcp;
  options.host = "127.0.0.1";
  options.port = 1;
  std::string error;
  {
    test::FdLimitReached limit;
    try {
      ModbusBus bus(options, {});
    } catch (const std::system_error& e) {
      error = e.what();
    }
  }
  EXPECT_NE(error.find("rs485-9"), std::string::npos) << error;
  EXPECT_NE(error.find("eventfd"), std::string::npos) << error;
}

TEST(ModbusBusEventfd, ABusWithItsEventfdGivesItToTheLoop) {
  BusOptions options;
  options.name = "rs485-9";
  options.transport = Transport::tcp;
  options.host = "127.0.0.1";
  options.port = 1;
  ModbusBus bus(options, {});
  EXPECT_GE(bus.event_fd(), 0);
}

}  // namespace
}  // namespace edgegw::southbound
