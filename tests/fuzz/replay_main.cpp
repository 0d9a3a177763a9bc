// Replays every file under the directories (or files) given on the command line through
// LLVMFuzzerTestOneInput, for builds without libFuzzer. Prints "N passed, 0 failed" at the end; a
// crash or sanitizer finding aborts the process, which fails the ctest.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay(const std::filesystem::path& file, std::size_t& count) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  ++count;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) replay(e.path(), count);
      }
    } else {
      replay(p, count);
    }
  }
  // Also feed some fixed edge cases that every decoder must survive.
  LLVMFuzzerTestOneInput(nullptr, 0);
  const std::uint8_t ff[64] = {0xff, 0xff, 0xff, 0xff, 0xff};
  LLVMFuzzerTestOneInput(ff, sizeof ff);
  std::printf("replayed %zu inputs\n", count);
  return count > 0 ? 0 : 1;
}
