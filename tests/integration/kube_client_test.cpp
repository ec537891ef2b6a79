// The C++ client against the real kube-apiserver of tests/env.
#include <gtest/gtest.h>

#include "operator/kube/finalizers.h"
#include "tests/integration/support/test_env.h"

namespace aura::kube {
namespace {

using testing::TestEnv;

Json config_map(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"key", value}}}};
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = TestEnv::get().client();
    ns_ = TestEnv::get().fresh_namespace("client");
  }
  ClientPtr client_;
  std::string ns_;
};

TEST_F(KubeClientTest, CreateGetUpdateConflictDelete) {
  auto created = client_->create(resources::kConfigMap, ns_, config_map(ns_, "a", "1"));
  ASSERT_TRUE(created) << created.error().str();
  auto again = client_->create(resources::kConfigMap, ns_, config_map(ns_, "a", "1"));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is_already_exists());

  Json stale = *created;
  Json fresh = *created;
  fresh["data"]["key"] = "2";
  ASSERT_TRUE(client_->update(resources::kConfigMap, fresh));
  stale["data"]["key"] = "3";
  auto conflict = client_->update(resources::kConfigMap, stale);
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(conflict.error().is_conflict()) << conflict.error().str();

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  auto refused = client_->remove(resources::kConfigMap, ns_, "a", wrong_uid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, 409);
  ASSERT_TRUE(client_->remove(resources::kConfigMap, ns_, "a"));
  auto gone = client_->get(resources::kConfigMap, ns_, "a");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is_not_found());
}

TEST_F(KubeClientTest, PatchesAndServerSideApply) {
  ASSERT_TRUE(client_->create(resources::kConfigMap, ns_, config_map(ns_, "p", "1")));
  auto merged = client_->patch(resources::kConfigMap, ns_, "p", PatchType::kMerge,
                               {{"data", {{"other", "x"}}}});
  ASSERT_TRUE(merged) << merged.error().str();
  EXPECT_EQ((*merged)["data"]["other"], "x");
  auto json_patched =
      client_->patch(resources::kConfigMap, ns_, "p", PatchType::kJson,
                     Json::array({{{"op", "replace"}, {"path", "/data/key"}, {"value", "9"}}}));
  ASSERT_TRUE(json_patched) << json_patched.error().str();
  EXPECT_EQ((*json_patched)["data"]["key"], "9");
  auto applied =
      client_->apply(resources::kConfigMap, ns_, "s", config_map(ns_, "s", "applied"), "aura-test");
  ASSERT_TRUE(applied) << applied.error().str();
  EXPECT_EQ((*applied)["data"]["key"], "applied");
  bool managed = false;
  for (const auto& m : (*applied)["metadata"]["managedFields"])
    managed |= m["manager"] == "aura-test";
  EXPECT_TRUE(managed);
}

TEST_F(KubeClientTest, ListPaginatesEveryItem) {
  for (int i = 0; i < 25; ++i)
    ASSERT_TRUE(client_->create(resources::kConfigMap, ns_,
                                config_map(ns_, "cm-" + std::to_string(i), "v")));
  ListOptions opts;
  opts.limit = 7;
  int seen = 0;
  auto rv = client_->list_each(resources::kConfigMap, ns_, opts, [&](Json&& item) {
    if (item["metadata"]["name"].get<std::string>().rfind("cm-", 0) == 0) ++seen;
  });
  ASSERT_TRUE(rv) << rv.error().str();
  EXPECT_EQ(seen, 25);
  EXPECT_FALSE(rv->empty());
}

TEST_F(KubeClientTest, FinalizersAreAddedAndOnlyOursRemoved) {
  Json cm = config_map(ns_, "f", "1");
  cm["metadata"]["finalizers"] = Json::array({"example.com/other"});
  auto created = client_->create(resources::kConfigMap, ns_, cm);
  ASSERT_TRUE(created);
  auto with_ours = add_finalizer(*client_, resources::kConfigMap, *created, "aura.io/test");
  ASSERT_TRUE(with_ours) << with_ours.error().str();
  EXPECT_TRUE(has_finalizer(*with_ours, "aura.io/test"));
  // A stale copy no longer matches the list: the test op refuses the patch.
  auto stale = add_finalizer(*client_, resources::kConfigMap, *created, "aura.io/again");
  EXPECT_FALSE(stale);
  ASSERT_TRUE(remove_finalizer(*client_, resources::kConfigMap, *with_ours, "aura.io/test"));
  auto now = client_->get(resources::kConfigMap, ns_, "f");
  ASSERT_TRUE(now);
  EXPECT_FALSE(has_finalizer(*now, "aura.io/test"));
  EXPECT_TRUE(has_finalizer(*now, "example.com/other"));
  ASSERT_TRUE(client_->patch(resources::kConfigMap, ns_, "f", PatchType::kMerge,
                             {{"metadata", {{"finalizers", nullptr}}}}));
}

TEST_F(KubeClientTest, WatchStreamsEvents) {
  std::atomic<bool> cancel{false};
  std::vector<std::string> types;
  std::thread watcher([&] {
    WatchOptions opts;
    opts.timeout_seconds = 30;
    opts.send_initial_events = true;
    client_->watch(
        resources::kConfigMap, ns_, opts,
        [&](WatchEvent&& ev) {
          if (ev.type != "BOOKMARK" && ev.object["metadata"].value("name", "") == "w")
            types.push_back(ev.type);
          return types.size() < 3;
        },
        &cancel);
  });
  ASSERT_TRUE(client_->create(resources::kConfigMap, ns_, config_map(ns_, "w", "1")));
  ASSERT_TRUE(client_->patch(resources::kConfigMap, ns_, "w", PatchType::kMerge,
                             {{"data", {{"key", "2"}}}}));
  ASSERT_TRUE(client_->remove(resources::kConfigMap, ns_, "w"));
  watcher.join();
  ASSERT_EQ(types.size(), 3u);
  EXPECT_EQ(types[0], "ADDED");
  EXPECT_EQ(types[1], "MODIFIED");
  EXPECT_EQ(types[2], "DELETED");
}

TEST_F(KubeClientTest, BadTokenIsUnauthorizedNotACrash) {
  auto cfg = load_kubeconfig(TestEnv::get().kubeconfig);
  ASSERT_TRUE(cfg);
  cfg->token = std::make_shared<StaticTokenSource>("wrong");
  Client bad(std::make_shared<HttpTransport>(*cfg));
  auto r = bad.get(resources::kNamespace, "", ns_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 401);
}

}  // namespace
}  // namespace aura::kube
