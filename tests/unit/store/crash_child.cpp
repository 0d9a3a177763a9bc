// Helper for store_outbox_crash_test: appends records to the outbox at argv[1] forever, committing
// small random batches, and writes "<device> <seq>\n" to the pipe argv[2] for every record whose
// commit returned — the same promise the local MQTT source relies on before it PUBACKs. The test
// kills it with SIGKILL at random moments.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "store/outbox.hpp"

int main(int argc, char** argv) {
  using namespace edgegw::store;
  if (argc != 3) return 2;
  const int pipe = ::open(argv[2], O_WRONLY);
  if (pipe < 0) return 3;
  OutboxOptions options;
  options.path = argv[1];
  options.max_age = std::chrono::milliseconds(0);
  options.wal_checkpoint_pages = 16;  // checkpoints every few commits: kills land inside them too
  auto outbox = Outbox::open(options);
  std::minstd_rand random(static_cast<unsigned>(::getpid()));
  for (std::int64_t n = 0;; ++n) {
    const int batch = 1 + static_cast<int>(random() % 50);
    for (int i = 0; i < batch; ++i) {
      const std::string device = random() % 3 ? "meter-a" : "meter-b";
      Record record{
          device, 0, n, RecordKind::telemetry, {{"n", n}, {"pad", std::string(100, 'x')}}};
      auto seq = std::make_shared<std::uint64_t>(0);
      *seq = outbox->append(std::move(record), [pipe, device, seq] {
        const std::string line = device + " " + std::to_string(*seq) + "\n";
        if (::write(pipe, line.data(), line.size()) < 0) std::_Exit(4);
      });
    }
    if (!outbox->commit().ok()) return 5;
  }
}
