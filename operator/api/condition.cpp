#include "operator/api/condition.h"

namespace aura::api {

nlohmann::json to_json(const Condition& v) {
  nlohmann::json j = nlohmann::json::object();
  j["type"] = v.type;
  j["status"] = v.status;
  if (v.observedGeneration) j["observedGeneration"] = *v.observedGeneration;
  j["lastTransitionTime"] = v.lastTransitionTime;
  j["reason"] = v.reason;
  j["message"] = v.message;
  return j;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, Condition& out,
                                       const FieldPath& path) {
  if (!j.is_object()) return type_error(path, "object", j);
  if (auto e = detail::decode_required(j, "type", out.type, path)) return e;
  if (auto e = detail::decode_required(j, "status", out.status, path)) return e;
  if (auto e = detail::decode_optional(j, "observedGeneration", out.observedGeneration, path)) {
    return e;
  }
  if (auto e = detail::decode_optional(j, "lastTransitionTime", out.lastTransitionTime, path)) {
    return e;
  }
  if (auto e = detail::decode_optional(j, "reason", out.reason, path)) return e;
  if (auto e = detail::decode_optional(j, "message", out.message, path)) return e;
  return std::nullopt;
}

}  // namespace aura::api
