// HeapOptional<T>: std::optional's interface with the value on the heap, one pointer wide when
// empty. For the members that one object in 10,000 uses but every object carries: a device's
// Modbus options next to its local MQTT options (a device has one of them), an MQTT connection's
// proxy, will and WebSocket path. std::optional<T> is sizeof(T) + 8 whether or not it holds a
// value; at 10,000 devices that was ~0.6 KB of empty members per device (issue 18).
//
// Copies are deep (a value type like std::optional), so `==` compares values, a copy of a
// configuration owns its own options, and code written for std::optional reads the same:
// `if (o.proxy)`, `o.proxy->host`, `*o.will`, `o.proxy = ProxyOptions{...}`, `o.proxy.reset()`.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace edgegw::loop {

template <typename T>
class HeapOptional {
 public:
  using value_type = T;

  HeapOptional() noexcept = default;
  HeapOptional(std::nullopt_t) noexcept {}  // NOLINT: implicit, as std::optional's
  HeapOptional(T value)                     // NOLINT: implicit, as std::optional's
      : value_(std::make_unique<T>(std::move(value))) {}
  HeapOptional(const std::optional<T>& other)  // NOLINT: implicit, from what it replaces
      : value_(other ? std::make_unique<T>(*other) : nullptr) {}
  HeapOptional(const HeapOptional& other)
      : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(const HeapOptional& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(std::nullopt_t) noexcept {
    value_.reset();
    return *this;
  }
  template <typename U = T>
  requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::decay_t<U>, HeapOptional>)&&(
      !std::is_same_v<std::decay_t<U>, std::nullopt_t>)HeapOptional&
  operator=(U&& value) {
    if (value_) {
      *value_ = std::forward<U>(value);
    } else {
      value_ = std::make_unique<T>(std::forward<U>(value));
    }
    return *this;
  }

  bool has_value() const noexcept { return value_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  T& value() {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  const T& value() const {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  template <typename U>
  T value_or(U&& fallback) const {
    return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }
  template <typename... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }
  void reset() noexcept { value_.reset(); }
  // The same as a std::optional (for an interface that takes one).
  std::optional<T> to_optional() const { return value_ ? std::optional<T>(*value_) : std::nullopt; }

  friend bool operator==(const HeapOptional& a, const HeapOptional& b) {
    if (!a.value_ || !b.value_) return !a.value_ && !b.value_;
    return *a.value_ == *b.value_;
  }
  friend bool operator==(const HeapOptional& a, std::nullopt_t) noexcept { return !a.value_; }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace edgegw::loop
