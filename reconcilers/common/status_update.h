#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/api/condition.h"
#include "operator/common/clock.h"
#include "operator/kube/client.h"

namespace aura::reconcilers {

// The next status of one object, computed from scratch each reconcile and written only when it
// differs from what the object has. So a reconcile that finds nothing new costs no write
// (invariant 7), and lastTransitionTime moves only when a condition's status flips.
class StatusUpdate {
 public:
  StatusUpdate(const nlohmann::json& object, const Clock& clock);

  void phase(std::string_view phase) { status_["phase"] = phase; }
  void field(const std::string& name, nlohmann::json value) { status_[name] = std::move(value); }
  void erase(const std::string& name) { status_.erase(name); }
  void condition(std::string_view type, bool status, std::string_view reason,
                 std::string_view message);
  // kstatus: Ready plus the abnormal-true pair Reconciling and Stalled, kept consistent.
  void ready(std::string_view reason, std::string_view message);
  void reconciling(std::string_view reason, std::string_view message);
  void stalled(std::string_view reason, std::string_view message);

  const nlohmann::json& original() const { return original_; }
  bool changed() const;
  nlohmann::json status() const;
  // Patches the status subresource when changed, with the object's resourceVersion as a
  // precondition: a stale cache gives 409 Conflict and an immediate requeue. After a write the
  // update carries on from what was written (its resourceVersion and status), so one reconcile
  // may write several times, as provisioning does after each AWS create.
  kube::Result<void> write(kube::Client& client, const kube::ResourceType& rt);

 private:
  const nlohmann::json& object_;
  nlohmann::json original_;
  nlohmann::json status_;
  std::vector<api::Condition> conditions_;
  int64_t generation_ = 0;
  std::string resource_version_;
  std::string now_;
};

}  // namespace aura::reconcilers
