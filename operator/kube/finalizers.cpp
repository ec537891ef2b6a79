#include "operator/kube/finalizers.h"

namespace aura::kube {

bool has_finalizer(const Json& object, std::string_view finalizer) {
  const auto& meta = object.at("metadata");
  auto it = meta.find("finalizers");
  if (it == meta.end() || !it->is_array()) return false;
  for (const auto& f : *it)
    if (f.is_string() && f.get_ref<const std::string&>() == finalizer) return true;
  return false;
}

bool is_deleting(const Json& object) {
  const auto& meta = object.at("metadata");
  auto it = meta.find("deletionTimestamp");
  return it != meta.end() && !it->is_null();
}

Result<Json> add_finalizer(Client& client, const ResourceType& rt, const Json& object,
                           std::string_view finalizer) {
  const auto& meta = object.at("metadata");
  Json patch = Json::array();
  auto it = meta.find("finalizers");
  if (it == meta.end() || it->is_null()) {
    patch.push_back({{"op", "test"}, {"path", "/metadata/finalizers"}, {"value", nullptr}});
    patch.push_back(
        {{"op", "add"}, {"path", "/metadata/finalizers"}, {"value", Json::array({finalizer})}});
  } else {
    patch.push_back({{"op", "test"}, {"path", "/metadata/finalizers"}, {"value", *it}});
    patch.push_back({{"op", "add"}, {"path", "/metadata/finalizers/-"}, {"value", finalizer}});
  }
  return client.patch(rt, meta.value("namespace", ""), meta.value("name", ""), PatchType::kJson,
                      patch);
}

Result<void> remove_finalizer(Client& client, const ResourceType& rt, const Json& object,
                              std::string_view finalizer) {
  const auto& meta = object.at("metadata");
  auto it = meta.find("finalizers");
  if (it == meta.end() || !it->is_array()) return {};
  for (size_t i = 0; i < it->size(); ++i) {
    if ((*it)[i] != finalizer) continue;
    const std::string path = "/metadata/finalizers/" + std::to_string(i);
    Json patch = Json::array({{{"op", "test"}, {"path", path}, {"value", finalizer}},
                              {{"op", "remove"}, {"path", path}}});
    auto r = client.patch(rt, meta.value("namespace", ""), meta.value("name", ""), PatchType::kJson,
                          patch);
    if (!r && !r.error().is_not_found()) return std::unexpected(r.error());
    return {};
  }
  return {};
}

Json controller_owner_reference(const Json& owner, bool block_owner_deletion) {
  const auto& meta = owner.at("metadata");
  return {{"apiVersion", owner.value("apiVersion", "")},
          {"kind", owner.value("kind", "")},
          {"name", meta.value("name", "")},
          {"uid", meta.value("uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", block_owner_deletion}};
}

}  // namespace aura::kube

namespace aura::kube {

bool has_owner(const Json& object, std::string_view owner_uid) {
  const auto& meta = object.at("metadata");
  auto it = meta.find("ownerReferences");
  if (it == meta.end() || !it->is_array()) return false;
  for (const auto& ref : *it)
    if (ref.value("uid", "") == owner_uid) return true;
  return false;
}

Result<Json> add_owner_reference(Client& client, const ResourceType& rt, const Json& object,
                                 const Json& owner_reference) {
  const auto& meta = object.at("metadata");
  Json patch = Json::array();
  auto it = meta.find("ownerReferences");
  if (it == meta.end() || it->is_null()) {
    patch.push_back({{"op", "test"}, {"path", "/metadata/ownerReferences"}, {"value", nullptr}});
    patch.push_back({{"op", "add"},
                     {"path", "/metadata/ownerReferences"},
                     {"value", Json::array({owner_reference})}});
  } else {
    patch.push_back({{"op", "test"}, {"path", "/metadata/ownerReferences"}, {"value", *it}});
    patch.push_back(
        {{"op", "add"}, {"path", "/metadata/ownerReferences/-"}, {"value", owner_reference}});
  }
  return client.patch(rt, meta.value("namespace", ""), meta.value("name", ""), PatchType::kJson,
                      patch);
}

}  // namespace aura::kube
