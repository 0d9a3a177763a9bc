// Precompiled once per build tree and included first in every test's sources (edgegw_test in
// tests/CMakeLists.txt): the headers nearly every test parses, which cost about a tenth of each
// test file's compile time. Only system and library headers belong here, never ours: a change to
// one of ours would rebuild every test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>
