// Remote operations: the cloud's commands to the gateway identity ([gateway.cloud]), each answered
// through the platform's own reply (Alibaba service reply, Huawei command response, Tencent action
// reply, generic reply_topic) like a device's command:
//
//   status                         the `edgegw status --json` document (values.status, JSON text)
//   set_log_level level=L [duration=D]  the daemon's log level for D (default 10m, at most 24h),
//                                  then back to the configured one
//   poll device=NAME               polls one Modbus device now; answered once the poll is done
//                                  with its decoded points (and values.online)
//   restart_session device=NAME    the device's (or the gateway's own) cloud session reconnects
//   reload                         re-reads the configuration with the checks of SIGHUP; a refused
//                                  one is answered with its problems
//
// Nothing here writes files or runs programs. Every operation is logged with the request id that
// the platform gave it (who asked). The Host is the daemon (daemon/fleet.cpp); tests give their
// own. Runs on the loop thread; time is a parameter.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loop/log_sink.hpp"
#include "northbound/platform.hpp"

namespace edgegw::daemon {

class RemoteOperationsHost {
 public:
  virtual ~RemoteOperationsHost() = default;
  virtual std::string status_json() = 0;
  virtual void set_log_level(loop::LogLevel level) = 0;
  virtual void restore_log_level() = 0;  // the configured (or --log-level) one
  // The problems of the configuration on disk; empty: it was applied.
  virtual std::vector<std::string> reload() = 0;
  // nullopt: done; else why not.
  virtual std::optional<std::string> restart_session(const std::string& device) = 0;
  virtual std::optional<std::string> request_poll(const std::string& device) = 0;
  // How many polls of `device` ended so far (answered or not); nullopt for an unknown device.
  virtual std::optional<std::uint64_t> polls_done(const std::string& device) = 0;
  // The device's decoded points now (its last reported values) and whether it answers.
  virtual northbound::CommandResult poll_answer(const std::string& device) = 0;
  virtual void reply(const northbound::Command& command, const northbound::CommandResult& r) = 0;
};

class RemoteOperations {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kDefaultLogDuration{600};
  static constexpr std::chrono::seconds kMaxLogDuration{86400};
  static constexpr std::chrono::seconds kPollTimeout{30};

  explicit RemoteOperations(RemoteOperationsHost& host) : host_(host) {}

  // Queues the command: it runs at the next tick(). A command arrives inside the gateway
  // session's own callback, and a reload or a restart of that session would destroy it there.
  void on_command(const northbound::Command& command);
  // Runs the queued commands, answers finished polls, fails overdue ones, restores the log level
  // when its time is up.
  void tick(Clock::time_point now = Clock::now());

  std::size_t polls_in_flight() const { return polls_.size(); }
  std::optional<Clock::time_point> log_level_until() const { return log_until_; }

 private:
  struct Poll {
    northbound::Command command;
    std::string device;
    std::uint64_t done_before = 0;
    Clock::time_point deadline;
  };
  static constexpr std::size_t kMaxQueued = 64;
  void run(const northbound::Command& command, Clock::time_point now);
  void set_log_level(const northbound::Command& command, Clock::time_point now);
  void poll(const northbound::Command& command, Clock::time_point now);
  void restart_session(const northbound::Command& command);
  void reload(const northbound::Command& command);
  void answer(const northbound::Command& command, northbound::CommandResult result);

  RemoteOperationsHost& host_;
  std::vector<northbound::Command> queued_;
  std::vector<Poll> polls_;
  std::optional<Clock::time_point> log_until_;
};

// A parameter's text (a string value, or a number written out); empty when absent.
std::string parameter(const northbound::Command& command, const std::string& name);

}  // namespace edgegw::daemon
