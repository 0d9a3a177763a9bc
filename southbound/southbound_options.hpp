// Options of the southbound side: [[modbus]] buses, [local_mqtt], and each device's
// [device.modbus] or [device.mqtt]. Plain values filled by config/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "southbound/field_types.hpp"

namespace edgegw::southbound {

// rtu_tcp: RTU frames (unit, PDU, CRC16) over a TCP connection, as serial device servers and 4G
// DTUs in transparent mode carry them (rtu_frame.hpp).
enum class Transport { rtu, tcp, rtu_tcp };

struct BusOptions {
  std::string name;
  Transport transport = Transport::rtu;
  // rtu
  std::string device;  // serial device, e.g. /dev/ttyUSB0
  unsigned baud = 9600;
  char parity = 'N';  // N | E | O
  unsigned data_bits = 8;
  unsigned stop_bits = 1;
  // tcp, rtu_tcp
  std::string host;
  std::uint16_t port = 502;
  std::chrono::milliseconds timeout{500};  // response timeout
  unsigned retries = 2;
  std::chrono::milliseconds pause{0};               // quiet time between requests, for slow slaves
  std::chrono::milliseconds connect_timeout{3000};  // tcp: bound on one connect attempt
  std::chrono::milliseconds reconnect_min{100};     // backoff after a failed connect / open,
  std::chrono::milliseconds reconnect_max{30000};   // doubling from min up to max
  bool operator==(const BusOptions&) const = default;
};

enum class Table { coil, discrete, input, holding };
enum class PointType { boolean, u16, i16, u32, i32, u64, i64, f32, f64, u8, i8, bit, f16, string };
enum class WordOrder { abcd, cdab, badc, dcba };

struct PointSpec {
  std::string name;
  Table table = Table::holding;
  std::uint16_t address = 0;  // protocol address, 0-based
  PointType type = PointType::u16;
  WordOrder order = WordOrder::abcd;
  double scale = 1.0;
  double offset = 0.0;
  double deadband = 0.0;  // 0 = report every poll
  bool writable = false;
  unsigned bit = 0;        // type bit: which bit of the register, 0 = least significant
  bool high_byte = false;  // type u8 / i8: the register's high byte (else its low byte)
  unsigned length = 0;     // type string: registers it spans, two ASCII characters each
  std::chrono::milliseconds interval{0};  // its own poll period; 0 = the device's interval
  bool operator==(const PointSpec&) const = default;
};

// An event a Modbus point raises by a condition ([[device.modbus.event]]), checked on every poll
// that read the point. The first value read after a start is the baseline: it raises nothing.
enum class EventTrigger {
  change,   // any change of the value
  rising,   // a bool (or a number) going false -> true (0 -> non-zero)
  falling,  // true -> false
  above,    // crossing threshold upwards: previous <= threshold < value
  below,    // crossing threshold downwards: previous >= threshold > value
};
struct PointEventOptions {
  std::string event;  // the identifier the platform knows the event by
  std::string point;  // the point's name
  EventTrigger when = EventTrigger::change;
  double threshold = 0;  // above / below
  std::string type;      // Tencent's event type (info, alert, fault); "" = not set (info)
  bool operator==(const PointEventOptions&) const = default;
};

struct ModbusDeviceOptions {
  std::string bus;
  unsigned unit = 1;
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds heartbeat{300000};  // with deadband: report at least this often
  unsigned max_gap = 8;  // registers (or bits) read through to merge two points into one request
  std::chrono::milliseconds offline_interval{30000};  // poll period while the device is offline
                                                      // (the longer of this and interval)
  bool mask_write = false;       // the device has FC 22: bits and bytes are written with it
                                 // (else read with FC 3, then written back)
  bool multiple_writes = false;  // write_single = "fc16": FC 16 / FC 15 even for one register
                                 // or coil (for meters that refuse FC 6 / FC 5)
  std::vector<PointSpec> points;
  std::vector<PointEventOptions> events = {};
  // write_registers = "fc23": holding registers are written with FC 23 (read/write multiple
  // registers), which reads the written range back in the same request; a register that does not
  // hold what was written fails the write (a device that clamps or ignores a value says so).
  bool read_back_writes = false;
  // property_get = "device": a cloud's property get reads the asked points from the device now
  // (answered from the last values, with their age, when that read fails or is late).
  bool read_on_get = false;
  bool operator==(const ModbusDeviceOptions&) const = default;
};

// Messages on a local topic that are one event of the device ([[device.mqtt.event]]), not
// readings; the payload's fields (every top-level scalar, or `fields`) are the event's parameters.
struct MqttEventOptions {
  std::string event;  // the identifier the platform knows the event by
  std::string topic;  // a filter; matched before the device's telemetry topic
  std::vector<std::pair<std::string, std::string>> fields;  // name -> JSON pointer
  std::string type;  // Tencent's event type (info, alert, fault); "" = not set (info)
  bool operator==(const MqttEventOptions&) const = default;
};

struct MqttDeviceOptions {
  std::string topic;                                        // may hold + and # wildcards
  std::vector<std::pair<std::string, std::string>> fields;  // name -> JSON pointer; empty: every
                                                            // top-level scalar
  std::string command_topic;
  // Where the device answers forwarded commands; empty: command_topic + "/reply". The answer
  // carries the request's id in reply_id_field.
  std::string reply_topic;
  std::string reply_id_field = "id";
  FieldTypes types = {};  // declared field types ({ pointer = "...", type = "float" })
  std::vector<MqttEventOptions> events = {};
  bool operator==(const MqttDeviceOptions&) const = default;
};

struct LocalMqttOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string client_id = "edgegw";
  std::string username;
  std::string password;
  std::chrono::seconds keepalive{60};
  std::uint32_t max_payload = 256 * 1024;  // larger payloads are counted and dropped
  bool operator==(const LocalMqttOptions&) const = default;
};

}  // namespace edgegw::southbound
