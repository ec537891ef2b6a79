#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "operator/api/codec.h"

namespace aura::api {

inline constexpr std::string_view kConditionTrue = "True";
inline constexpr std::string_view kConditionFalse = "False";
inline constexpr std::string_view kConditionUnknown = "Unknown";

// One observation of an object's state: the metav1.Condition shape, used for every
// status.conditions list of the Aura kinds (the code generator maps those lists here).
struct Condition {
  // CamelCase aspect, for example Ready, Reconciling, Stalled.
  std::string type;
  // "True", "False" or "Unknown".
  std::string status;
  // The metadata.generation the condition was computed from.
  std::optional<std::int64_t> observedGeneration;
  // RFC 3339, when status last changed.
  std::string lastTransitionTime;
  // CamelCase code of the last transition.
  std::string reason;
  // Human-readable details; may be empty.
  std::string message;

  bool operator==(const Condition&) const = default;
};

// Encodes every field the schema requires (type, status, lastTransitionTime, reason, message),
// observedGeneration only when set.
nlohmann::json to_json(const Condition& v);
// type and status are required; the rest default to empty.
std::optional<DecodeError> decode_into(const nlohmann::json& j, Condition& out,
                                       const FieldPath& path);

}  // namespace aura::api
