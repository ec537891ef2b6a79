#include "reconcilers/common/status_update.h"

#include "operator/kube/conditions.h"

namespace aura::reconcilers {

StatusUpdate::StatusUpdate(const nlohmann::json& object, const Clock& clock)
    : object_(object), now_(format_rfc3339(clock.now())) {
  original_ = object.contains("status") ? object["status"] : nlohmann::json::object();
  status_ = original_;
  generation_ = object["metadata"].value("generation", int64_t{0});
  if (status_.contains("conditions") && status_["conditions"].is_array()) {
    for (const auto& c : status_["conditions"]) {
      api::Condition cond;
      if (!api::decode_into(c, cond, api::FieldPath())) conditions_.push_back(std::move(cond));
    }
  }
  status_["observedGeneration"] = generation_;
}

void StatusUpdate::condition(std::string_view type, bool status, std::string_view reason,
                             std::string_view message) {
  kube::set_condition(conditions_, type, status ? "True" : "False", reason, message, generation_,
                      now_);
}

void StatusUpdate::ready(std::string_view reason, std::string_view message) {
  condition(kube::condition::kReady, true, reason, message);
  condition(kube::condition::kReconciling, false, reason, "");
  condition(kube::condition::kStalled, false, reason, "");
}

void StatusUpdate::reconciling(std::string_view reason, std::string_view message) {
  condition(kube::condition::kReady, false, reason, message);
  condition(kube::condition::kReconciling, true, reason, message);
  condition(kube::condition::kStalled, false, reason, "");
}

void StatusUpdate::stalled(std::string_view reason, std::string_view message) {
  condition(kube::condition::kReady, false, reason, message);
  condition(kube::condition::kReconciling, false, reason, "");
  condition(kube::condition::kStalled, true, reason, message);
}

nlohmann::json StatusUpdate::status() const {
  nlohmann::json s = status_;
  s["conditions"] = nlohmann::json::array();
  for (const auto& c : conditions_) s["conditions"].push_back(api::to_json(c));
  return s;
}

bool StatusUpdate::changed() const {
  return status() != original_;
}

kube::Result<void> StatusUpdate::write(kube::Client& client, const kube::ResourceType& rt) const {
  if (!changed()) return {};
  const auto& meta = object_["metadata"];
  nlohmann::json patch = {{"metadata", {{"resourceVersion", meta.value("resourceVersion", "")}}},
                          {"status", status()}};
  auto r = client.patch(rt, meta.value("namespace", ""), meta.value("name", ""),
                        kube::PatchType::kMerge, patch, "status");
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace aura::reconcilers
