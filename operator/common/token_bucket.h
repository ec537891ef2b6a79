#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>

namespace aura {

// A token bucket: `qps` tokens a second up to `burst`. reserve() takes a token now and says how
// long the caller must wait before using it, so callers decide how to wait (a work queue
// schedules the item later; an HTTP client sleeps on its own thread). A qps of 0 disables it.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double qps, double burst)
      : qps_(qps), burst_(std::max(1.0, burst)), tokens_(burst_), last_(Clock::now()) {}

  Clock::duration reserve(Clock::time_point now = Clock::now()) {
    if (qps_ <= 0) return Clock::duration::zero();
    std::lock_guard lock(mu_);
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
    tokens_ -= 1.0;
    if (tokens_ >= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(-tokens_ / qps_));
  }

 private:
  std::mutex mu_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace aura
