#include "libmodbus_slave.hpp"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace edgegw::test {

LibmodbusSlave::LibmodbusSlave() {
  map_ = modbus_mapping_new(kTableSize, kTableSize, kTableSize, kTableSize);
}

LibmodbusSlave::~LibmodbusSlave() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (ctx_ != nullptr) {
    modbus_close(ctx_);
    modbus_free(ctx_);
  }
  modbus_mapping_free(map_);
}

std::unique_ptr<LibmodbusSlave> LibmodbusSlave::tcp(std::uint16_t port) {
  std::unique_ptr<LibmodbusSlave> s(new LibmodbusSlave());
  s->ctx_ = modbus_new_tcp("127.0.0.1", port);
  s->listen_fd_ = modbus_tcp_listen(s->ctx_, 4);
  if (s->listen_fd_ < 0) throw std::runtime_error("libmodbus slave: listen failed");
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  s->port_ = ntohs(addr.sin_port);
  s->thread_ = std::thread([p = s.get()] { p->serve_tcp(); });
  return s;
}

std::unique_ptr<LibmodbusSlave> LibmodbusSlave::rtu(const std::string& device, int unit, int baud) {
  std::unique_ptr<LibmodbusSlave> s(new LibmodbusSlave());
  s->ctx_ = modbus_new_rtu(device.c_str(), baud, 'N', 8, 1);
  modbus_set_slave(s->ctx_, unit);
  if (modbus_connect(s->ctx_) < 0)
    throw std::runtime_error("libmodbus slave: cannot open " + device);
  s->thread_ = std::thread([p = s.get()] { p->serve_rtu(); });
  return s;
}

bool LibmodbusSlave::wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  while (!stop_) {
    const int rc = ::poll(&p, 1, 20);
    if (rc > 0) return true;
  }
  return false;
}

void LibmodbusSlave::serve_tcp() {
  std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
  while (!stop_) {
    if (!wait_readable(listen_fd_)) return;
    if (modbus_tcp_accept(ctx_, &listen_fd_) < 0) continue;
    const int client = modbus_get_socket(ctx_);
    while (!stop_ && wait_readable(client)) {
      const int rc = modbus_receive(ctx_, query);
      if (rc < 0) break;  // the master went away
      if (rc > 0) answer(query, rc);
    }
    ::close(client);
    modbus_set_socket(ctx_, -1);
  }
}

void LibmodbusSlave::serve_rtu() {
  std::uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
  const int fd = modbus_get_socket(ctx_);
  while (!stop_ && wait_readable(fd)) {
    const int rc = modbus_receive(ctx_, query);
    if (rc > 0) answer(query, rc);
  }
}

void LibmodbusSlave::answer(const std::uint8_t* query, int length) {
  ++requests_;
  const int header = modbus_get_header_length(ctx_);
  const int unit = query[header - 1];
  const int function = query[header];
  const int address = (query[header + 1] << 8) | query[header + 2];
  int count = 1;
  if (function == 1 || function == 2 || function == 3 || function == 4 || function == 15 ||
      function == 16) {
    count = (query[header + 3] << 8) | query[header + 4];
  }
  std::lock_guard lock(mutex_);
  times_.push_back(std::chrono::steady_clock::now());
  functions_.push_back(function);
  if (silent_.count(unit) != 0) return;
  if (const auto fault = gateway_faults_.find(unit); fault != gateway_faults_.end()) {
    modbus_reply_exception(ctx_, query, static_cast<unsigned>(fault->second));
    return;
  }
  if (function == 3 || function == 6 || function == 16) {
    for (int a = address; a < address + count; ++a) {
      if (holes_.count(a) != 0) {
        modbus_reply_exception(ctx_, query, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
        return;
      }
    }
  }
  modbus_reply(ctx_, query, length, map_);
}

void LibmodbusSlave::set_holding(int address, const std::vector<std::uint16_t>& values) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < values.size(); ++i) map_->tab_registers[address + i] = values[i];
}

std::vector<std::uint16_t> LibmodbusSlave::holding(int address, int count) const {
  std::lock_guard lock(mutex_);
  return {map_->tab_registers + address, map_->tab_registers + address + count};
}

void LibmodbusSlave::set_input(int address, const std::vector<std::uint16_t>& values) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < values.size(); ++i)
    map_->tab_input_registers[address + i] = values[i];
}

void LibmodbusSlave::set_coils(int address, const std::vector<std::uint8_t>& values) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < values.size(); ++i) map_->tab_bits[address + i] = values[i];
}

std::vector<std::uint8_t> LibmodbusSlave::coils(int address, int count) const {
  std::lock_guard lock(mutex_);
  return {map_->tab_bits + address, map_->tab_bits + address + count};
}

void LibmodbusSlave::set_discrete(int address, const std::vector<std::uint8_t>& values) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < values.size(); ++i) map_->tab_input_bits[address + i] = values[i];
}

std::vector<int> LibmodbusSlave::functions() const {
  std::lock_guard lock(mutex_);
  return functions_;
}

std::vector<std::chrono::steady_clock::time_point> LibmodbusSlave::request_times() const {
  std::lock_guard lock(mutex_);
  return times_;
}

void LibmodbusSlave::set_silent(int unit, bool silent) {
  std::lock_guard lock(mutex_);
  if (silent) {
    silent_.insert(unit);
  } else {
    silent_.erase(unit);
  }
}

void LibmodbusSlave::set_gateway_fault(int unit, int exception_code) {
  std::lock_guard lock(mutex_);
  if (exception_code == 0) {
    gateway_faults_.erase(unit);
  } else {
    gateway_faults_[unit] = exception_code;
  }
}

void LibmodbusSlave::add_hole(int holding_address) {
  std::lock_guard lock(mutex_);
  holes_.insert(holding_address);
}

}  // namespace edgegw::test
