#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aura::kube {

// kstatus condition helpers over any condition struct with the metav1.Condition fields
// (type, status, reason, message, observedGeneration, lastTransitionTime).
//
// set_condition changes lastTransitionTime only when the status flips, so reconciles that find
// nothing new produce an identical status and therefore no write.
template <typename C>
bool set_condition(std::vector<C>& conditions, std::string_view type, std::string_view status,
                   std::string_view reason, std::string_view message, int64_t generation,
                   const std::string& now) {
  for (auto& c : conditions) {
    if (c.type != type) continue;
    bool changed = false;
    if (c.status != status) {
      c.status = std::string(status);
      c.lastTransitionTime = now;
      changed = true;
    }
    if (c.reason != reason) c.reason = std::string(reason), changed = true;
    if (c.message != message) c.message = std::string(message), changed = true;
    if (c.observedGeneration != generation) c.observedGeneration = generation, changed = true;
    return changed;
  }
  C c{};
  c.type = std::string(type);
  c.status = std::string(status);
  c.reason = std::string(reason);
  c.message = std::string(message);
  c.observedGeneration = generation;
  c.lastTransitionTime = now;
  conditions.push_back(std::move(c));
  return true;
}

template <typename C>
const C* find_condition(const std::vector<C>& conditions, std::string_view type) {
  for (const auto& c : conditions)
    if (c.type == type) return &c;
  return nullptr;
}

template <typename C>
bool is_condition_true(const std::vector<C>& conditions, std::string_view type) {
  const C* c = find_condition(conditions, type);
  return c && c->status == "True";
}

template <typename C>
bool remove_condition(std::vector<C>& conditions, std::string_view type) {
  const auto before = conditions.size();
  std::erase_if(conditions, [&](const C& c) { return c.type == type; });
  return conditions.size() != before;
}

// The kstatus trio. Ready says the object does what it asks; Reconciling says work is under way
// (abnormal-true); Stalled says progress needs a human (abnormal-true). Absent abnormal
// conditions mean False, so a settled object carries only Ready=True.
namespace condition {
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kReconciling = "Reconciling";
inline constexpr std::string_view kStalled = "Stalled";
}  // namespace condition

}  // namespace aura::kube
