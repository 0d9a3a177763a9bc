// Closing a serial line gives it back as we found it: the termios settings the port had before we
// opened it (another program, or getty, may use it after us). A socat pseudo-terminal is set to
// distinctive settings (4800 baud, two stop bits, 7 data bits, even parity), a bus opens it at
// 9600 8N1 and closes it (on a transport error, on stop), and tcgetattr on the path must show the
// original settings again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include "bus_fixture.hpp"
#include "southbound/modbus_bus.hpp"
#include "southbound/modbus_link.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::point;
using test::wait_until;

// The settings of the terminal at `path`, read through an fd of our own.
termios settings_of(const std::string& path) {
  termios t{};
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  EXPECT_GE(fd, 0) << path;
  if (fd < 0) return t;
  EXPECT_EQ(::tcgetattr(fd, &t), 0);
  ::close(fd);
  return t;
}

bool same(const termios& a, const termios& b) {
  return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag &&
         a.c_lflag == b.c_lflag && ::cfgetispeed(&a) == ::cfgetispeed(&b) &&
         ::cfgetospeed(&a) == ::cfgetospeed(&b) &&
         std::equal(std::begin(a.c_cc), std::end(a.c_cc), std::begin(b.c_cc));
}

class RtuTermios : public ::testing::Test {
 protected:
  void SetUp() override {
    // Held for the whole test, as another user of the port would; the settings live on the
    // terminal, not on the fd, so every fd sees them.
    holder_ = ::open(pty_.a().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    ASSERT_GE(holder_, 0);
    termios t{};
    ASSERT_EQ(::tcgetattr(holder_, &t), 0);
    ::cfsetispeed(&t, B4800);
    ::cfsetospeed(&t, B4800);
    t.c_cflag = (t.c_cflag & ~(CSIZE | PARODD)) | CS7 | PARENB | CSTOPB;
    t.c_cc[VTIME] = 7;
    ASSERT_EQ(::tcsetattr(holder_, TCSANOW, &t), 0);
    original_ = settings_of(pty_.a());
    ASSERT_EQ(::cfgetospeed(&original_), static_cast<speed_t>(B4800));
  }
  void TearDown() override {
    if (holder_ >= 0) ::close(holder_);
  }

  BusOptions bus_at_9600() const {
    BusOptions bus = test::rtu_bus(pty_.a(), 9600);
    bus.timeout = 100ms;
    bus.retries = 0;
    bus.reconnect_min = 20ms;
    bus.reconnect_max = 100ms;
    return bus;
  }

  test::PtyPair pty_;
  int holder_ = -1;
  termios original_{};
};

TEST_F(RtuTermios, ALinkRestoresThePortsSettingsWhenItCloses) {
  ModbusLink link(bus_at_9600());
  ASSERT_EQ(link.connect(), "");
  const termios open = settings_of(pty_.a());
  EXPECT_EQ(::cfgetospeed(&open), static_cast<speed_t>(B9600));  // ours while we have it
  EXPECT_EQ(open.c_cflag & (CSIZE | PARENB | CSTOPB), static_cast<tcflag_t>(CS8));
  link.disconnect();
  EXPECT_TRUE(same(settings_of(pty_.a()), original_));
  // Again (a reconnect after a transport error): what libmodbus saves on the second open must be
  // the port's own settings, not ours.
  ASSERT_EQ(link.connect(), "");
  const termios reopened = settings_of(pty_.a());
  EXPECT_EQ(::cfgetospeed(&reopened), static_cast<speed_t>(B9600));
  link.disconnect();
  EXPECT_TRUE(same(settings_of(pty_.a()), original_));
}

TEST_F(RtuTermios, ABusRestoresThePortsSettingsWhenItStops) {
  ModbusDevice d;
  d.name = "meter";
  d.options.interval = 50ms;
  d.options.points = {point("v", Table::holding, 0)};
  {
    ModbusBus bus(bus_at_9600(), {d});
    bus.start();
    ASSERT_TRUE(wait_until([&] { return bus.stats().connects >= 1; }));
    const termios open = settings_of(pty_.a());
    EXPECT_EQ(::cfgetospeed(&open), static_cast<speed_t>(B9600));
  }  // stopped and destroyed: the line is closed
  EXPECT_TRUE(same(settings_of(pty_.a()), original_));
}

}  // namespace
}  // namespace edgegw::southbound
