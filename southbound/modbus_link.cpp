#include "southbound/modbus_link.hpp"

#include <fcntl.h>
#include <modbus/modbus.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "southbound/low_fd.hpp"

namespace edgegw::southbound {
namespace {

// Waits for a non-blocking connect on `fd`; 0 or the errno it failed with.
int finish_connect(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return ETIMEDOUT;
  if (rc < 0) return errno;
  int error = 0;
  socklen_t len = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) return errno;
  return error;
}

}  // namespace

ModbusLink::ModbusLink(const BusOptions& options) : options_(options) {
  if (options_.transport == Transport::tcp) {
    // The address is never used: connect_tcp() connects and hands over the socket.
    ctx_ = modbus_new_tcp("127.0.0.1", options_.port);
  } else {
    ctx_ =
        modbus_new_rtu(options_.device.c_str(), static_cast<int>(options_.baud), options_.parity,
                       static_cast<int>(options_.data_bits), static_cast<int>(options_.stop_bits));
  }
  if (ctx_ != nullptr) {
    const auto ms = options_.timeout.count();
    modbus_set_response_timeout(ctx_, static_cast<std::uint32_t>(ms / 1000),
                                static_cast<std::uint32_t>((ms % 1000) * 1000));
    modbus_set_error_recovery(ctx_, MODBUS_ERROR_RECOVERY_NONE);
  }
  slot_ = take_low_fd();
}

ModbusLink::~ModbusLink() {
  disconnect();
  return_low_fd(slot_);
  if (ctx_ != nullptr) modbus_free(ctx_);
}

std::string ModbusLink::connect() {
  if (connected_) return {};
  if (ctx_ == nullptr) return "libmodbus refused the bus settings";
  if (slot_ < 0) {
    slot_ = take_low_fd();
    if (slot_ < 0) {
      return "no file descriptor below 1024 is free for libmodbus (reserve_low_fds() at startup)";
    }
  }
  std::string error = options_.transport == Transport::tcp ? connect_tcp() : connect_rtu();
  connected_ = error.empty();
  return error;
}

std::string ModbusLink::connect_tcp() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return "cannot resolve " + options_.host + ": " + ::gai_strerror(rc);
  }
  std::string error = "no address for " + options_.host;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (move_to_low_fd(s, slot_) < 0) {
      error = std::string("dup3: ") + std::strerror(errno);
      ::close(s);
      continue;
    }
    int rc = ::connect(slot_, a->ai_addr, a->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) err = finish_connect(slot_, options_.connect_timeout);
    if (err == 0) {
      const int one = 1;
      ::setsockopt(slot_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      modbus_set_socket(ctx_, slot_);
      ::freeaddrinfo(found);
      return {};
    }
    error = "connect to " + options_.host + ":" + port + ": " + std::strerror(err);
    release_to_placeholder(slot_);
  }
  ::freeaddrinfo(found);
  return error;
}

std::string ModbusLink::connect_rtu() {
  if (modbus_connect(ctx_) < 0) {
    return "open " + options_.device + ": " + modbus_strerror(errno);
  }
  const int fd = modbus_get_socket(ctx_);
  if (move_to_low_fd(fd, slot_) < 0) {
    const std::string error = std::string("dup3: ") + std::strerror(errno);
    modbus_close(ctx_);
    return error;
  }
  modbus_set_socket(ctx_, slot_);
  return {};
}

void ModbusLink::disconnect() {
  if (!connected_) return;
  if (options_.transport == Transport::rtu) restore_line_settings();
  // Not modbus_close() on the slot: that would close it and hand the low number to anyone.
  modbus_set_socket(ctx_, -1);
  release_to_placeholder(slot_);
  connected_ = false;
}

// libmodbus saved the port's termios when it opened it, and modbus_close() puts them back (3.1.6
// _modbus_rtu_close: tcsetattr(old_tios), then close). It closes the fd it is given, so it gets a
// duplicate: the settings belong to the terminal, not to the fd, and the slot stays ours.
void ModbusLink::restore_line_settings() {
  const int copy = ::fcntl(slot_, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return;  // the line keeps our settings; nothing worse happens
  modbus_set_socket(ctx_, copy);
  modbus_close(ctx_);
}

void ModbusLink::flush() {
  if (connected_) modbus_flush(ctx_);
}

RequestResult ModbusLink::result_of(int rc, int expected) {
  if (rc == expected) return {};
  RequestResult r;
  if (rc >= 0) {
    r.outcome = Outcome::garbled;
    r.error = "short answer";
    return r;
  }
  const int err = errno;
  r.error = modbus_strerror(err);
  if (err >= EMBXILFUN && err <= EMBXGTAR) {
    r.outcome = Outcome::exception;
    r.exception_code = err - MODBUS_ENOBASE;
  } else if (err == ETIMEDOUT) {
    r.outcome = Outcome::timeout;
    r.error = "no answer (timeout)";
  } else if (err >= EMBBADCRC && err <= EMBBADSLAVE) {
    r.outcome = Outcome::garbled;
  } else if (err == EINVAL) {
    r.outcome = Outcome::garbled;
    r.error = "invalid request: " + r.error;
  } else {
    r.outcome = Outcome::transport_error;
  }
  return r;
}

RequestResult ModbusLink::read(unsigned unit, const ReadBlock& block,
                               std::vector<std::uint16_t>& registers,
                               std::vector<std::uint8_t>& bits) {
  if (!connected_) return {Outcome::not_connected, 0, "not connected"};
  if (modbus_set_slave(ctx_, static_cast<int>(unit)) < 0) return result_of(-1, 0);
  int rc = -1;
  switch (block.table) {
    case Table::coil:
      bits.resize(block.count);
      rc = modbus_read_bits(ctx_, block.start, block.count, bits.data());
      break;
    case Table::discrete:
      bits.resize(block.count);
      rc = modbus_read_input_bits(ctx_, block.start, block.count, bits.data());
      break;
    case Table::input:
      registers.resize(block.count);
      rc = modbus_read_input_registers(ctx_, block.start, block.count, registers.data());
      break;
    case Table::holding:
      registers.resize(block.count);
      rc = modbus_read_registers(ctx_, block.start, block.count, registers.data());
      break;
  }
  return result_of(rc, block.count);
}

RequestResult ModbusLink::write(unsigned unit, const WriteOp& op) {
  if (!connected_) return {Outcome::not_connected, 0, "not connected"};
  if (modbus_set_slave(ctx_, static_cast<int>(unit)) < 0) return result_of(-1, 0);
  switch (op.function_code()) {
    case 5:
      return result_of(modbus_write_bit(ctx_, op.address, op.bits[0]), 1);
    case 15:
      return result_of(
          modbus_write_bits(ctx_, op.address, static_cast<int>(op.bits.size()), op.bits.data()),
          static_cast<int>(op.bits.size()));
    case 6:
      return result_of(modbus_write_register(ctx_, op.address, op.registers[0]), 1);
    default:
      return result_of(
          modbus_write_registers(ctx_, op.address, static_cast<int>(op.registers.size()),
                                 op.registers.data()),
          static_cast<int>(op.registers.size()));
  }
}

}  // namespace edgegw::southbound
