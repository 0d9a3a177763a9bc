// libmodbus 3.1.6 select()s on its fd: with more than 1,024 other fds open, the bus must still put
// its socket (and serial line) below 1024. Startup reserves low fds (as the daemon does before it
// opens its cloud sessions); then the test fills every low number and a few hundred more, and only
// then starts the buses.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bus_fixture.hpp"
#include "libmodbus_slave.hpp"
#include "southbound/low_fd.hpp"
#include "southbound/modbus_bus.hpp"
#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::point;
using test::wait_until;

// Opens /dev/null until the next fd would be >= `above`; closes them all at the end.
class FdFiller {
 public:
  explicit FdFiller(int above) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    saved_ = limit;
    if (limit.rlim_cur < 4096) {
      limit.rlim_cur = std::min<rlim_t>(4096, limit.rlim_max);
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    while (true) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
      if (fd >= above) break;
    }
  }
  ~FdFiller() {
    for (int fd : fds_) ::close(fd);
    setrlimit(RLIMIT_NOFILE, &saved_);
  }
  int highest() const { return fds_.empty() ? -1 : fds_.back(); }
  std::size_t count() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
  rlimit saved_{};
};

ModbusDevice fd_device(unsigned unit) {
  ModbusDevice d;
  d.name = "meter";
  d.options.unit = unit;
  d.options.interval = 50ms;
  d.options.points = {point("unit", Table::holding, 7), point("tick", Table::holding, 6)};
  return d;
}

TEST(ModbusFd, TcpSocketStaysBelow1024WithThousandsOfFdsOpen) {
  reserve_low_fds(2);  // at startup
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  FdFiller filler(1300);
  ASSERT_GE(filler.highest(), 1300) << "could not open enough fds";
  ASSERT_GT(filler.count(), 1024u);
  ModbusBus bus(test::tcp_bus(port), {fd_device(1)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.telemetry("meter").size() >= 5; }, 15s));
  EXPECT_EQ(got.last("meter", "unit"), store::FieldValue{std::int64_t{1}});
  const int fd = bus.stats().fd;
  EXPECT_GE(fd, 0);
  EXPECT_LT(fd, 1024);
  // A new fd opened now lands above 1024: proof the low range really is full.
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(probe, 1024);
  ::close(probe);
}

TEST(ModbusFd, SerialLineStaysBelow1024WithThousandsOfFdsOpen) {
  reserve_low_fds(2);
  test::PtyPair pty;
  // The slave opens its end before the filling: its own select() needs a low fd too.
  auto slave = test::LibmodbusSlave::rtu(pty.b(), 1);
  slave->set_holding(7, {1});
  FdFiller filler(1300);
  ASSERT_GE(filler.highest(), 1300);
  BusOptions bus_options;
  bus_options.name = "rtu-fd";
  bus_options.transport = Transport::rtu;
  bus_options.device = pty.a();
  bus_options.baud = 38400;
  bus_options.timeout = 300ms;
  ModbusBus bus(bus_options, {fd_device(1)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.telemetry("meter").size() >= 5; }, 15s));
  EXPECT_LT(bus.stats().fd, 1024);
}

}  // namespace
}  // namespace edgegw::southbound
