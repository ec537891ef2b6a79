// Crash-safe, in both directions (issue 5): the operator is killed (as by kill -9) right after
// the answer of every AWS call that changes something, during create and then during delete, and
// started again each time. Each process makes exactly one such call and dies before it can write
// the new ID to status, so every boundary is the hard case: the next process must find what the
// dead one made, by tag, name or idempotency token. The cluster must still become Ready with
// exactly what an undisturbed run of the same spec makes (a second cluster, reconciled without
// faults beside it), and its deletion must still leave nothing in AWS, tagged or not. A process
// that waits on AWS (a cluster CREATING, a NAT gateway deleting) is killed during the wait as
// well, between two reads.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

#include "operator/aws/ec2.h"
#include "operator/aws/iam.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/cluster_objects.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;
using reconcilers::cluster::ClusterIdentity;
using reconcilers::cluster::kTagClusterUid;

// One process: start, sync, one reconcile, one mutating call; about half a second. One that
// takes longer than this waits on AWS.
constexpr auto kQuiet = 5s;
// For the undisturbed cluster, which moto serves at once (a few seconds in all).
constexpr auto kDeadline = kClusterDeadline;
constexpr auto kPoll = 50ms;
// Far more than the boundaries of one create or delete (about 35 and 30): a chain that never
// settles fails here instead of running on.
constexpr int kMaxProcesses = 150;
// The scripted waits below are a few describes each: a chain killed in waits this often is stuck.
constexpr int kMaxWaitKills = 20;

// How many of each kind of resource, by kind.
using Census = std::map<std::string, int>;

// The log's fault hook line names the call after which the process died.
std::string crashed_after(const std::string& log) {
  const auto at = log.find("fault hook: exiting");
  if (at == std::string::npos) return "";
  const auto key = log.find("\"operation\":\"", at);
  if (key == std::string::npos) return "?";
  const auto from = key + std::string("\"operation\":\"").size();
  return log.substr(from, log.find('"', from) - from);
}

class ClusterCrashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
  void SetUp() override {
    const auto& aws = AwsTestEnv::get();
    ec2_ = std::make_unique<aws::Ec2Client>(aws.client(aws::services::kEc2));
    iam_ = std::make_unique<aws::IamClient>(aws.client(aws::services::kIam));
  }
  void TearDown() override {
    if (HasFailure() && op_) std::cerr << "--- last operator's log ---\n" << log_tail(op_->log());
    op_.reset();
  }

  // Operators with the fault hook at one mutating call, each started once the one before has
  // died, until `settled` holds while one is alive (that one found nothing left to change). One
  // that neither dies nor settles within kQuiet waits on AWS (a cluster CREATING, a NAT gateway
  // deleting) until its next poll: it is killed there too, and its successor reconciles at once.
  // Each takes a Lease of its own, so none waits for a dead holder's lease to expire.
  struct Chain {
    std::vector<std::string> crashes;  // the calls after which the fault hook killed a process
    int killed_waiting = 0;
  };
  Chain crash_at_every_boundary(const ClusterObjects& k, const std::string& phase,
                                const std::function<bool()>& settled) {
    Chain chain;
    for (int i = 0; i < kMaxProcesses; ++i) {
      const auto name = phase + "-" + std::to_string(i);
      op_ = start_operator(k.ns(), "operator-" + k.ns() + "-" + name,
                           {"--fault-exit-after-mutating-aws-calls=1", "--lease-name=" + name});
      if (!eventually([&] { return !op_->running() || settled(); }, kQuiet, kPoll)) {
        op_->signal(SIGKILL);
        if (op_->wait(kDeadline) != 128 + SIGKILL) {
          ADD_FAILURE() << phase << ": process " << i << " survived SIGKILL";
          return chain;
        }
        if (++chain.killed_waiting > kMaxWaitKills) {
          ADD_FAILURE() << phase << ": " << kMaxWaitKills << " processes waited and made nothing";
          return chain;
        }
        continue;
      }
      if (op_->running()) return chain;
      const int code = op_->wait(0ms);
      const auto op = crashed_after(op_->log());
      if (code != 128 + SIGKILL || op.empty()) {
        ADD_FAILURE() << phase << ": process " << i << " exited with " << code
                      << ", not by the fault hook";
        return chain;
      }
      chain.crashes.push_back(op);
    }
    ADD_FAILURE() << phase << ": not settled after " << kMaxProcesses << " processes";
    return chain;
  }

  // Everything of one cluster, by kind: what the operator's inventories find by its tag and
  // names, every OIDC provider tagged for it (the inventory stops at the first), IAM roles under
  // Aura's path with its name prefix, and what is in its VPC, tagged or not (a resource made
  // without its tags would escape the rest). Kinds with none are left out.
  Census census(const ClusterIdentity& id, const std::string& vpc_id) {
    Census c;
    for (const auto& line : cluster_inventory(id)) ++c[line.substr(0, line.find(' '))];
    c.erase("oidc-provider");
    for (const auto& arn : ok(iam_->list_open_id_connect_providers()))
      if (ok(iam_->get_open_id_connect_provider(arn)).tags[kTagClusterUid] == id.uid())
        ++c["oidc-provider"];
    const auto role_prefix = id.iam_role_name("");
    for (const auto& role : ok(iam_->list_roles(reconcilers::cluster::kIamPath)))
      if (role.name.starts_with(role_prefix)) ++c["iam-role-by-name"];
    if (!vpc_id.empty()) {
      const aws::DescribeQuery in_vpc{{}, {aws::vpc_filter(vpc_id)}, 0};
      c["in-vpc subnet"] = ok(ec2_->describe_subnets(in_vpc)).size();
      c["in-vpc route-table"] = ok(ec2_->describe_route_tables(in_vpc)).size();
      c["in-vpc security-group"] = ok(ec2_->describe_security_groups(in_vpc)).size();
      c["in-vpc network-interface"] = ok(ec2_->describe_network_interfaces(in_vpc)).size();
      for (const auto& n : ok(ec2_->describe_nat_gateways(in_vpc)))
        if (n.state != "deleted") ++c["in-vpc nat-gateway"];
    }
    std::erase_if(c, [](const auto& kv) { return kv.second == 0; });
    return c;
  }

  // What no cluster's tag finds: elastic IPs, NAT gateways and network interfaces without
  // Aura's UID tag, and every OIDC provider and role under Aura's path of the account. A leak
  // of something made without its tags shows as a difference between two of these.
  Census untagged() {
    Census c;
    const auto untagged = [](const aws::Tags& tags) { return !tags.contains(kTagClusterUid); };
    for (const auto& a : ok(ec2_->describe_addresses()))
      if (untagged(a.tags)) ++c["elastic-ip"];
    for (const auto& n : ok(ec2_->describe_nat_gateways()))
      if (n.state != "deleted" && untagged(n.tags)) ++c["nat-gateway"];
    for (const auto& e : ok(ec2_->describe_network_interfaces()))
      if (untagged(e.tags)) ++c["network-interface"];
    c["oidc-provider (all)"] = ok(iam_->list_open_id_connect_providers()).size();
    c["role under /aura/ (all)"] = ok(iam_->list_roles(reconcilers::cluster::kIamPath)).size();
    return c;
  }

  // The control plane CREATING for three describes (past the passes the operator's own status
  // writes set off, so one 30 s poll is waited for) and DELETING for two; the NAT gateway pending
  // and deleting for two each.
  static void script_waits(const std::string& cluster) {
    const nlohmann::json tags = {{"aura.io/cluster", cluster}};
    const auto& aws = AwsTestEnv::get();
    aws.post_state({{"kind", "eks-cluster"},
                    {"tags", tags},
                    {"phase", "create"},
                    {"state", "CREATING"},
                    {"describes", 3}});
    aws.post_state({{"kind", "eks-cluster"},
                    {"tags", tags},
                    {"phase", "delete"},
                    {"state", "DELETING"},
                    {"describes", 2}});
    aws.post_state(
        {{"kind", "nat-gateway"}, {"tags", tags}, {"phase", "create"}, {"describes", 2}});
    aws.post_state(
        {{"kind", "nat-gateway"}, {"tags", tags}, {"phase", "delete"}, {"describes", 2}});
  }

  static std::string joined(const std::vector<std::string>& v) {
    std::ostringstream out;
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? " " : "") << v[i];
    return out.str();
  }

  std::unique_ptr<OperatorProcess> op_;
  std::unique_ptr<aws::Ec2Client> ec2_;
  std::unique_ptr<aws::IamClient> iam_;
};

TEST_F(ClusterCrashTest, KillNineAfterEveryMutatingAwsCallLeaksAndDuplicatesNothing) {
  const auto started = std::chrono::steady_clock::now();
  const auto untagged_before = untagged();
  // The same spec twice: NAT gateways Single over two zones, so the elastic IP and NAT gateway
  // paths (the ones with a client token and a wait) are crossed too.
  const std::string manifest = cluster_manifest("c", "10.61.0.0/16", "Single");

  ClusterObjects calm(TestEnv::get().fresh_namespace("calm"));
  ClusterObjects crash(TestEnv::get().fresh_namespace("crash"));
  // AWS takes its time, as it does for real, so that crashes also fall during the waits. Only for
  // the crashed cluster: the undisturbed one would wait for each of the operator's polls (about
  // two minutes in all) and its waits change nothing it makes.
  script_waits(crash.ns() + "/c");
  auto calm_op = start_operator(calm.ns(), "operator-" + calm.ns());
  calm.apply(manifest);
  crash.apply(manifest);

  const auto create = crash_at_every_boundary(crash, "create", [&] { return crash.ready("c"); });
  const auto& create_crashes = create.crashes;
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(eventually([&] { return calm.ready("c"); }, kDeadline, kPoll))
      << calm.condition("c", "Ready", "message") << "\n"
      << log_tail(calm_op->log());
  std::cout << "create: " << create_crashes.size() << " crashes, after " << joined(create_crashes)
            << "; " << create.killed_waiting << " killed while waiting on AWS\n";
  EXPECT_GE(create_crashes.size(), 30u) << "every mutating call of a create is a boundary";

  // Exactly what the undisturbed run made, kind by kind, and that is what the spec asks for.
  const auto id = crash.identity("c");
  const auto vpc = crash.get("c", ".status.network.vpcID");
  ASSERT_FALSE(vpc.empty());
  const auto made = census(id, vpc);
  EXPECT_EQ(made, census(calm.identity("c"), calm.get("c", ".status.network.vpcID")));
  const Census spec = {{"vpc", 1},
                       {"subnet", 4},
                       {"internet-gateway", 1},
                       {"elastic-ip", 1},
                       {"nat-gateway", 1},
                       {"route-table", 3},
                       {"security-group", 1},
                       {"role", 2},
                       {"iam-role-by-name", 2},
                       {"instance-profile", 1},
                       {"eks-cluster", 1},
                       {"oidc-provider", 1},
                       {"in-vpc subnet", 4},
                       // Ours and the VPC's main table; ours and the VPC's default group.
                       {"in-vpc route-table", 4},
                       {"in-vpc security-group", 2},
                       {"in-vpc nat-gateway", 1}};
  Census without_enis = made;
  without_enis.erase("in-vpc network-interface");  // the NAT gateway's, if the emulator makes one
  EXPECT_EQ(without_enis, spec);
  // Status names what exists, though most IDs were lost with the process that made them.
  const auto tagged = [&](const std::string& role) {
    return aws::DescribeQuery{{},
                              {aws::tag_filter(kTagClusterUid, id.uid()),
                               aws::tag_filter(reconcilers::cluster::kTagRole, role)},
                              0};
  };
  EXPECT_EQ(crash.get("c", ".status.network.internetGatewayID"),
            ok(ec2_->describe_internet_gateways(tagged("igw"))).at(0).id);
  EXPECT_EQ(crash.get("c", ".status.network.securityGroupID"),
            ok(ec2_->describe_security_groups(tagged("sg-cluster"))).at(0).id);
  const auto nats = ok(ec2_->describe_nat_gateways({{}, {aws::vpc_filter(vpc)}, 0}));
  ASSERT_EQ(nats.size(), 1u);
  EXPECT_EQ(crash.get("c", ".status.network.natGateways[0].id"), nats[0].id);
  EXPECT_EQ(crash.get("c", ".status.network.elasticIPs[0].allocationID"),
            nats[0].addresses.at(0).allocation_id);
  EXPECT_NE(crash.get("c", ".status.eksClusterARN"), "");
  EXPECT_NE(crash.get("c", ".status.oidcProviderARN"), "");
  EXPECT_EQ(crash.get("c", ".status.phase"), "Ready");

  // Deletion, with the same crashes.
  op_.reset();
  calm.remove("c");
  crash.remove("c");
  const auto deletion = crash_at_every_boundary(crash, "delete", [&] { return crash.gone("c"); });
  const auto& delete_crashes = deletion.crashes;
  ASSERT_FALSE(HasFailure());
  std::cout << "delete: " << delete_crashes.size() << " crashes, after " << joined(delete_crashes)
            << "; " << deletion.killed_waiting << " killed while waiting on AWS\n";
  EXPECT_GE(delete_crashes.size(), 25u) << "every mutating call of a delete is a boundary";
  ASSERT_TRUE(eventually([&] { return calm.gone("c"); }, kDeadline, kPoll))
      << calm.get("c", ".status.deletionBlockedBy");
  EXPECT_EQ(census(id, vpc), Census{}) << "the finalizer went with something left";
  EXPECT_TRUE(
      ok(ec2_->describe_vpcs({{}, {aws::tag_filter(kTagClusterUid, id.uid())}, 0})).empty());
  EXPECT_EQ(untagged(), untagged_before) << "something made without Aura's tags is left";

  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  std::cout << "crashes: " << create_crashes.size() << " during create, " << delete_crashes.size()
            << " during delete, " << create_crashes.size() + delete_crashes.size()
            << " in all; kills while waiting on AWS: "
            << create.killed_waiting + deletion.killed_waiting << "; " << seconds << " s\n";
}

}  // namespace
}  // namespace aura::testing
