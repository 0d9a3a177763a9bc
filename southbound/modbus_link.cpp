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
#include "southbound/rtu_frame.hpp"

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

// The connected socket as RtuClient's byte stream. The socket is non-blocking; waits are poll().
class SocketStream final : public ByteStream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}
  bool send(std::span<const std::uint8_t> bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes = bytes.subspan(static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 1000) <= 0) return false;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return false;
      }
    }
    return true;
  }
  int receive(std::span<std::uint8_t> into, std::chrono::milliseconds timeout) override {
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0 || (rc < 0 && errno == EINTR)) return 0;
    if (rc < 0) return -1;
    const ssize_t n = ::recv(fd_, into.data(), into.size(), MSG_DONTWAIT);
    if (n > 0) return static_cast<int>(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;  // closed by the peer, or failed
  }
  void drain() {
    std::uint8_t junk[256];
    while (::recv(fd_, junk, sizeof junk, MSG_DONTWAIT) > 0) {
    }
  }

 private:
  int fd_;
};

ModbusLink::ModbusLink(const BusOptions& options) : options_(options) {
  if (options_.transport != Transport::rtu) {
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
  std::string error = options_.transport == Transport::rtu ? connect_rtu() : connect_tcp();
  connected_ = error.empty();
  if (connected_ && options_.transport == Transport::rtu_tcp) {
    stream_ = std::make_unique<SocketStream>(slot_);
    rtu_ = std::make_unique<RtuClient>(*stream_, options_.timeout);
  }
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
  rtu_.reset();
  stream_.reset();
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
  if (stream_) {
    stream_->drain();
  } else if (connected_) {
    modbus_flush(ctx_);
  }
}

RequestResult ModbusLink::result_of(int rc, int expected) {
  if (rc == expected) return {};
  RequestResult r;
  if (rc >= 0) {
    r.outcome = Outcome::garbled;
    r.error = "short answer";
    return r;
  }
  return classify_modbus_errno(errno);
}

RequestResult classify_modbus_errno(int err) {
  RequestResult r;
  r.error = modbus_strerror(err);
  if (err == EMBXGPATH || err == EMBXGTAR) {
    // A gateway answers for a unit behind it that did not: the unit itself gave no answer, so it
    // counts (and is retried) like a timeout, and the device goes offline like an absent one.
    r.outcome = Outcome::timeout;
    r.exception_code = err - MODBUS_ENOBASE;
    r.error = err == EMBXGTAR ? "no answer (gateway: target device failed to respond, exception 0B)"
                              : "no answer (gateway: path unavailable, exception 0A)";
  } else if (err >= EMBXILFUN && err <= EMBXGTAR) {
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
  if (rtu_) return rtu_->read(unit, block, registers, bits);
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

// Part of one register: FC 22 where the device has it, else FC 3 and the register written back.
// The read-modify-write is not atomic against the device's own changes; FC 22 is.
RequestResult ModbusLink::write_masked(const WriteOp& op) {
  const RegisterMask& m = *op.mask;
  if (op.mask_write) {
    return result_of(modbus_mask_write_register(ctx_, op.address, m.keep, m.set), 1);
  }
  std::uint16_t current = 0;
  if (const auto r = result_of(modbus_read_registers(ctx_, op.address, 1, &current), 1);
      r.outcome != Outcome::ok) {
    return r;
  }
  const auto next = static_cast<std::uint16_t>((current & m.keep) | (m.set & ~m.keep));
  if (op.read_back) return write_read_back(op, {next});
  if (op.multiple_writes) return result_of(modbus_write_registers(ctx_, op.address, 1, &next), 1);
  return result_of(modbus_write_register(ctx_, op.address, next), 1);
}

// FC 23: the registers written, then the same range read back in the same request (the device
// writes before it reads), so a value the device did not keep fails the write.
RequestResult ModbusLink::write_read_back(const WriteOp& op,
                                          const std::vector<std::uint16_t>& words) {
  const int count = static_cast<int>(words.size());
  std::vector<std::uint16_t> read(words.size());
  const RequestResult r =
      result_of(modbus_write_and_read_registers(ctx_, op.address, count, words.data(), op.address,
                                                count, read.data()),
                count);
  if (r.outcome != Outcome::ok) return r;
  return check_read_back(op, words, read);
}

RequestResult ModbusLink::write(unsigned unit, const WriteOp& op) {
  if (!connected_) return {Outcome::not_connected, 0, "not connected"};
  if (rtu_) return rtu_->write(unit, op);
  if (modbus_set_slave(ctx_, static_cast<int>(unit)) < 0) return result_of(-1, 0);
  if (op.mask) return write_masked(op);
  switch (op.function_code()) {
    case 5:
      return result_of(modbus_write_bit(ctx_, op.address, op.bits[0]), 1);
    case 15:
      return result_of(
          modbus_write_bits(ctx_, op.address, static_cast<int>(op.bits.size()), op.bits.data()),
          static_cast<int>(op.bits.size()));
    case 6:
      return result_of(modbus_write_register(ctx_, op.address, op.registers[0]), 1);
    case 23:
      return write_read_back(op, op.registers);
    default:
      return result_of(
          modbus_write_registers(ctx_, op.address, static_cast<int>(op.registers.size()),
                                 op.registers.data()),
          static_cast<int>(op.registers.size()));
  }
}

}  // namespace edgegw::southbound
