#include "operator/kube/store.h"

#include <gtest/gtest.h>

namespace aura::kube {
namespace {

ObjectPtr pool(const std::string& name, const std::string& cluster) {
  return std::make_shared<const nlohmann::json>(
      nlohmann::json{{"metadata", {{"namespace", "team"}, {"name", name}}},
                     {"spec", {{"clusterRef", {{"name", cluster}}}}}});
}

TEST(Store, IndexFollowsUpdatesAndDeletes) {
  Store s;
  s.add_index("cluster", [](const nlohmann::json& o) {
    return std::vector<std::string>{o["metadata"]["namespace"].get<std::string>() + "/" +
                                    o["spec"]["clusterRef"]["name"].get<std::string>()};
  });
  s.upsert(pool("a", "c1"));
  s.upsert(pool("b", "c1"));
  EXPECT_EQ(s.by_index("cluster", "team/c1").size(), 2u);
  s.upsert(pool("b", "c2"));  // moved to another cluster
  EXPECT_EQ(s.by_index("cluster", "team/c1").size(), 1u);
  EXPECT_EQ(s.by_index("cluster", "team/c2").size(), 1u);
  s.erase({"team", "a"});
  EXPECT_TRUE(s.by_index("cluster", "team/c1").empty());
  EXPECT_EQ(s.size(), 1u);
}

TEST(Store, ReadersKeepTheirSnapshot) {
  Store s;
  s.upsert(pool("a", "c1"));
  auto before = s.get({"team", "a"});
  s.upsert(pool("a", "c2"));
  EXPECT_EQ((*before)["spec"]["clusterRef"]["name"], "c1");
  EXPECT_EQ((*s.get({"team", "a"}))["spec"]["clusterRef"]["name"], "c2");
}

}  // namespace
}  // namespace aura::kube
