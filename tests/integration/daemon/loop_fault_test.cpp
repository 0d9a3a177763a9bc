// A stray exception in an event-loop callback ends the daemon in order: the real Daemon runs in
// this process on its own sd-event loop, with its Gateway, outbox and sessions, and the test hangs
// one more source on that loop (Daemon::run's extend_loop) whose callback throws. Nothing in the
// edgegw binary is there for the test: the throwing callback goes through loop::guarded exactly as
// every daemon callback does, and what is checked is what an operator would see - exit code 1, the
// journal line naming the callback, and everything accepted before the fault stored on disk.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "fakes/journal_capture.hpp"
#include "loop/event_source.hpp"
#include "loop/guarded.hpp"
#include "store/outbox.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {
namespace {

std::string config_text(const TempDir& dir) {
  // The cloud is a loopback port where nothing listens: the sessions just back off.
  return "[gateway]\nstate_dir = \"" + (dir / "state").string() +
         "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
         std::to_string(free_tcp_port()) +
         "\ntls = false\nallow_plaintext = true\n"
         "[[device]]\nname = \"meter-1\"\n[device.mqtt]\ntopic = \"sensors/meter-1\"\n";
}

std::string everything_logged(const JournalCapture& journal) {
  std::string all;
  for (const auto& entry : journal.entries()) {
    all += JournalCapture::field(entry, "MESSAGE").value_or("") + "\n";
  }
  return all;
}

struct Injector {
  daemon::Daemon* daemon = nullptr;
  loop::EventSource source;
};

int throw_once_running(sd_event_source* s, void* self) noexcept {
  return loop::guarded(s, "test fault injector", [self] {
    auto* injector = static_cast<Injector*>(self);
    // A reading accepted just before the fault: the orderly stop must still store it.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    injector->daemon->outbox()->append(
        {"meter-1", 0, now_ms, store::RecordKind::telemetry, {{"value", std::int64_t{42}}}});
    throw std::runtime_error("boom");
  });
}

TEST(DaemonLoopFault, AThrowingCallbackEndsTheDaemonInOrderWithExitCode1AndALogLine) {
  TempDir dir;
  const auto file = dir.write("edgegw.toml", config_text(dir));
  config::Config config = config::load_config(file);
  const auto outbox_path = config.store.path;
  std::filesystem::create_directories(config.gateway.state_dir);  // `edgegw run` does this first
  JournalCapture journal;
  Injector injector;
  int exit_code = -1;
  {
    daemon::Daemon daemon(file, config, std::nullopt);
    injector.daemon = &daemon;
    exit_code = daemon.run([&injector](sd_event* loop) {
      ASSERT_GE(sd_event_add_defer(loop, injector.source.out(), &throw_once_running, &injector), 0);
    });
    injector.source.reset();
  }
  EXPECT_EQ(exit_code, 1);

  const auto fault = journal.with_message("test fault injector: unexpected error: boom; stopping");
  ASSERT_EQ(fault.size(), 1u) << everything_logged(journal);
  EXPECT_EQ(JournalCapture::field(fault[0], "PRIORITY"), "2");   // critical
  EXPECT_EQ(journal.with_message("edgegw stopped").size(), 1u);  // run() went all the way out

  auto outbox = store::Outbox::open({.path = outbox_path});
  EXPECT_EQ(outbox->backlog("meter-1"), 1u);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

}  // namespace
}  // namespace edgegw::test
