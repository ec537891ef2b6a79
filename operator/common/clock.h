#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace aura {

// Time is injected everywhere so that backoff, leases and cost-guard deadlines can be tested
// deterministically. Production code uses SystemClock.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: for timestamps written to the API (lease renewals, conditions, events).
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time: for durations, deadlines and backoff.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

using ClockPtr = std::shared_ptr<const Clock>;

// RFC 3339 with second precision and a Z suffix, as Kubernetes writes metav1.Time.
std::string format_rfc3339(std::chrono::system_clock::time_point t);
// MicroTime: RFC 3339 with microseconds, as coordination.k8s.io and events.k8s.io expect.
std::string format_rfc3339_micro(std::chrono::system_clock::time_point t);
// Parses both forms (and any fractional precision). Returns nullopt for malformed input.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace aura
