// The orphan sweeper of the operator process (issue 5), against the local kube-apiserver and moto
// (authentication on): AWS resources tagged for a cluster UID that no EphemeralCluster has are
// reported in dry run and left in place, then removed in delete mode, while the resources of a
// live cluster and those a deletionPolicy Retain cluster left behind stay untouched.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "operator/aws/endpoints.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/cluster_objects.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;
using reconcilers::cluster::ClusterIdentity;

constexpr auto kDeadline = kClusterDeadline;
constexpr auto kPoll = 500ms;
// Sweeps every second; a UID is swept once missed twice at least this far apart.
const std::vector<std::string> kFastSweeps{"--orphan-sweep-interval=1s", "--orphan-sweep-grace=2s"};

class OrphanSweeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
  void SetUp() override {
    ns_ = TestEnv::get().fresh_namespace("sweep");
    const auto& aws = AwsTestEnv::get();
    aws_ =
        std::make_unique<reconcilers::cluster::ClusterClients>(reconcilers::cluster::ClusterClients{
            aws::Ec2Client(aws.client(aws::services::kEc2)),
            aws::IamClient(aws.client(aws::services::kIam)),
            aws::EksClient(aws.client(aws::services::kEks)),
            aws::ElbV2Client(aws.client(aws::services::kElbV2)),
            aws::ElbClassicClient(aws.client(aws::services::kElb))});
  }
  void TearDown() override {
    if (HasFailure() && op_) {
      const auto log = op_->log();
      std::cerr << "--- operator log ---\n"
                << (log.size() > 30000 ? log.substr(log.size() - 30000) : log);
    }
    op_.reset();
  }
  void run_operator(const std::string& sweep_mode) {
    op_.reset();  // one operator at a time: each takes the namespace's lease
    std::vector<std::string> flags{"--orphan-sweep=" + sweep_mode};
    flags.insert(flags.end(), kFastSweeps.begin(), kFastSweeps.end());
    op_ = start_operator(ns_, "operator-" + ns_ + "-" + sweep_mode, flags);
  }
  // A cluster of Aura's own network over two zones, no NAT gateway, provisioned by the operator.
  void apply_cluster(const std::string& name, const std::string& cidr, const std::string& extra) {
    const auto& region = AwsTestEnv::get().region;
    const std::string path = TestEnv::get().dir + "/" + ns_ + "-" + name + ".yaml";
    std::ofstream(path) << "apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\n"
                        << "metadata: {name: " << name << "}\nspec:\n  region: " << region
                        << "\n  kubernetesVersion: \"1.31\"\n  network: {vpcCIDR: " << cidr
                        << ", zones: [" << region << "a, " << region << "b], natGateways: None}\n"
                        << extra;
    auto r = TestEnv::get().kubectl({"apply", "-n", ns_, "-f", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  bool ready(const std::string& name) {
    return jsonpath("ephemeralcluster", ns_, name, "..conditions[?(@.type==\"Ready\")].status") ==
           "True";
  }
  bool delete_and_wait(const std::string& name) {
    TestEnv::get().kubectl({"delete", "ephemeralcluster", "-n", ns_, name, "--wait=false"});
    return eventually(
        [&] {
          return TestEnv::get().kubectl({"get", "ephemeralcluster", "-n", ns_, name}).exit_code !=
                 0;
        },
        kDeadline, kPoll);
  }
  ClusterIdentity identity(const std::string& name) {
    return ClusterIdentity(ns_, name, jsonpath("ephemeralcluster", ns_, name, ".metadata.uid"));
  }
  // What the operator's own inventory finds of a cluster, by its tags and names.
  std::vector<std::string> inventory(const ClusterIdentity& id) {
    return ok(reconcilers::cluster::Provisioning(*aws_, id, [] {}).inventory());
  }
  // Log lines of the running operator that contain every one of `parts`.
  int log_lines(const std::vector<std::string>& parts) {
    std::istringstream log(op_->log());
    int n = 0;
    for (std::string line; std::getline(log, line);)
      if (std::all_of(parts.begin(), parts.end(),
                      [&](const auto& p) { return line.find(p) != std::string::npos; }))
        ++n;
    return n;
  }
  static std::string id_of(const std::string& inventory_line) {
    return inventory_line.substr(inventory_line.find(' ') + 1);
  }
  // The orphan: a whole cluster's AWS side (network with a NAT gateway and its elastic IP, IAM,
  // EKS control plane and OIDC provider) for a UID that no EphemeralCluster has, made by the
  // operator's own steps, as a deletion that never ran would leave it.
  void make_orphan(const ClusterIdentity& ghost) {
    api::EphemeralClusterSpec spec;
    spec.region = AwsTestEnv::get().region;
    spec.kubernetesVersion = "1.31";
    spec.network.vpcCIDR = "10.95.0.0/16";
    spec.network.zones = {spec.region + "a", spec.region + "b"};
    spec.network.natGateways = api::NatGatewayMode::kSingle;
    reconcilers::cluster::Provisioning steps(*aws_, ghost, [] {});
    api::EphemeralClusterStatus status;
    for (int pass = 0;; ++pass) {
      const auto outcome = steps.ensure(spec, status);
      if (outcome.kind == reconcilers::cluster::Outcome::Kind::kDone) break;
      ASSERT_EQ(outcome.kind, reconcilers::cluster::Outcome::Kind::kWaiting) << outcome.message;
      ASSERT_LT(pass, 20) << outcome.message;
    }
  }
  // Removes what a test left through the operator's own removal, pass after pass.
  void clean_up(const ClusterIdentity& id) {
    reconcilers::cluster::Provisioning steps(*aws_, id, [] {});
    api::EphemeralClusterSpec spec;
    spec.region = AwsTestEnv::get().region;
    api::EphemeralClusterStatus status;
    for (int pass = 0;
         steps.remove(spec, status).kind != reconcilers::cluster::Outcome::Kind::kDone; ++pass)
      ASSERT_LT(pass, 20) << "still there: " << ::testing::PrintToString(inventory(id));
  }

  std::string ns_;
  std::unique_ptr<OperatorProcess> op_;
  std::unique_ptr<reconcilers::cluster::ClusterClients> aws_;
};

TEST_F(OrphanSweeperTest, DryRunReportsOrphansAndDeleteRemovesThemButNotLiveOrRetained) {
  // A live cluster and a Retain one, provisioned with the sweeper off (the default).
  op_ = start_operator(ns_, "operator-" + ns_ + "-off");
  apply_cluster("live", "10.93.0.0/16", "");
  apply_cluster("kept", "10.94.0.0/16", "  lifecycle: {deletionPolicy: Retain}\n");
  ASSERT_TRUE(eventually([&] { return ready("live") && ready("kept"); }, kDeadline, kPoll));
  const auto live = identity("live");
  const auto kept = identity("kept");
  ASSERT_TRUE(delete_and_wait("kept"));
  const auto live_before = inventory(live);
  const auto kept_before = inventory(kept);
  ASSERT_FALSE(live_before.empty());
  ASSERT_FALSE(kept_before.empty());
  // Retain marked what it left, so that no sweeper takes it for a leak.
  EXPECT_EQ(ok(aws_->iam.list_role_tags(kept.iam_role_name("node")))["aura.io/retained"], "true");
  EXPECT_EQ(ok(aws_->ec2.describe_vpcs({{},
                                        {aws::tag_filter("aura.io/cluster-uid", kept.uid()),
                                         aws::tag_filter("aura.io/retained", "true")},
                                        0}))
                .size(),
            1u);
  EXPECT_EQ(log_lines({"orphan sweep"}), 0) << "the sweeper is off by default";

  // A UID no object has (namespaces are fresh per run, so is this UID).
  const ClusterIdentity ghost(ns_, "ghost", "ghost-uid-" + ns_);
  make_orphan(ghost);
  if (HasFatalFailure()) return;
  const auto ghost_before = inventory(ghost);
  ASSERT_GE(ghost_before.size(), 16u) << "EKS, OIDC, VPC, subnets, gateways, routes, group, IAM";

  // Dry run: every orphan resource reported once, nothing deleted, the others not reported.
  run_operator("dry-run");
  for (const auto& line : ghost_before) {
    if (line.starts_with("instance-profile ")) continue;  // goes with the node role of its name
    EXPECT_TRUE(eventually(
        [&] {
          return log_lines({"orphan resource: would delete", "\"" + id_of(line) + "\""}) == 1;
        },
        60s, kPoll))
        << line;
  }
  // Sweeps go on reporting the count (and nothing twice) while the resources stay.
  const int done_before = log_lines({"orphan sweep done", "\"orphans\":1"});
  ASSERT_TRUE(eventually(
      [&] {
        return log_lines({"orphan sweep done", "\"orphans\":1"}) >= done_before + 2;
      },
      30s, kPoll));
  EXPECT_EQ(inventory(ghost), ghost_before) << "a dry run deletes nothing";
  EXPECT_EQ(log_lines({"would delete", live.uid()}), 0);
  EXPECT_EQ(log_lines({"would delete", kept.uid()}), 0);
  EXPECT_EQ(log_lines({"orphan resource: deleting"}), 0);

  // Delete: the orphan goes through the steps' own removal; live and retained stay.
  run_operator("delete");
  EXPECT_TRUE(eventually([&] { return inventory(ghost).empty(); }, kDeadline, kPoll))
      << ::testing::PrintToString(inventory(ghost));
  EXPECT_TRUE(eventually(
      [&] {
        return log_lines({"orphan resource: deleted", ghost.uid()}) >= 8;
      },
      30s, kPoll));
  EXPECT_EQ(inventory(live), live_before);
  EXPECT_EQ(inventory(kept), kept_before);
  EXPECT_TRUE(ready("live"));
  EXPECT_EQ(log_lines({"orphan resource: deleting", live.uid()}), 0);
  EXPECT_EQ(log_lines({"orphan resource: deleting", kept.uid()}), 0);

  // The live cluster still deletes the ordinary way; what Retain kept is removed by hand.
  ASSERT_TRUE(delete_and_wait("live"));
  EXPECT_EQ(inventory(live), std::vector<std::string>{});
  clean_up(kept);
  EXPECT_EQ(inventory(kept), std::vector<std::string>{});
}

}  // namespace
}  // namespace aura::testing
