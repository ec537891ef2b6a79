#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/codec.h"

namespace aura::api {

// The metav1.OwnerReference fields Aura reads and writes.
struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> blockOwnerDeletion;

  bool operator==(const OwnerReference&) const = default;
};

// The metav1.ObjectMeta fields Aura reads and writes. Strings are empty when unset and left out
// of the JSON then (omitempty), as Kubernetes does; other fields are ignored on decode.
struct ObjectMeta {
  std::string name;
  std::string namespace_;  // JSON "namespace"
  std::string uid;
  std::string resourceVersion;
  std::optional<std::int64_t> generation;
  std::string creationTimestamp;                 // RFC 3339
  std::optional<std::string> deletionTimestamp;  // RFC 3339; set once deletion was requested
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
  std::vector<OwnerReference> ownerReferences;

  bool operator==(const ObjectMeta&) const = default;
};

nlohmann::json to_json(const OwnerReference& v);
std::optional<DecodeError> decode_into(const nlohmann::json& j, OwnerReference& out,
                                       const FieldPath& path);
nlohmann::json to_json(const ObjectMeta& v);
std::optional<DecodeError> decode_into(const nlohmann::json& j, ObjectMeta& out,
                                       const FieldPath& path);

}  // namespace aura::api
