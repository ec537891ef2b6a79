#include "operator/kube/store.h"

#include <mutex>

namespace aura::kube {

ObjectKey key_of(const nlohmann::json& object) {
  const auto& meta = object.at("metadata");
  return ObjectKey{meta.value("namespace", ""), meta.value("name", "")};
}

ObjectPtr Store::unpack(const Entry& e) {
  return std::make_shared<const nlohmann::json>(nlohmann::json::from_msgpack(e.packed));
}

void Store::add_index(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  index_funcs_[name] = std::move(fn);
  auto& idx = indexes_[name];
  idx.clear();
  for (auto& [key, entry] : objects_) {
    const auto obj = unpack(entry);
    auto values = index_funcs_[name](*obj);
    for (const auto& v : values) idx[v].insert(key);
    std::erase_if(entry.indexed, [&](const auto& p) { return p.first == name; });
    entry.indexed.emplace_back(name, std::move(values));
  }
}

ObjectPtr Store::get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : unpack(it->second);
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [_, entry] : objects_) out.push_back(unpack(entry));
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
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(unpack(it->second));
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

void Store::index_locked(const ObjectKey& key, Entry& entry, const nlohmann::json& object) {
  entry.indexed.clear();
  for (const auto& [name, fn] : index_funcs_) {
    auto values = fn(object);
    for (const auto& v : values) indexes_[name][v].insert(key);
    entry.indexed.emplace_back(name, std::move(values));
  }
}

void Store::unindex_locked(const ObjectKey& key, const Entry& entry) {
  for (const auto& [name, values] : entry.indexed) {
    auto& idx = indexes_[name];
    for (const auto& v : values) {
      if (auto it = idx.find(v); it != idx.end()) {
        it->second.erase(key);
        if (it->second.empty()) idx.erase(it);
      }
    }
  }
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const ObjectKey key = key_of(*object);
  Entry entry;
  entry.packed = nlohmann::json::to_msgpack(*object);
  entry.packed.shrink_to_fit();
  std::unique_lock lock(mu_);
  ObjectPtr old;
  if (auto it = objects_.find(key); it != objects_.end()) {
    old = unpack(it->second);
    unindex_locked(key, it->second);
    index_locked(key, entry, *object);
    it->second = std::move(entry);
  } else {
    index_locked(key, entry, *object);
    objects_.emplace(key, std::move(entry));
  }
  return old;
}

ObjectPtr Store::erase(const ObjectKey& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = unpack(it->second);
  unindex_locked(key, it->second);
  objects_.erase(it);
  return old;
}

}  // namespace aura::kube
