// A gtest fixture base that runs one CloudEmulator for all the tests of a suite: starting one
// costs a PKI and a broker, and the tests of a suite use different devices, so they can share it.
// `MakeRegistry` names the suite's devices; `Base` is ::testing::Test or TestWithParam<...>.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "cloud/cloud_emulator.hpp"

namespace edgegw::test {

template <Registry (*MakeRegistry)(), typename Base = ::testing::Test>
class CloudEmulatorSuite : public Base {
 protected:
  static void SetUpTestSuite() {
    cloud_ = std::make_unique<CloudEmulator>(MakeRegistry());
    cloud_->start();
  }
  static void TearDownTestSuite() { cloud_.reset(); }

  inline static std::unique_ptr<CloudEmulator> cloud_;
};

}  // namespace edgegw::test
