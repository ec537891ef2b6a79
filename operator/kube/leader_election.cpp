#include "operator/kube/leader_election.h"

namespace aura::kube {

LeaderElector::LeaderElector(ClientPtr client, LeaderElectionOptions options, log::Logger logger,
                             ClockPtr clock)
    : client_(std::move(client)),
      options_(std::move(options)),
      log_(logger.with({{"lease", options_.lease_namespace + "/" + options_.lease_name},
                        {"identity", options_.identity}})),
      clock_(std::move(clock)) {}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start(std::function<void()> on_started, std::function<void()> on_stopped) {
  on_started_ = std::move(on_started);
  on_stopped_ = std::move(on_stopped);
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void LeaderElector::run() {
  // Campaign.
  while (!stopping_) {
    if (try_acquire_or_renew() == Attempt::kAcquired) break;
    if (!wait(options_.retry_period)) return;
  }
  if (stopping_) return;
  leader_ = true;
  log_.info("acquired leadership");
  if (on_started_) on_started_();

  // Lead: renew every retry period; give up when renewals fail past the renew deadline.
  auto last_renew = clock_->steady_now();
  while (wait(options_.retry_period)) {
    if (try_acquire_or_renew() == Attempt::kAcquired) {
      last_renew = clock_->steady_now();
      continue;
    }
    if (clock_->steady_now() - last_renew >= options_.renew_deadline) {
      log_.error("lost leadership: lease not renewed within the renew deadline");
      leader_ = false;
      if (on_stopped_) on_stopped_();
      return;
    }
  }
  // Stopping while leader: hand over at once.
  if (release()) log_.info("released leadership");
  leader_ = false;
  if (on_stopped_) on_stopped_();
}

LeaderElector::Attempt LeaderElector::try_acquire_or_renew() {
  const auto now = clock_->now();
  const std::string now_str = format_rfc3339_micro(now);
  auto current = client_->get(resources::kLease, options_.lease_namespace, options_.lease_name);
  if (!current) {
    if (!current.error().is_not_found()) {
      log_.warn("cannot read lease", {{"error", current.error().str()}});
      return Attempt::kError;
    }
    Json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", options_.lease_name}, {"namespace", options_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", options_.identity},
          {"leaseDurationSeconds", options_.lease_duration.count()},
          {"acquireTime", now_str},
          {"renewTime", now_str},
          {"leaseTransitions", 0}}}};
    auto created = client_->create(resources::kLease, options_.lease_namespace, lease);
    if (!created) return Attempt::kError;  // lost the race to create: retry later
    observed_resource_version_ = (*created)["metadata"].value("resourceVersion", "");
    return Attempt::kAcquired;
  }

  Json lease = std::move(*current);
  Json& spec = lease["spec"];
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renew = spec.value("renewTime", "");
  const auto steady_now = clock_->steady_now();
  if (holder != observed_holder_ || renew != observed_renew_time_) {
    observed_holder_ = holder;
    observed_renew_time_ = renew;
    observed_at_ = steady_now;
  }
  const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", 15));
  const bool held_by_other = !holder.empty() && holder != options_.identity;
  if (held_by_other && steady_now < observed_at_ + duration) return Attempt::kHeldByOther;

  if (holder != options_.identity) {
    spec["acquireTime"] = now_str;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = options_.lease_duration.count();
  spec["renewTime"] = now_str;
  auto updated = client_->update(resources::kLease, lease);
  if (!updated) {
    if (!updated.error().is_conflict())
      log_.warn("cannot update lease", {{"error", updated.error().str()}});
    return Attempt::kError;
  }
  observed_holder_ = options_.identity;
  observed_renew_time_ = now_str;
  observed_at_ = steady_now;
  return Attempt::kAcquired;
}

bool LeaderElector::release() {
  auto current = client_->get(resources::kLease, options_.lease_namespace, options_.lease_name);
  if (!current) return false;
  Json lease = std::move(*current);
  if (lease["spec"].value("holderIdentity", "") != options_.identity) return false;
  // As client-go's ReleaseOnCancel: an empty holder and a 1s duration free the lease at once.
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = format_rfc3339_micro(clock_->now());
  return client_->update(resources::kLease, lease).has_value();
}

}  // namespace aura::kube
