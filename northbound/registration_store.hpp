// Where a device's dynamic-registration result lives between starts: one small JSON file per device
// under state_dir/registrations/, mode 0600, written atomically (temp file, fsync, rename, fsync of
// the directory), so that a power cut leaves either no file or the whole one. Aliyun refuses a
// second registration of an activated device, so losing this file would strand the device: it is
// read before every connect and never deleted by us.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "northbound/cloud_options.hpp"
#include "northbound/platform.hpp"

namespace edgegw::northbound {

class RegistrationStore {
 public:
  explicit RegistrationStore(std::filesystem::path state_dir);

  struct Loaded {
    std::optional<Registration> registration;  // nullopt: not registered yet (or `problem`)
    std::string problem;                       // the file exists but cannot be used
  };
  // Reads the device's registration; costs one small file read.
  Loaded load(const DeviceIdentity& id) const;
  // nullopt on success, else what went wrong (for the log).
  std::optional<std::string> save(const DeviceIdentity& id, const Registration& r) const;

  // state_dir/registrations/aliyun-<product_key>-<device_name>.json, unsafe characters escaped.
  std::filesystem::path path_for(const DeviceIdentity& id) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace edgegw::northbound
