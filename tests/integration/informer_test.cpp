// The watch-backed cache against the real kube-apiserver: initial sync through watch-list,
// following changes, surviving a kube-apiserver restart and a forced 410 Gone.
#include "operator/kube/informer.h"

#include <gtest/gtest.h>

#include "tests/integration/support/test_env.h"

namespace aura::kube {
namespace {

using testing::eventually;
using testing::TestEnv;

Json config_map(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"key", value}}}};
}

std::string value_in(Informer& inf, const std::string& ns, const std::string& name) {
  auto obj = inf.store().get({ns, name});
  if (!obj) return "<absent>";
  return (*obj)["data"].value("key", "");
}

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = TestEnv::get().client();
    ns_ = TestEnv::get().fresh_namespace("informer");
  }
  std::unique_ptr<Informer> make() {
    InformerOptions o;
    o.ns = ns_;
    o.backoff_initial = std::chrono::milliseconds(100);
    o.backoff_max = std::chrono::milliseconds(1000);
    return std::make_unique<Informer>(client_, resources::kConfigMap, o, log::Logger::discard());
  }
  ClientPtr client_;
  std::string ns_;
};

TEST_F(InformerTest, SyncsAndFollowsChanges) {
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(client_->create(resources::kConfigMap, ns_,
                                config_map(ns_, "pre-" + std::to_string(i), "v")));
  auto inf = make();
  std::atomic<int> deletes{0};
  inf->add_handler([&](EventKind k, const ObjectPtr&, const ObjectPtr&) {
    if (k == EventKind::kDeleted) deletes++;
  });
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(std::chrono::seconds(30)));
  EXPECT_GE(inf->store().size(), 10u);  // plus kube-root-ca.crt
  ASSERT_TRUE(client_->create(resources::kConfigMap, ns_, config_map(ns_, "new", "1")));
  EXPECT_TRUE(eventually([&] { return value_in(*inf, ns_, "new") == "1"; }));
  ASSERT_TRUE(client_->remove(resources::kConfigMap, ns_, "pre-0"));
  EXPECT_TRUE(eventually([&] { return value_in(*inf, ns_, "pre-0") == "<absent>"; }));
  EXPECT_EQ(deletes.load(), 1);
  // Cached copies are trimmed of managedFields.
  EXPECT_FALSE((*inf->store().get({ns_, "new"}))["metadata"].contains("managedFields"));
}

TEST_F(InformerTest, SurvivesApiserverRestart) {
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(std::chrono::seconds(30)));
  auto r = TestEnv::get().envctl({"restart", "apiserver"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Changes made after the restart reach the cache through the resumed watch.
  ASSERT_TRUE(eventually([&] {
    return client_->create(resources::kConfigMap, ns_, config_map(ns_, "after", "1")).has_value();
  }));
  EXPECT_TRUE(
      eventually([&] { return value_in(*inf, ns_, "after") == "1"; }, std::chrono::seconds(60)));
}

TEST_F(InformerTest, RelistsOn410AndConverges) {
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->wait_for_sync(std::chrono::seconds(30)));
  ASSERT_TRUE(client_->create(resources::kConfigMap, ns_, config_map(ns_, "x", "1")));
  EXPECT_TRUE(eventually([&] { return value_in(*inf, ns_, "x") == "1"; }));
  const auto lists_before = inf->list_count();
  // Disconnected (as after a network partition), the informer keeps its resourceVersion while
  // etcd moves on and compacts past it. Resuming from it must get 410 Gone and relist, and the
  // relist must bring the change made meanwhile and drop what was deleted meanwhile.
  inf->stop();
  ASSERT_TRUE(client_->patch(resources::kConfigMap, ns_, "x", PatchType::kMerge,
                             {{"data", {{"key", "2"}}}}));
  ASSERT_TRUE(client_->create(resources::kConfigMap, ns_, config_map(ns_, "gone", "1")));
  ASSERT_TRUE(client_->remove(resources::kConfigMap, ns_, "gone"));
  auto r = TestEnv::get().envctl({"compact"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  inf->start();
  EXPECT_TRUE(
      eventually([&] { return value_in(*inf, ns_, "x") == "2"; }, std::chrono::seconds(60)));
  EXPECT_EQ(value_in(*inf, ns_, "gone"), "<absent>");
  // tests/env runs kube-apiserver without its watch cache, so the compacted resourceVersion is
  // answered with 410 Gone: the informer must have listed again.
  EXPECT_GT(inf->list_count(), lists_before);
}

}  // namespace
}  // namespace aura::kube
