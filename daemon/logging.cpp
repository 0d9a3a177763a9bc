#include "daemon/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace edgegw::daemon::log {
namespace {

thread_local std::string_view t_device;

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LOG_DEBUG;
    case spdlog::level::info:
      return LOG_INFO;
    case spdlog::level::warn:
      return LOG_WARNING;
    case spdlog::level::err:
      return LOG_ERR;
    case spdlog::level::critical:
      return LOG_CRIT;
    default:
      return LOG_INFO;
  }
}

// Writes each line as one journal entry with our fields (spdlog's own systemd sink cannot add
// EDGEGW_DEVICE).
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string message = "MESSAGE=" + std::string(msg.payload.data(), msg.payload.size());
    const std::string priority = "PRIORITY=" + std::to_string(syslog_priority(msg.level));
    static const std::string identifier = "SYSLOG_IDENTIFIER=edgegw";
    const std::string device = "EDGEGW_DEVICE=" + std::string(t_device);
    iovec fields[4] = {
        {const_cast<char*>(message.data()), message.size()},
        {const_cast<char*>(priority.data()), priority.size()},
        {const_cast<char*>(identifier.data()), identifier.size()},
        {const_cast<char*>(device.data()), device.size()},
    };
    sd_journal_sendv(fields, t_device.empty() ? 3 : 4);
  }
  void flush_() override {}
};

}  // namespace

namespace detail {
DeviceScope::DeviceScope(std::string_view device) : previous_(t_device) {
  t_device = device;
}
DeviceScope::~DeviceScope() {
  t_device = previous_;
}
std::string_view current_device() {
  return t_device;
}
}  // namespace detail

bool journal_stream_matches(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  std::uintmax_t dev = 0, ino = 0;
  if (std::sscanf(journal_stream, "%ju:%ju", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<std::uintmax_t>(st.st_dev) == dev &&
         static_cast<std::uintmax_t>(st.st_ino) == ino;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warning:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void setup(LogLevel level) {
  std::shared_ptr<spdlog::logger> logger;
  if (journal_stream_matches(std::getenv("JOURNAL_STREAM"), STDERR_FILENO)) {
    logger = std::make_shared<spdlog::logger>("edgegw", std::make_shared<JournalSink>());
    logger->set_pattern("%v");  // the journal keeps the time and the level itself
  } else {
    logger = std::make_shared<spdlog::logger>("edgegw",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-7l %v");
  }
  spdlog::set_default_logger(logger);
  set_level(level);
}

void set_level(LogLevel level) {
  spdlog::set_level(to_spdlog(level));
  spdlog::flush_on(spdlog::level::trace);  // stderr lines must not wait in a buffer
}

}  // namespace edgegw::daemon::log
