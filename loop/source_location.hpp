// SourceLocation: where a log line was written, for the journal's CODE_FILE/CODE_LINE/CODE_FUNC.
// std::source_location would do, but clang 14 (the libFuzzer build) cannot compile libstdc++ 12's
// <source_location>; the builtins below exist in both GCC and clang. Same accessors as the std one.
#pragma once

#include <cstdint>

namespace edgegw::loop {

class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          const char* function = __builtin_FUNCTION(),
                                          std::uint_least32_t line = __builtin_LINE()) noexcept {
    SourceLocation where;
    where.file_ = file;
    where.function_ = function;
    where.line_ = line;
    return where;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
};

}  // namespace edgegw::loop
