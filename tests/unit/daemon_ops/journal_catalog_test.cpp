// systemd/edgegw.catalog explains every MESSAGE_ID of daemon/message_ids.hpp: journalctl itself
// compiles it (--update-catalog into a temporary root) and lists each id with its subject.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "daemon/message_ids.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

const std::filesystem::path kCatalog =
    std::filesystem::path(EDGEGW_SOURCE_DIR) / "systemd" / "edgegw.catalog";

TEST(JournalCatalog, EveryMessageIdHasOneEntryWithSubjectAndDocumentation) {
  std::ifstream in(kCatalog);
  ASSERT_TRUE(in) << kCatalog;
  std::map<std::string, std::set<std::string>> headers;  // id -> header fields seen
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.starts_with("-- ")) {
      current = line.substr(3);
      EXPECT_EQ(current.size(), 32u) << line;
      EXPECT_FALSE(headers.count(current)) << "duplicate " << current;
      headers[current];
    } else if (!current.empty() && line.find(": ") != std::string::npos &&
               line.find(' ') > line.find(':')) {
      headers[current].insert(line.substr(0, line.find(':')));
    }
  }
  for (const auto& id : log::kAllMessageIds) {
    ASSERT_TRUE(headers.count(std::string(id.id))) << id.name;
    for (const char* field : {"Subject", "Defined-By", "Documentation"}) {
      EXPECT_TRUE(headers[std::string(id.id)].count(field)) << id.name << " lacks " << field;
    }
  }
  EXPECT_EQ(headers.size(), log::kAllMessageIds.size());
}

TEST(JournalCatalog, JournalctlCompilesAndListsIt) {
  if (test::run_command({"journalctl", "--version"}).exit_code != 0) {
    GTEST_SKIP() << "no journalctl";
  }
  test::TempDir root;
  const auto dir = root / "usr/lib/systemd/catalog";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kCatalog, dir / "edgegw.catalog");
  const auto update =
      test::run_command({"journalctl", "--root", root.path().string(), "--update-catalog"});
  ASSERT_EQ(update.exit_code, 0) << update.output;
  EXPECT_EQ(update.output.find("edgegw.catalog"), std::string::npos) << update.output;  // no errors
  const auto list =
      test::run_command({"journalctl", "--root", root.path().string(), "--list-catalog"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const auto& id : log::kAllMessageIds) {
    EXPECT_NE(list.output.find(std::string(id.id) + " edgegw: "), std::string::npos)
        << id.name << "\n"
        << list.output;
  }
}

}  // namespace
}  // namespace edgegw::daemon
