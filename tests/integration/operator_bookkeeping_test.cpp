// The operator process against the real kube-apiserver (and moto, which its AWS side reaches
// through the standard credential chain): finalizers, conditions, observedGeneration, reference
// resolution, deletion order and idle behaviour.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

class OperatorBookkeepingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
  void SetUp() override {
    ns_ = TestEnv::get().fresh_namespace("op");
    op_ = start_operator(ns_, "operator-" + ns_);
  }
  void TearDown() override {
    if (HasFailure() && op_) std::cerr << "--- operator log ---\n" << op_->log().substr(0, 20000);
    op_.reset();
  }
  ProcessResult apply(const std::string& yaml) {
    const std::string path = TestEnv::get().dir + "/" + ns_ + "-apply.yaml";
    write_file(path, yaml);
    auto r = TestEnv::get().kubectl({"apply", "-n", ns_, "-f", path});
    if (r.exit_code != 0) ADD_FAILURE() << r.err;
    return r;
  }
  std::string get(const std::string& kind, const std::string& name, const std::string& path) {
    return jsonpath(kind, ns_, name, path);
  }
  std::string ns_;
  std::unique_ptr<OperatorProcess> op_;
};

const char* kCluster = R"(
apiVersion: aura.io/v1alpha1
kind: EphemeralCluster
metadata: {name: train}
spec:
  region: us-east-1
  kubernetesVersion: "1.33"
  network:
    vpcCIDR: 10.0.0.0/16
    zones: [us-east-1a, us-east-1b]
    publicSubnetCIDRs: [10.0.0.0/24, 192.168.0.0/24]
)";

const char* kPool = R"(
apiVersion: aura.io/v1alpha1
kind: NodePool
metadata: {name: gpus}
spec:
  clusterRef: {name: train}
  mode: Karpenter
)";

const char* kJob = R"(
apiVersion: aura.io/v1alpha1
kind: AIJob
metadata: {name: finetune}
spec:
  clusterRef: {name: train}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: ["true"]}]
)";

TEST_F(OperatorBookkeepingTest, ClusterGetsFinalizerAndHonestStatus) {
  // A public subnet outside the VPC (no validating webhook in front to refuse it): the network
  // cannot be planned, which is a spec error for the user to fix (Stalled, naming the field),
  // found before any AWS call.
  ASSERT_EQ(apply(kCluster).exit_code, 0);
  ASSERT_TRUE(eventually([&] {
    return get("ephemeralcluster", "train", "..conditions[?(@.type==\"Stalled\")].status") ==
           "True";
  }));
  EXPECT_EQ(get("ephemeralcluster", "train", ".status.phase"), "Failed");
  EXPECT_EQ(get("ephemeralcluster", "train", ".metadata.finalizers[0]"),
            "aura.io/ephemeral-cluster");
  EXPECT_EQ(get("ephemeralcluster", "train", ".status.observedGeneration"),
            get("ephemeralcluster", "train", ".metadata.generation"));
  EXPECT_EQ(get("ephemeralcluster", "train", "..conditions[?(@.type==\"Ready\")].status"), "False");
  EXPECT_EQ(get("ephemeralcluster", "train", "..conditions[?(@.type==\"Stalled\")].reason"),
            "InvalidSpec");
  const auto message =
      get("ephemeralcluster", "train", "..conditions[?(@.type==\"Stalled\")].message");
  EXPECT_EQ(message.rfind("spec.network.publicSubnetCIDRs[1]", 0), 0u) << message;
  EXPECT_EQ(get("ephemeralcluster", "train", "..conditions[?(@.type==\"NetworkReady\")].reason"),
            "InvalidSpec");
  EXPECT_EQ(get("ephemeralcluster", "train", ".status.iam"), "")
      << "nothing is made in AWS for a spec that cannot be built";
  auto events = TestEnv::get().kubectl(
      {"get", "events.events.k8s.io", "-n", ns_, "-o", "jsonpath={.items[*].reason}"});
  EXPECT_NE(events.out.find("Accepted"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("InvalidSpec"), std::string::npos) << events.out;
  auto table = TestEnv::get().kubectl({"get", "aura", "-n", ns_});
  EXPECT_NE(table.out.find("PHASE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("train"), std::string::npos) << table.out;
}

TEST_F(OperatorBookkeepingTest, NodePoolWaitsForItsClusterThenResolves) {
  ASSERT_EQ(apply(kPool).exit_code, 0);
  ASSERT_TRUE(eventually([&] {
    return get("nodepool", "gpus", "..conditions[?(@.type==\"ClusterResolved\")].reason") ==
           "ClusterNotFound";
  }));
  ASSERT_EQ(apply(kCluster).exit_code, 0);
  // The cluster's creation wakes the pool: no periodic resync is needed.
  ASSERT_TRUE(eventually([&] {
    return get("nodepool", "gpus", "..conditions[?(@.type==\"ClusterResolved\")].status") == "True";
  }));
  EXPECT_EQ(get("nodepool", "gpus", ".metadata.ownerReferences[0].name"), "train");
}

TEST_F(OperatorBookkeepingTest, DeletingClusterDeletesPoolsFirstAndFailsJobs) {
  ASSERT_EQ(apply(std::string(kCluster) + "---" + kPool + "---" + kJob).exit_code, 0);
  ASSERT_TRUE(
      eventually([&] { return get("aijob", "finetune", ".status.phase") == "WaitingForCluster"; }));
  ASSERT_TRUE(eventually([&] {
    return get("nodepool", "gpus", "..conditions[?(@.type==\"ClusterResolved\")].status") == "True";
  }));
  auto del =
      TestEnv::get().kubectl({"delete", "ephemeralcluster", "-n", ns_, "train", "--wait=false"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  ASSERT_TRUE(eventually([&] {
    return TestEnv::get().kubectl({"get", "ephemeralcluster", "-n", ns_, "train"}).exit_code != 0;
  }));
  EXPECT_NE(TestEnv::get().kubectl({"get", "nodepool", "-n", ns_, "gpus"}).exit_code, 0)
      << "the NodePool must be gone before the cluster";
  EXPECT_EQ(get("aijob", "finetune", ".status.phase"), "Failed");
  EXPECT_EQ(get("aijob", "finetune", ".status.failureReason"), "ClusterDeleted");
}

TEST_F(OperatorBookkeepingTest, ClusterTemplateJobOwnsItsCluster) {
  const char* job = R"(
apiVersion: aura.io/v1alpha1
kind: AIJob
metadata: {name: solo}
spec:
  clusterTemplate:
    spec: {region: us-west-2, kubernetesVersion: "1.33", network: {vpcCIDR: 10.1.0.0/16}}
    nodePools:
    - name: gpu
      spec: {mode: Karpenter}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
)";
  ASSERT_EQ(apply(job).exit_code, 0);
  ASSERT_TRUE(eventually([&] {
    return get("ephemeralcluster", "solo", ".metadata.ownerReferences[0].kind") == "AIJob";
  }));
  ASSERT_TRUE(
      eventually([&] { return get("nodepool", "solo-gpu", ".spec.clusterRef.name") == "solo"; }));
  ASSERT_TRUE(eventually([&] { return get("aijob", "solo", ".status.clusterName") == "solo"; }));
  ASSERT_EQ(
      TestEnv::get().kubectl({"delete", "aijob", "-n", ns_, "solo", "--wait=false"}).exit_code, 0);
  EXPECT_TRUE(eventually(
      [&] {
        return TestEnv::get().kubectl({"get", "ephemeralcluster", "-n", ns_, "solo"}).exit_code !=
                   0 &&
               TestEnv::get().kubectl({"get", "nodepool", "-n", ns_, "solo-gpu"}).exit_code != 0;
      },
      60s));
}

TEST_F(OperatorBookkeepingTest, SpecChangeBumpsObservedGeneration) {
  ASSERT_EQ(apply(kCluster).exit_code, 0);
  ASSERT_TRUE(eventually(
      [&] { return get("ephemeralcluster", "train", ".status.observedGeneration") == "1"; }));
  auto r = TestEnv::get().kubectl({"patch", "ephemeralcluster", "-n", ns_, "train", "--type=merge",
                                   "-p", R"({"spec":{"tags":{"team":"ml"}}})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually(
      [&] { return get("ephemeralcluster", "train", ".status.observedGeneration") == "2"; }));
}

}  // namespace
}  // namespace aura::testing
