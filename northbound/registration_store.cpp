#include "northbound/registration_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "northbound/json_members.hpp"

namespace edgegw::northbound {
namespace {

// Product keys and device names are [A-Za-z0-9_.@:-]; anything else is %XX so a name can never
// leave the directory or collide.
std::string file_safe(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == ':' || c == '-';
    if (plain && !(out.empty() && c == '.')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string errno_text(const std::string& what, const std::filesystem::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

RegistrationStore::RegistrationStore(std::filesystem::path state_dir)
    : dir_(std::move(state_dir) / "registrations") {}

std::filesystem::path RegistrationStore::path_for(const DeviceIdentity& id) const {
  return dir_ / ("aliyun-" + file_safe(id.product_key) + "-" + file_safe(id.device_name) + ".json");
}

RegistrationStore::Loaded RegistrationStore::load(const DeviceIdentity& id) const {
  Loaded out;
  auto path = path_for(id);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) out.problem = "cannot read " + path.string();
    return out;
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto str = [&j](const char* key) { return string_member(j, key); };
  if (j.is_discarded() || !j.is_object()) {
    out.problem = path.string() + " is not the registration JSON edgegw wrote";
    return out;
  }
  Registration r{str("productKey"), str("deviceName"), str("deviceSecret"), str("clientId"),
                 str("deviceToken")};
  if (r.product_key != id.product_key || r.device_name != id.device_name) {
    out.problem = path.string() + " holds the registration of another device";
  } else if (r.device_secret.empty() && (r.client_id.empty() || r.device_token.empty())) {
    out.problem = path.string() + " holds neither a device secret nor a client id and token";
  } else {
    out.registration = std::move(r);
  }
  return out;
}

std::optional<std::string> RegistrationStore::save(const DeviceIdentity& id,
                                                   const Registration& r) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return "cannot create " + dir_.string() + ": " + ec.message();
  ::chmod(dir_.c_str(), 0700);

  nlohmann::json j = nlohmann::json::object();
  j["productKey"] = r.product_key;
  j["deviceName"] = r.device_name;
  if (!r.device_secret.empty()) j["deviceSecret"] = r.device_secret;
  if (!r.client_id.empty()) j["clientId"] = r.client_id;
  if (!r.device_token.empty()) j["deviceToken"] = r.device_token;
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  auto path = path_for(id);
  auto temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_text("cannot create", temp);
  // O_CREAT's mode does not apply to a leftover temp file; make sure.
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  std::string problem = ok ? std::string() : errno_text("cannot write", temp);
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return problem;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    problem = errno_text("cannot rename to", path);
    ::unlink(temp.c_str());
    return problem;
  }
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename itself must survive a power cut
    ::close(dfd);
  }
  return std::nullopt;
}

}  // namespace edgegw::northbound
