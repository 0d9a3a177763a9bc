#include "daemon/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
// Without this, sd_journal_sendv() adds CODE_FILE/CODE_LINE/CODE_FUNC of its own call here to
// every entry; the sink sends the real caller's instead.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace edgegw::daemon::log {
namespace {

thread_local const DeviceLogContext* t_context = nullptr;
thread_local std::string_view t_message_id;  // MESSAGE_ID of the line being written

// The directory of devices' journal fields (describe_device()): sorted by device, one entry per
// device without a map node around it (96 bytes a device instead of 160: issue 18, memory per
// device at 10,000 devices). Changed only at start and reload; looked up per line.
struct Directory {
  std::mutex mutex;
  std::vector<DeviceLogContext> devices;  // by device name, unique

  std::vector<DeviceLogContext>::iterator find_slot(std::string_view device) {
    return std::lower_bound(
        devices.begin(), devices.end(), device,
        [](const DeviceLogContext& c, std::string_view name) { return c.device < name; });
  }
  const DeviceLogContext* find(std::string_view device) {
    auto it = find_slot(device);
    return it != devices.end() && it->device == device ? &*it : nullptr;
  }
};
Directory& directory() {
  static Directory* d = new Directory;  // never destroyed: bus threads may log during exit
  return *d;
}

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

void send_to_journal(const std::vector<std::string>& fields) {
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (const auto& f : fields) iov.push_back({const_cast<char*>(f.data()), f.size()});
  sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

// Writes each line as one journal entry with our fields (spdlog's own systemd sink cannot add
// them).
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JournalSink(JournalWriter writer) : writer_(std::move(writer)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::vector<std::string> fields;
    fields.reserve(6);
    fields.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
    fields.push_back("PRIORITY=" + std::to_string(syslog_priority(msg.level)));
    fields.emplace_back("SYSLOG_IDENTIFIER=edgegw");
    if (const DeviceLogContext* c = t_context) {
      if (!c->device.empty()) fields.push_back("EDGEGW_DEVICE=" + c->device);
      if (!c->platform.empty()) fields.push_back("EDGEGW_PLATFORM=" + c->platform);
      if (!c->bus.empty()) fields.push_back("EDGEGW_BUS=" + c->bus);
    }
    if (!t_message_id.empty()) fields.push_back("MESSAGE_ID=" + std::string(t_message_id));
    if (!msg.source.empty()) {
      fields.push_back(std::string("CODE_FILE=") + msg.source.filename);
      fields.push_back("CODE_LINE=" + std::to_string(msg.source.line));
      if (msg.source.funcname) fields.push_back(std::string("CODE_FUNC=") + msg.source.funcname);
    }
    writer_(fields);
  }
  void flush_() override {}

 private:
  JournalWriter writer_;
};

}  // namespace

void describe_device(DeviceLogContext context) {
  auto& d = directory();
  std::lock_guard lock(d.mutex);
  auto it = d.find_slot(context.device);
  if (it != d.devices.end() && it->device == context.device) {
    *it = std::move(context);
  } else {
    d.devices.insert(it, std::move(context));
  }
}

void forget_device(std::string_view device) {
  auto& d = directory();
  std::lock_guard lock(d.mutex);
  auto it = d.find_slot(device);
  if (it != d.devices.end() && it->device == device) d.devices.erase(it);
}

void forget_all_devices() {
  auto& d = directory();
  std::lock_guard lock(d.mutex);
  d.devices.clear();
}

void set_devices(std::vector<DeviceLogContext> contexts) {
  // Sorted, the last of equal names winning (as a map's insert_or_assign would).
  std::stable_sort(contexts.begin(), contexts.end(),
                   [](const auto& a, const auto& b) { return a.device < b.device; });
  std::vector<DeviceLogContext> devices;
  devices.reserve(contexts.size());
  for (auto& c : contexts) {
    if (!devices.empty() && devices.back().device == c.device) {
      devices.back() = std::move(c);
    } else {
      devices.push_back(std::move(c));
    }
  }
  auto& d = directory();
  std::lock_guard lock(d.mutex);
  d.devices.swap(devices);
}

std::optional<DeviceLogContext> device_context(std::string_view device) {
  auto& d = directory();
  std::lock_guard lock(d.mutex);
  if (const auto* context = d.find(device)) return *context;
  return std::nullopt;
}

namespace {
std::mutex g_observer_mutex;
EventObserver g_observer;  // under g_observer_mutex
}  // namespace

void set_event_observer(EventObserver observer) {
  std::lock_guard lock(g_observer_mutex);
  g_observer = std::move(observer);
}

namespace detail {
void observe_event(std::string_view id, std::string_view device, std::string_view text) {
  std::lock_guard lock(g_observer_mutex);
  if (g_observer) g_observer(id, device, text);
}
DeviceScope::DeviceScope(std::string_view device) : previous_(t_context) {
  context_.device = device;
  t_context = &context_;
}
DeviceScope::DeviceScope(const DeviceLogContext& context)
    : context_(context), previous_(t_context) {
  t_context = &context_;
}
DeviceScope::~DeviceScope() {
  t_context = previous_;
}
std::string_view current_device() {
  return t_context ? std::string_view(t_context->device) : std::string_view();
}
const DeviceLogContext* current_context() {
  return t_context;
}
DeviceLogContext context_of(std::string_view device) {
  if (auto c = device_context(device)) return *c;
  return DeviceLogContext{std::string(device), {}, {}};
}
void write_line(spdlog::level::level_enum level, const DeviceLogContext* context,
                std::string_view message_id, const loop::SourceLocation* where,
                std::string_view text) {
  if (!message_id.empty()) observe_event(message_id, context ? context->device : "", text);
  const DeviceLogContext* previous_context = t_context;
  const std::string_view previous_id = t_message_id;
  t_context = context;
  t_message_id = message_id;
  spdlog::source_loc source;
  if (where) source = {where->file_name(), static_cast<int>(where->line()), where->function_name()};
  spdlog::default_logger_raw()->log(source, level, "{}", text);
  t_context = previous_context;
  t_message_id = previous_id;
}
}  // namespace detail

void source_line(spdlog::level::level_enum level, std::string_view device, std::string_view bus,
                 std::string_view message) {
  if (!spdlog::should_log(level)) return;
  DeviceLogContext context;
  if (!device.empty()) context = detail::context_of(device);
  if (context.bus.empty()) context.bus = bus;
  detail::DeviceScope scope(context);
  spdlog::log(level, "{}", message);
}

void relayed(spdlog::level::level_enum level, std::string_view device, std::string_view message) {
  if (!spdlog::should_log(level)) return;
  const auto context = detail::context_of(device);
  detail::write_line(level, &context, {}, nullptr, fmt::format("[{}] {}", device, message));
}

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

std::shared_ptr<spdlog::sinks::sink> make_journal_sink(JournalWriter writer) {
  return std::make_shared<JournalSink>(writer ? std::move(writer) : JournalWriter(send_to_journal));
}

void setup(LogLevel level) {
  std::shared_ptr<spdlog::logger> logger;
  if (journal_stream_matches(std::getenv("JOURNAL_STREAM"), STDERR_FILENO)) {
    logger = std::make_shared<spdlog::logger>("edgegw", make_journal_sink());
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
