// `edgegw check` as a user runs it: the shipped example and every platform example pass (with
// their secret files made up in a temp dir), broken files exit 78 with FILE:LINE:COLUMN lines.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace edgegw::test {
namespace {

CommandResult edgegw(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv{EDGEGW_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env, std::chrono::seconds(30));
}

// A copy of an example config under `root`: /etc/edgegw/... and /var/lib/edgegw move below root,
// every *_file it names is created there (a test certificate or key, else a base64 dummy secret;
// mode 0600), credential:NAME
// files go to root/credentials, and CA pins (which only the real vendor file matches) are dropped.
std::filesystem::path materialize(const std::filesystem::path& example, const TempDir& root) {
  std::string text = read_file(example);
  const std::string base = root.path().string();
  text = std::regex_replace(text, std::regex("\"/etc/edgegw/"), "\"" + base + "/etc/edgegw/");
  text = std::regex_replace(text, std::regex("\"/var/lib/edgegw\""), "\"" + base + "/state\"");
  text = std::regex_replace(text, std::regex("(^|\n)[ \t]*ca_(md5|sha256)[ \t]*=[^\n]*"), "$1");
  // Certificates must be real ones: check reads them.
  static const TestPki pki;
  static const CertPair client = pki.issue("client", "device");
  const std::regex file_key("(^|\n)[ \t]*([a-z_]+)_file[ \t]*=[ \t]*\"([^\"]+)\"");
  for (std::sregex_iterator it(text.begin(), text.end(), file_key), end; it != end; ++it) {
    const std::string key = (*it)[2];
    std::string path = (*it)[3];
    if (path.rfind("credential:", 0) == 0) path = base + "/credentials/" + path.substr(11);
    const auto relative = std::filesystem::relative(path, root.path()).string();
    std::string content = "c2VjcmV0LWtleQ==\n";  // base64, so that it passes as a Tencent PSK
    if (key == "ca") content = read_file(pki.ca_cert());
    if (key == "cert") content = read_file(client.cert);
    if (key == "key") content = read_file(client.key);
    root.write(relative, content, 0600);
  }
  return root.write("etc/edgegw/" + example.filename().string(), text, 0600);
}

TEST(CheckCommand, ShippedExamplePasses) {
  TempDir root;
  const auto config = materialize(EDGEGW_SOURCE_DIR "/etc/edgegw/edgegw.toml", root);
  const auto r = edgegw({"-c", config.string(), "check"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": ok (1 file(s), platform aliyun, 2 device(s), 1 Modbus bus(es))"),
            std::string::npos)
      << r.output;
}

TEST(CheckCommand, EveryPlatformExamplePasses) {
  const std::filesystem::path dir = EDGEGW_SOURCE_DIR "/etc/examples";
  std::vector<std::filesystem::path> examples;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".toml") examples.push_back(e.path());
    }
  }
  if (examples.empty()) GTEST_SKIP() << "no etc/examples/*.toml yet";
  for (const auto& example : examples) {
    TempDir root;
    const auto config = materialize(example, root);
    const auto r = edgegw({"-c", config.string(), "check"},
                          {{"CREDENTIALS_DIRECTORY", (root.path() / "credentials").string()}});
    EXPECT_EQ(r.exit_code, 0) << example.filename() << ":\n" << r.output;
  }
}

TEST(CheckCommand, BrokenFileExits78AndPrintsEveryProblem) {
  TempDir dir;
  const auto config = dir.write("edgegw.toml",
                                "[gateway]\n"
                                "log_level = \"loud\"\n"  // 2:13
                                "[cloud]\n"
                                "platform = \"mqtt\"\n"
                                "host = \"127.0.0.1\"\n"
                                "tls = false\n"  // 6:7 no allow_plaintext
                                "[[device]]\n"
                                "name = \"d\"\n"
                                "[device.mqtt]\n"
                                "topic = \"t\"\n"
                                "qos = 2\n");  // 11:1 unknown
  const auto r = edgegw({"-c", config.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  const std::string f = config.string();
  EXPECT_NE(r.output.find(f + ":2:13: gateway.log_level: must be one of trace, debug, info, "
                              "warning, error (got \"loud\")"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(f + ":6:7: cloud.tls: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(f + ":11:1: unknown key 'qos' in [device.mqtt]"), std::string::npos)
      << r.output;
  // Every problem line has the FILE:LINE:COLUMN form.
  std::istringstream lines(r.output);
  int problems = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(f + ":", 0) == 0) {
      EXPECT_TRUE(std::regex_search(line, std::regex("^[^:]+:[0-9]+:[0-9]+: "))) << line;
      ++problems;
    }
  }
  EXPECT_EQ(problems, 3) << r.output;
}

// A minimal valid configuration: one device on a plain local broker.
const std::string kOneDevice =
    "[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\ntls = false\nallow_plaintext = true\n"
    "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n";

// A 200 KB file whose one key is 100,000 levels deep overflowed toml++'s stack: the process died
// with SIGSEGV. It must be refused before parsing, with the place.
TEST(CheckCommand, APathologicallyDeepKeyIsRefusedNotACrash) {
  TempDir dir;
  std::string key = "a";
  for (int i = 0; i < 100000; ++i) key += ".a";
  const auto dotted = dir.write("dotted.toml", kOneDevice + key + " = 1\n");
  auto r = edgegw({"-c", dotted.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find(dotted.string() + ":10:"), std::string::npos) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("a dotted key with more than 64 levels"), std::string::npos)
      << r.output.substr(0, 2000);

  const auto nested = dir.write("nested.toml", kOneDevice + "x = " + std::string(100000, '[') +
                                                   std::string(100000, ']') + "\n");
  r = edgegw({"-c", nested.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("arrays and tables nest deeper than 64 levels"), std::string::npos)
      << r.output.substr(0, 2000);
}

TEST(CheckCommand, ADirectoryIsNotAConfiguration) {
  TempDir dir;
  const auto r = edgegw({"-c", dir.path().string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("is a directory, not a configuration file"), std::string::npos)
      << r.output;
}

// /dev/zero used to be read until memory ran out; the deadline of edgegw() is 30 s.
TEST(CheckCommand, ADeviceIsRefusedWithoutReadingIt) {
  const auto r = edgegw({"-c", "/dev/zero", "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("/dev/zero:1:1: is not a regular file"), std::string::npos) << r.output;
}

TEST(CheckCommand, AnEmptyFileHasNoDevices) {
  TempDir dir;
  const auto config = dir.write("edgegw.toml", "");
  const auto r = edgegw({"-c", config.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(config.string() + ":1:1: no [[device]] configured"), std::string::npos)
      << r.output;
}

TEST(CheckCommand, AFileOverTheSizeCapIsRefused) {
  TempDir dir;
  std::string text = kOneDevice;
  const std::string comment = "# " + std::string(1000, 'x') + "\n";
  while (text.size() <= (4u << 20)) text += comment;
  const auto config = dir.write("edgegw.toml", text);
  const auto r = edgegw({"-c", config.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("a configuration file may be at most 4 MiB"), std::string::npos)
      << r.output;
}

TEST(CheckCommand, AWorldWritableDropInIsRefused) {
  TempDir dir;
  const auto config = dir.write("edgegw.toml", kOneDevice);
  EXPECT_EQ(edgegw({"-c", config.string(), "check"}).exit_code, 0);
  const auto drop_in = dir.write("conf.d/extra.toml", "[gateway]\nlog_level = \"debug\"\n", 0666);
  const auto r = edgegw({"-c", config.string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(drop_in.string() + ":1:1: is writable by every user (mode 0666)"),
            std::string::npos)
      << r.output;
}

TEST(CheckCommand, MissingFileIsAConfigError) {
  TempDir dir;
  const auto r = edgegw({"-c", (dir / "none.toml").string(), "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("none.toml:1:1: cannot read the file"), std::string::npos) << r.output;
}

TEST(CommandLine, VersionUsageAndStatus) {
  auto r = edgegw({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("edgegw 0."), std::string::npos) << r.output;
  r = edgegw({"frobnicate"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = edgegw({});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = edgegw({"status"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the daemon is not running"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgegw::test
