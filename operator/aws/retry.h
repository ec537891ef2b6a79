#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <random>

#include "operator/aws/error.h"

namespace aura::aws {

// The AWS SDKs' "standard" retry mode.
struct RetryOptions {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{1000};  // b in t_i = min(b * rand * 2^i, max)
  std::chrono::milliseconds max_backoff{20000};
  int quota_capacity = 500;
  int retry_cost = 5;
  int timeout_cost = 10;
};

// Decides whether and when to retry. The retry quota is shared by every call of one client:
// when AWS is failing broadly, retries drain it and further calls fail fast instead of
// multiplying the load (a circuit breaker, as the SDKs do).
class RetryStrategy {
 public:
  explicit RetryStrategy(RetryOptions options, uint64_t seed = std::random_device{}());

  struct Decision {
    std::chrono::milliseconds delay;
    int cost;  // taken from the quota; refunded if the call then succeeds
  };
  // After attempt number `attempt` (1-based) failed with `error`: when to try again, or nullopt
  // to give up (not retryable, attempts used up, or the quota is drained).
  std::optional<Decision> retry_after(int attempt, const AwsError& error);
  // A call succeeded. `last_retry_cost` is the cost of its last retry, 0 if it needed none
  // (then the quota grows by one, as the SDKs do).
  void on_success(int last_retry_cost);
  int quota() const;

 private:
  RetryOptions options_;
  mutable std::mutex mu_;
  int quota_;
  std::mt19937_64 rng_;
};

}  // namespace aura::aws
