#include "operator/kube/store.h"

#include <mutex>

namespace aura::kube {

ObjectKey key_of(const nlohmann::json& object) {
  const auto& meta = object.at("metadata");
  return ObjectKey{meta.value("namespace", ""), meta.value("name", "")};
}

void Store::add_index(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  index_funcs_[name] = std::move(fn);
  auto& idx = indexes_[name];
  idx.clear();
  for (const auto& [key, obj] : objects_)
    for (const auto& v : index_funcs_[name](*obj)) idx[v].insert(key);
}

ObjectPtr Store::get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [_, obj] : objects_) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> Store::by_index(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second)
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(it->second);
  return out;
}

size_t Store::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

std::vector<ObjectKey> Store::keys() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectKey> out;
  out.reserve(objects_.size());
  for (const auto& [k, _] : objects_) out.push_back(k);
  return out;
}

void Store::index_locked(const ObjectKey& key, const nlohmann::json& object, bool add) {
  for (const auto& [name, fn] : index_funcs_) {
    auto& idx = indexes_[name];
    for (const auto& v : fn(object)) {
      if (add) {
        idx[v].insert(key);
      } else if (auto it = idx.find(v); it != idx.end()) {
        it->second.erase(key);
        if (it->second.empty()) idx.erase(it);
      }
    }
  }
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const ObjectKey key = key_of(*object);
  std::unique_lock lock(mu_);
  ObjectPtr old;
  if (auto it = objects_.find(key); it != objects_.end()) {
    old = it->second;
    index_locked(key, *old, false);
    it->second = object;
  } else {
    objects_.emplace(key, object);
  }
  index_locked(key, *object, true);
  return old;
}

ObjectPtr Store::erase(const ObjectKey& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = it->second;
  index_locked(key, *old, false);
  objects_.erase(it);
  return old;
}

}  // namespace aura::kube
