#include "daemon/event_baselines.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace edgegw::daemon {
namespace {

nlohmann::json to_json(const store::FieldValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

std::optional<store::FieldValue> from_json(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return std::nullopt;
}

std::string errno_text(const char* what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

}  // namespace

EventBaselines load_event_baselines(const std::filesystem::path& file, std::string* problem) {
  EventBaselines out;
  std::ifstream in(file);
  if (!in) return out;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) {
    if (problem) *problem = file.string() + " is not a JSON object: ignored";
    return out;
  }
  for (const auto& [device, conditions] : j.items()) {
    if (!conditions.is_object()) continue;
    for (const auto& [key, value] : conditions.items()) {
      if (auto v = from_json(value)) out[device][key] = std::move(*v);
    }
  }
  return out;
}

std::optional<std::string> save_event_baselines(const std::filesystem::path& file,
                                                const EventBaselines& baselines) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [device, conditions] : baselines) {
    auto& d = j[device] = nlohmann::json::object();
    for (const auto& [key, value] : conditions) d[key] = to_json(value);
  }
  const std::string text = j.dump() + "\n";
  auto temp = file;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_text("cannot create", temp);
  // No fsync: it would widen the time between the commit of an event and the save of the
  // baseline that follows it, where a SIGKILL makes the event go twice. A renamed file survives
  // any crash of the process; a power cut may bring back the previous baseline, which at worst
  // sends an event again.
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  std::string problem = ok ? std::string() : errno_text("cannot write", temp);
  ::close(fd);
  if (ok && ::rename(temp.c_str(), file.c_str()) != 0) {
    ok = false;
    problem = errno_text("cannot rename to", file);
  }
  if (!ok) {
    ::unlink(temp.c_str());
    return problem;
  }
  return std::nullopt;
}

}  // namespace edgegw::daemon
