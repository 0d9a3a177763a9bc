// A fake journal: while it lives, the default logger writes through the daemon's real journal
// sink (log::make_journal_sink) into memory instead of sd_journal_sendv(), so tests see the exact
// fields each entry would carry. Thread-safe (Modbus bus threads log too).
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/logging.hpp"

namespace edgegw::test {

class JournalCapture {
 public:
  using Entry = std::vector<std::string>;  // "FIELD=value", as sent

  JournalCapture() : previous_(spdlog::default_logger()), previous_level_(spdlog::get_level()) {
    auto sink = daemon::log::make_journal_sink([this](const Entry& fields) {
      std::lock_guard lock(mutex_);
      entries_.push_back(fields);
    });
    auto logger = std::make_shared<spdlog::logger>("journal-capture", std::move(sink));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::trace);
  }
  ~JournalCapture() {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(previous_level_);
  }
  JournalCapture(const JournalCapture&) = delete;
  JournalCapture& operator=(const JournalCapture&) = delete;

  std::vector<Entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  // The single entry written so far (an empty one, and a test failure, otherwise).
  Entry only_entry() const {
    auto all = entries();
    if (all.size() != 1) {
      ADD_FAILURE() << "expected one journal entry, got " << all.size();
      return {};
    }
    return all.front();
  }
  // Entries whose MESSAGE contains `text`.
  std::vector<Entry> with_message(std::string_view text) const {
    std::vector<Entry> out;
    for (auto& e : entries()) {
      auto m = field(e, "MESSAGE");
      if (m && m->find(text) != std::string::npos) out.push_back(std::move(e));
    }
    return out;
  }

  static std::optional<std::string> field(const Entry& entry, std::string_view name) {
    for (const auto& f : entry) {
      if (f.size() > name.size() && f.compare(0, name.size(), name) == 0 && f[name.size()] == '=') {
        return f.substr(name.size() + 1);
      }
    }
    return std::nullopt;
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  spdlog::level::level_enum previous_level_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace edgegw::test
