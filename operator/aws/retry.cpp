#include "operator/aws/retry.h"

#include <algorithm>
#include <cmath>

namespace aura::aws {

RetryStrategy::RetryStrategy(RetryOptions options, uint64_t seed)
    : options_(options), quota_(options.quota_capacity), rng_(seed) {}

std::optional<RetryStrategy::Decision> RetryStrategy::retry_after(int attempt,
                                                                  const AwsError& error) {
  if (!error.is_retryable() || attempt >= options_.max_attempts) return std::nullopt;
  std::lock_guard lock(mu_);
  // Throttling does not cost quota: backing off is the remedy, and it must not trip the breaker.
  const int cost = error.is_throttling() ? 0
                   : error.timed_out     ? options_.timeout_cost
                                         : options_.retry_cost;
  if (cost > quota_) return std::nullopt;
  quota_ -= cost;
  // Full jitter: a uniform draw in [0, base * 2^(attempt-1)], capped.
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double ceiling = std::min<double>(options_.base_delay.count() * std::pow(2.0, attempt - 1),
                                          static_cast<double>(options_.max_backoff.count()));
  return Decision{std::chrono::milliseconds(static_cast<int64_t>(unit(rng_) * ceiling)), cost};
}

void RetryStrategy::on_success(int last_retry_cost) {
  std::lock_guard lock(mu_);
  quota_ = std::min(options_.quota_capacity, quota_ + (last_retry_cost > 0 ? last_retry_cost : 1));
}

int RetryStrategy::quota() const {
  std::lock_guard lock(mu_);
  return quota_;
}

}  // namespace aura::aws
