#include "operator/api/object_meta.h"

namespace aura::api {
namespace {

void encode_string(nlohmann::json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

}  // namespace

nlohmann::json to_json(const OwnerReference& v) {
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = v.apiVersion;
  j["kind"] = v.kind;
  j["name"] = v.name;
  j["uid"] = v.uid;
  detail::encode_optional(j, "controller", v.controller);
  detail::encode_optional(j, "blockOwnerDeletion", v.blockOwnerDeletion);
  return j;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, OwnerReference& out,
                                       const FieldPath& path) {
  if (!j.is_object()) return type_error(path, "object", j);
  if (auto e = detail::decode_required(j, "apiVersion", out.apiVersion, path)) return e;
  if (auto e = detail::decode_required(j, "kind", out.kind, path)) return e;
  if (auto e = detail::decode_required(j, "name", out.name, path)) return e;
  if (auto e = detail::decode_required(j, "uid", out.uid, path)) return e;
  if (auto e = detail::decode_optional(j, "controller", out.controller, path)) return e;
  if (auto e = detail::decode_optional(j, "blockOwnerDeletion", out.blockOwnerDeletion, path)) {
    return e;
  }
  return std::nullopt;
}

nlohmann::json to_json(const ObjectMeta& v) {
  nlohmann::json j = nlohmann::json::object();
  encode_string(j, "name", v.name);
  encode_string(j, "namespace", v.namespace_);
  encode_string(j, "uid", v.uid);
  encode_string(j, "resourceVersion", v.resourceVersion);
  detail::encode_optional(j, "generation", v.generation);
  encode_string(j, "creationTimestamp", v.creationTimestamp);
  detail::encode_optional(j, "deletionTimestamp", v.deletionTimestamp);
  detail::encode_optional(j, "labels", v.labels);
  detail::encode_optional(j, "annotations", v.annotations);
  detail::encode_optional(j, "finalizers", v.finalizers);
  detail::encode_optional(j, "ownerReferences", v.ownerReferences);
  return j;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, ObjectMeta& out,
                                       const FieldPath& path) {
  if (!j.is_object()) return type_error(path, "object", j);
  if (auto e = detail::decode_optional(j, "name", out.name, path)) return e;
  if (auto e = detail::decode_optional(j, "namespace", out.namespace_, path)) return e;
  if (auto e = detail::decode_optional(j, "uid", out.uid, path)) return e;
  if (auto e = detail::decode_optional(j, "resourceVersion", out.resourceVersion, path)) return e;
  if (auto e = detail::decode_optional(j, "generation", out.generation, path)) return e;
  if (auto e = detail::decode_optional(j, "creationTimestamp", out.creationTimestamp, path)) {
    return e;
  }
  if (auto e = detail::decode_optional(j, "deletionTimestamp", out.deletionTimestamp, path)) {
    return e;
  }
  if (auto e = detail::decode_optional(j, "labels", out.labels, path)) return e;
  if (auto e = detail::decode_optional(j, "annotations", out.annotations, path)) return e;
  if (auto e = detail::decode_optional(j, "finalizers", out.finalizers, path)) return e;
  if (auto e = detail::decode_optional(j, "ownerReferences", out.ownerReferences, path)) return e;
  return std::nullopt;
}

}  // namespace aura::api
