#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "operator/kube/resource.h"

namespace aura::kube {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;
// Index values for an object, e.g. "ns/cluster-name" for NodePools by clusterRef.
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;

ObjectKey key_of(const nlohmann::json& object);

// The readers' view of a cache: consistent snapshots of immutable objects, looked up by key or
// by a named index. Writers (the informer) are the only ones that change it.
class Store {
 public:
  void add_index(const std::string& name, IndexFunc fn);

  ObjectPtr get(const ObjectKey& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_index(const std::string& index, const std::string& value) const;
  size_t size() const;

  // Writer side. upsert returns the previous object (null if new); erase returns the removed one.
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr erase(const ObjectKey& key);
  std::vector<ObjectKey> keys() const;

 private:
  void index_locked(const ObjectKey& key, const nlohmann::json& object, bool add);

  mutable std::shared_mutex mu_;
  std::map<ObjectKey, ObjectPtr> objects_;
  std::map<std::string, IndexFunc> index_funcs_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<ObjectKey>>> indexes_;
};

}  // namespace aura::kube
