#pragma once

#include <cstdint>
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
//
// Objects are kept serialized (MessagePack) and parsed when read: a parsed nlohmann::json tree
// costs five to ten times its serialized size, and a cache of 10,000 objects is mostly read one
// object per reconcile. Each read returns a fresh, immutable parse that the reader owns.
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
  struct Entry {
    std::vector<std::uint8_t> packed;
    // index name -> the values this object was indexed under, to unindex without a parse
    std::vector<std::pair<std::string, std::vector<std::string>>> indexed;
  };
  static ObjectPtr unpack(const Entry& e);
  void index_locked(const ObjectKey& key, Entry& entry, const nlohmann::json& object);
  void unindex_locked(const ObjectKey& key, const Entry& entry);

  mutable std::shared_mutex mu_;
  std::map<ObjectKey, Entry> objects_;
  std::map<std::string, IndexFunc> index_funcs_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<ObjectKey>>> indexes_;
};

}  // namespace aura::kube
