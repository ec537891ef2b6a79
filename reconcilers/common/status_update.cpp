#include "reconcilers/common/status_update.h"

#include "operator/kube/conditions.h"

namespace aura::reconcilers {

namespace {

// The RFC 7386 merge patch that turns `from` into `to`: a merge patch leaves keys it does not
// name alone, so a field that went away (an erased field, a network status emptied by removal)
// must be sent as null.
nlohmann::json merge_patch(const nlohmann::json& from, const nlohmann::json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [key, value] : to.items()) {
    const auto old = from.find(key);
    if (old == from.end())
      patch[key] = value;
    else if (*old != value)
      patch[key] = merge_patch(*old, value);
  }
  for (const auto& [key, value] : from.items())
    if (!to.contains(key)) patch[key] = nullptr;
  return patch;
}

}  // namespace

StatusUpdate::StatusUpdate(const nlohmann::json& object, const Clock& clock)
    : object_(object), now_(format_rfc3339(clock.now())) {
  original_ = object.contains("status") ? object["status"] : nlohmann::json::object();
  status_ = original_;
  generation_ = object["metadata"].value("generation", int64_t{0});
  resource_version_ = object["metadata"].value("resourceVersion", "");
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

kube::Result<void> StatusUpdate::write(kube::Client& client, const kube::ResourceType& rt) {
  if (!changed()) return {};
  const auto& meta = object_["metadata"];
  nlohmann::json next = status();
  nlohmann::json patch = {{"metadata", {{"resourceVersion", resource_version_}}},
                          {"status", merge_patch(original_, next)}};
  auto r = client.patch(rt, meta.value("namespace", ""), meta.value("name", ""),
                        kube::PatchType::kMerge, patch, "status");
  if (!r) return std::unexpected(r.error());
  if (r->contains("metadata"))
    resource_version_ = (*r)["metadata"].value("resourceVersion", resource_version_);
  original_ = std::move(next);
  return {};
}

}  // namespace aura::reconcilers
