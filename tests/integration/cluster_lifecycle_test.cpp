// The operator process builds an EphemeralCluster's AWS side and takes it down again, against
// the local kube-apiserver and moto (authentication on): the sample applied with kubectl becomes
// Ready with every resource in AWS as the spec says and its ID in status; deleting it leaves
// nothing tagged with the cluster's UID. A VPC the user brings survives the deletion, and
// deletionPolicy Retain keeps everything.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/aws/elb.h"
#include "operator/aws/endpoints.h"
#include "operator/aws/sts.h"
#include "operator/common/base64.h"
#include "operator/common/clock.h"
#include "operator/common/process.h"
#include "reconcilers/ephemeral_cluster/control_plane.h"
#include "reconcilers/ephemeral_cluster/iam_roles.h"
#include "reconcilers/ephemeral_cluster/network.h"
#include "tests/integration/support/cluster_test.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;
using reconcilers::cluster::ClusterIdentity;

constexpr auto kDeadline = kClusterDeadline;
constexpr auto kPoll = 500ms;

class ClusterLifecycleTest : public ClusterOperatorTest {
 protected:
  ClusterLifecycleTest() : ClusterOperatorTest("life") {}
  void apply(const std::string& yaml) { k_.apply(yaml); }
  std::string get(const std::string& name, const std::string& path) { return k_.get(name, path); }
  std::string condition(const std::string& name, const std::string& type,
                        const std::string& field = "status") {
    return k_.condition(name, type, field);
  }
  bool wait_ready(const std::string& name) {
    return eventually([&] { return k_.ready(name); }, kDeadline, kPoll);
  }
  void remove(const std::string& name) { k_.remove(name); }
  bool gone(const std::string& name) { return k_.gone(name); }
  std::string events() { return k_.events(); }
  // A cluster of Aura's own network over two zones of the emulator's region, no NAT gateway.
  std::string small_cluster(const std::string& name, const std::string& cidr,
                            const std::string& extra = "") {
    return cluster_manifest(name, cidr, "None", extra);
  }
  // A VPC of the user's ("10.N.0.0/16") with a /24 subnet in each of the given zones (letters of
  // the emulator's region), and an EphemeralCluster that brings it.
  struct UserNetwork {
    std::string vpc;
    std::vector<std::string> subnets;
  };
  UserNetwork user_network(int n, const std::vector<std::string>& zones) {
    const auto& region = AwsTestEnv::get().region;
    const aws::Tags theirs{{"owner", "network-team"}};
    const auto prefix = "10." + std::to_string(n) + ".";
    UserNetwork net{ok(ec2_->create_vpc({prefix + "0.0/16", theirs})).id, {}};
    for (std::size_t i = 0; i < zones.size(); ++i)
      net.subnets.push_back(
          ok(ec2_->create_subnet({net.vpc, prefix + std::to_string(i + 1) + ".0/24",
                                  region + zones[i], "", theirs}))
              .id);
    return net;
  }
  std::string byo_cluster(const std::string& name, const UserNetwork& net) {
    std::string ids;
    for (const auto& s : net.subnets) ids += (ids.empty() ? "" : ", ") + s;
    return "apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\nmetadata: {name: " + name +
           "}\nspec:\n  region: " + AwsTestEnv::get().region +
           "\n  kubernetesVersion: \"1.31\"\n  network: {vpcID: " + net.vpc + ", subnetIDs: [" +
           ids + "]}\n";
  }
  // Checks that the user's network is all still there, then removes it.
  void expect_kept_and_clean_up(const UserNetwork& net) {
    EXPECT_EQ(ok(ec2_->describe_vpcs({{net.vpc}, {}, 0})).size(), 1u);
    EXPECT_EQ(ok(ec2_->describe_subnets({net.subnets, {}, 0})).size(), net.subnets.size());
    for (const auto& s : net.subnets) ok(ec2_->delete_subnet(s));
    ok(ec2_->delete_vpc(net.vpc));
  }
  // How many reconciles of `name` the operator has logged.
  int reconciles(const std::string& name) {
    std::istringstream log(op_->log());
    const std::string object = "\"object\":\"" + ns_ + "/" + name + "\"";
    int n = 0;
    for (std::string line; std::getline(log, line);)
      if (line.find("\"msg\":\"reconciled\"") != std::string::npos &&
          line.find(object) != std::string::npos)
        ++n;
    return n;
  }
  // A role `principal` may assume (moto matches principals literally, so not the account root).
  aws::iam::Role role_trusting(const std::string& name, const std::string& principal,
                               const aws::Tags& tags = {}) {
    const nlohmann::json trust = {{"Version", "2012-10-17"},
                                  {"Statement",
                                   {{{"Effect", "Allow"},
                                     {"Principal", {{"AWS", principal}}},
                                     {"Action", "sts:AssumeRole"}}}}};
    aws::iam::CreateRoleRequest req;
    req.name = name;
    req.path = "/";
    req.assume_role_policy_document = trust.dump();
    req.tags = tags;
    return ok(iam_->create_role(req));
  }
  ClusterIdentity identity(const std::string& name) { return k_.identity(name); }
  aws::DescribeQuery owned(const ClusterIdentity& id) {
    return aws::DescribeQuery{{}, aws::tag_filters(id.ownership_tags()), 0};
  }
  std::vector<std::string> inventory(const ClusterIdentity& id) { return cluster_inventory(id); }
};

// The sample, in this test's namespace and the emulator's region.
std::string sample() {
  auto yaml =
      read_file(TestEnv::get().repo_root + "/config/samples/aura_v1alpha1_ephemeralcluster.yaml")
          .value();
  const auto at = yaml.find("  namespace: ml-team\n");
  if (at != std::string::npos) yaml.erase(at, std::string("  namespace: ml-team\n").size());
  return yaml;
}

TEST_F(ClusterLifecycleTest, SampleBecomesReadyWithEveryResourceAndDeletionLeavesNothing) {
  ASSERT_EQ(AwsTestEnv::get().region, "us-east-1") << "the sample is in us-east-1";
  // The control plane stays CREATING for three describes (more than the passes our own status
  // writes set off, so it lasts until the operator's 30 s poll), then DELETING for one: the
  // operator says what it waits on and comes back later instead of waiting inside a reconcile.
  const nlohmann::json tags = {{"aura.io/cluster", ns_ + "/ml-sandbox"}};
  AwsTestEnv::get().post_state({{"kind", "eks-cluster"},
                                {"tags", tags},
                                {"phase", "create"},
                                {"state", "CREATING"},
                                {"describes", 3}});
  AwsTestEnv::get().post_state({{"kind", "eks-cluster"},
                                {"tags", tags},
                                {"phase", "delete"},
                                {"state", "DELETING"},
                                {"describes", 1}});
  apply(sample());
  ASSERT_TRUE(eventually(
      [&] {
        return condition("ml-sandbox", "Reconciling") == "True" &&
               condition("ml-sandbox", "Reconciling", "message").find("CREATING") !=
                   std::string::npos;
      },
      kDeadline, kPoll))
      << condition("ml-sandbox", "Reconciling", "message");
  EXPECT_EQ(get("ml-sandbox", ".status.phase"), "Provisioning");
  EXPECT_EQ(condition("ml-sandbox", "ControlPlaneReady", "reason"), "Provisioning");
  // Written before the cluster is ACTIVE: a crash now would not lose it.
  EXPECT_NE(get("ml-sandbox", ".status.eksClusterARN"), "");
  ASSERT_TRUE(wait_ready("ml-sandbox")) << condition("ml-sandbox", "Ready", "message");
  EXPECT_EQ(get("ml-sandbox", ".status.phase"), "Ready");
  EXPECT_EQ(get("ml-sandbox", ".status.observedGeneration"),
            get("ml-sandbox", ".metadata.generation"));
  for (const char* type : {"NetworkReady", "IAMReady", "ControlPlaneReady"})
    EXPECT_EQ(condition("ml-sandbox", type), "True") << type;
  EXPECT_EQ(condition("ml-sandbox", "Reconciling"), "False");
  EXPECT_EQ(condition("ml-sandbox", "Stalled"), "False");
  EXPECT_NE(get("ml-sandbox", ".status.readyTime"), "");
  const auto id = identity("ml-sandbox");
  const auto q = owned(id);

  // VPC, with the user's tags beside Aura's.
  auto vpcs = ok(ec2_->describe_vpcs(q));
  ASSERT_EQ(vpcs.size(), 1u);
  EXPECT_EQ(vpcs[0].cidr_block, "10.42.0.0/16");
  EXPECT_EQ(get("ml-sandbox", ".status.network.vpcID"), vpcs[0].id);
  EXPECT_EQ(vpcs[0].tags["cost-center"], "ml-research");
  EXPECT_EQ(vpcs[0].tags["aura.io/cluster"], ns_ + "/ml-sandbox");
  EXPECT_EQ(vpcs[0].tags["aura.io/managed-by"], "aura-operator");

  // A public and a private subnet per zone, tagged for load balancers, all in status.
  auto subnets = ok(ec2_->describe_subnets(q));
  ASSERT_EQ(subnets.size(), 6u);
  std::map<std::string, int> public_per_zone, private_per_zone;
  for (auto s : subnets) {  // a copy: tags are read with operator[]
    EXPECT_EQ(s.vpc_id, vpcs[0].id);
    if (s.tags["kubernetes.io/role/elb"] == "1") {
      ++public_per_zone[s.availability_zone];
      EXPECT_TRUE(s.map_public_ip_on_launch) << s.id;
    } else {
      EXPECT_EQ(s.tags["kubernetes.io/role/internal-elb"], "1") << s.id;
      ++private_per_zone[s.availability_zone];
    }
    EXPECT_NE(get("ml-sandbox", ".status.network.subnets[*].id").find(s.id), std::string::npos);
  }
  for (const char* zone : {"us-east-1a", "us-east-1b", "us-east-1c"}) {
    EXPECT_EQ(public_per_zone[zone], 1) << zone;
    EXPECT_EQ(private_per_zone[zone], 1) << zone;
  }

  // Internet gateway attached; one NAT gateway (Single) with its elastic IP.
  auto igws = ok(ec2_->describe_internet_gateways(q));
  ASSERT_EQ(igws.size(), 1u);
  ASSERT_EQ(igws[0].attachments.size(), 1u);
  EXPECT_EQ(igws[0].attachments[0].vpc_id, vpcs[0].id);
  EXPECT_EQ(get("ml-sandbox", ".status.network.internetGatewayID"), igws[0].id);
  auto nats = ok(ec2_->describe_nat_gateways(q));
  ASSERT_EQ(nats.size(), 1u);
  EXPECT_EQ(nats[0].state, "available");
  EXPECT_EQ(get("ml-sandbox", ".status.network.natGateways[0].id"), nats[0].id);
  EXPECT_EQ(ok(ec2_->describe_addresses(q)).size(), 1u);

  // Route tables: one public, one private per zone; the security group.
  EXPECT_EQ(ok(ec2_->describe_route_tables(q)).size(), 4u);
  EXPECT_FALSE(get("ml-sandbox", ".status.network.routeTables[*].id").empty());
  auto groups = ok(ec2_->describe_security_groups(q));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(get("ml-sandbox", ".status.network.securityGroupID"), groups[0].id);

  // IAM: both roles with their policies, the instance profile holding the node role.
  auto cluster_role = ok(iam_->get_role(id.iam_role_name("cluster")));
  auto node_role = ok(iam_->get_role(id.iam_role_name("node")));
  EXPECT_EQ(get("ml-sandbox", ".status.iam.clusterRoleARN"), cluster_role.arn);
  EXPECT_EQ(get("ml-sandbox", ".status.iam.nodeRoleARN"), node_role.arn);
  EXPECT_EQ(ok(iam_->list_attached_role_policies(node_role.name)).size(), 4u);
  auto profile = ok(iam_->get_instance_profile(id.instance_profile_name()));
  ASSERT_EQ(profile.roles.size(), 1u);
  EXPECT_EQ(profile.roles[0].name, node_role.name);
  EXPECT_EQ(get("ml-sandbox", ".status.iam.nodeInstanceProfileARN"), profile.arn);

  // The EKS cluster as the spec asks, and its OIDC provider.
  auto eks = ok(eks_->describe_cluster(id.eks_name()));
  EXPECT_EQ(eks.status, "ACTIVE");
  EXPECT_EQ(eks.version, "1.31");
  EXPECT_EQ(eks.role_arn, cluster_role.arn);
  EXPECT_EQ(eks.tags["aura.io/cluster-uid"], id.uid());
  EXPECT_TRUE(eks.vpc.endpoint.public_access);
  EXPECT_TRUE(eks.vpc.endpoint.private_access);
  EXPECT_EQ(eks.vpc.endpoint.public_access_cidrs, std::vector<std::string>{"203.0.113.0/24"});
  auto logging = eks.logging.enabled;
  std::sort(logging.begin(), logging.end());
  EXPECT_EQ(logging, (std::vector<std::string>{"api", "audit", "authenticator"}));
  EXPECT_EQ(get("ml-sandbox", ".status.eksClusterName"), id.eks_name());
  EXPECT_EQ(get("ml-sandbox", ".status.eksClusterARN"), eks.arn);
  EXPECT_EQ(get("ml-sandbox", ".status.endpoint"), eks.endpoint);
  const auto oidc_arn = get("ml-sandbox", ".status.oidcProviderARN");
  ASSERT_FALSE(oidc_arn.empty());
  auto provider = ok(iam_->get_open_id_connect_provider(oidc_arn));
  EXPECT_EQ(provider.tags["aura.io/cluster-uid"], id.uid());

  // An Event per resource created, and one for Ready.
  const auto ev = events();
  EXPECT_NE(ev.find("Created VPC " + vpcs[0].id), std::string::npos) << ev;
  EXPECT_NE(ev.find("Created NAT gateway " + nats[0].id), std::string::npos) << ev;
  EXPECT_NE(ev.find("Created EKS cluster " + eks.arn), std::string::npos) << ev;
  EXPECT_NE(ev.find("Ready: "), std::string::npos) << ev;

  remove("ml-sandbox");
  ASSERT_TRUE(eventually(
      [&] {
        return get("ml-sandbox", ".status.deletionBlockedBy").find("deleting") != std::string::npos;
      },
      kDeadline, kPoll));
  EXPECT_EQ(get("ml-sandbox", ".status.phase"), "Deleting");
  ASSERT_TRUE(eventually([&] { return gone("ml-sandbox"); }, kDeadline, kPoll))
      << get("ml-sandbox", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
}

// Without the defaulting webhook, zoneCount alone is enough: the operator picks the region's
// first usable zones itself.
TEST_F(ClusterLifecycleTest, ZoneCountPicksTheFirstUsableZones) {
  const auto& region = AwsTestEnv::get().region;
  apply(
      "apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\nmetadata: {name: counted}\n"
      "spec:\n  region: " +
      region +
      "\n  kubernetesVersion: \"1.31\"\n"
      "  network: {vpcCIDR: 10.93.0.0/16, zoneCount: 2, natGateways: None}\n");
  ASSERT_TRUE(wait_ready("counted")) << condition("counted", "Ready", "message");
  EXPECT_EQ(get("counted", ".status.network.subnets[*].zone"),
            region + "a " + region + "a " + region + "b " + region + "b");
  const auto id = identity("counted");
  remove("counted");
  ASSERT_TRUE(eventually([&] { return gone("counted"); }, kDeadline, kPoll))
      << get("counted", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
}

TEST_F(ClusterLifecycleTest, BroughtVpcIsUsedAndKept) {
  const auto net = user_network(91, {"a", "b"});
  apply(byo_cluster("byo", net));
  ASSERT_TRUE(wait_ready("byo")) << condition("byo", "Ready", "message");
  EXPECT_EQ(get("byo", ".status.network.vpcID"), net.vpc);
  const auto id = identity("byo");
  auto eks = ok(eks_->describe_cluster(id.eks_name()));
  auto subnet_ids = eks.vpc.subnet_ids;
  std::sort(subnet_ids.begin(), subnet_ids.end());
  auto want = net.subnets;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(subnet_ids, want);
  EXPECT_TRUE(ok(ec2_->describe_vpcs(owned(id))).empty()) << "no VPC of Aura's own";

  remove("byo");
  ASSERT_TRUE(eventually([&] { return gone("byo"); }, kDeadline, kPoll))
      << get("byo", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  // The user's network is still there, untouched.
  expect_kept_and_clean_up(net);
}

// What a child cluster's Service of type LoadBalancer and its VPC CNI leave in the VPC (made here
// through the AWS API, tagged as the AWS Load Balancer Controller and the CNI tag them) is
// deleted before the network, which could not go while they were there.
TEST_F(ClusterLifecycleTest, WhatTheChildClusterLeftInTheVpcIsCleanedBeforeTheNetwork) {
  apply(small_cluster("lbs", "10.93.0.0/16"));
  ASSERT_TRUE(wait_ready("lbs")) << condition("lbs", "Ready", "message");
  const auto id = identity("lbs");
  const auto vpc = get("lbs", ".status.network.vpcID");
  const auto subnet_a = get("lbs", ".status.network.subnets[0].id");
  const auto subnet_b = get("lbs", ".status.network.subnets[1].id");
  ASSERT_FALSE(vpc.empty() || subnet_a.empty() || subnet_b.empty());

  const auto& aws = AwsTestEnv::get();
  auto elbv2 = aws.client(aws::services::kElbV2);
  ok(elbv2->query("CreateLoadBalancer", "2015-12-01",
                  {{"Name", "k8s-default-web-lbs"},
                   {"Subnets.member.1", subnet_a},
                   {"Subnets.member.2", subnet_b},
                   {"Type", "network"},
                   {"Tags.member.1.Key", "elbv2.k8s.aws/cluster"},
                   {"Tags.member.1.Value", id.eks_name()}}));
  const auto sg =
      ok(ec2_->create_security_group({"k8s-traffic-lbs",
                                      "[k8s] Shared Backend SecurityGroup for LoadBalancer",
                                      vpc,
                                      {{"elbv2.k8s.aws/cluster", id.eks_name()}}}));
  const std::string eni = create_network_interface(
      *ec2_, subnet_a, {{"cluster.k8s.amazonaws.com/name", id.eks_name()}});
  ASSERT_FALSE(eni.empty());

  remove("lbs");
  ASSERT_TRUE(eventually([&] { return gone("lbs"); }, kDeadline, kPoll))
      << get("lbs", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  for (const auto& lb : ok(aws::ElbV2Client(elbv2).describe_load_balancers()))
    EXPECT_NE(lb.name, "k8s-default-web-lbs");
  EXPECT_TRUE(ok(ec2_->describe_security_groups({{}, {aws::vpc_filter(vpc)}, 0})).empty());
  EXPECT_TRUE(ok(ec2_->describe_network_interfaces({{}, {aws::vpc_filter(vpc)}, 0})).empty())
      << eni << " or another interface is left";
  auto vpc_after = ec2_->describe_vpcs({{vpc}, {}, 0});
  EXPECT_TRUE(!vpc_after && vpc_after.error().is_not_found()) << "the VPC is gone too; " << sg;
}

// ttlSecondsAfterIdle: a cluster no AIJob uses is deleted that long after it became Ready, and
// everything it made goes with it.
TEST_F(ClusterLifecycleTest, AnIdleClusterIsDeletedAfterItsTtl) {
  apply(small_cluster("idle", "10.94.0.0/16", "  lifecycle: {ttlSecondsAfterIdle: 5}\n"));
  ASSERT_TRUE(wait_ready("idle")) << condition("idle", "Ready", "message");
  const auto id = identity("idle");
  ASSERT_TRUE(eventually([&] { return gone("idle"); }, kDeadline, kPoll))
      << get("idle", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  const auto ev = events();
  EXPECT_NE(ev.find("IdleTimeout: idle (no AIJob running) since"), std::string::npos) << ev;
}

// maxLifetime: a hard deadline from creation, Ready or not (the CRD allows 1m and up; the webhook
// warns under 30m). The deadline is in status from the first pass, and when it passes the
// cluster is deleted wherever provisioning got to, leaving nothing.
TEST_F(ClusterLifecycleTest, AClusterIsDeletedAtItsMaxLifetime) {
  apply(small_cluster("capped", "10.97.0.0/16", "  lifecycle: {maxLifetime: 1m}\n"));
  ASSERT_TRUE(
      eventually([&] { return !get("capped", ".status.expiryTime").empty(); }, kDeadline, kPoll));
  const auto created = get("capped", ".metadata.creationTimestamp");
  const auto expiry = get("capped", ".status.expiryTime");
  const auto id = identity("capped");
  const auto c = parse_rfc3339(created), e = parse_rfc3339(expiry);
  ASSERT_TRUE(c && e) << created << " " << expiry;
  EXPECT_EQ(*e - *c, std::chrono::seconds(60));
  ASSERT_TRUE(eventually([&] { return gone("capped"); }, kDeadline, kPoll))
      << get("capped", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  const auto ev = events();
  EXPECT_NE(ev.find("MaxLifetimeReached: spec.lifecycle.maxLifetime 1m"), std::string::npos) << ev;
}

TEST_F(ClusterLifecycleTest, RetainKeepsTheAwsResources) {
  apply(small_cluster("kept", "10.92.0.0/16", "  lifecycle: {deletionPolicy: Retain}\n"));
  ASSERT_TRUE(wait_ready("kept")) << condition("kept", "Ready", "message");
  const auto id = identity("kept");
  const auto before = inventory(id);
  ASSERT_FALSE(before.empty());
  remove("kept");
  ASSERT_TRUE(eventually([&] { return gone("kept"); }, kDeadline, kPoll));
  EXPECT_EQ(inventory(id), before) << "Retain leaves every resource in place";

  // Clean up with the steps themselves, as the operator would have without Retain.
  api::EphemeralClusterStatus status;
  status.network = api::NetworkStatus{};
  status.iam = api::IAMStatus{};
  reconcilers::cluster::ControlPlaneSteps cp(*eks_, *iam_, id, [] {});
  reconcilers::cluster::NetworkSteps net(*ec2_, id, [] {});
  reconcilers::cluster::IamSteps roles(*iam_, id, [] {});
  int passes = 0;
  while (!ok(cp.remove(status)).done) ASSERT_LT(++passes, 10);
  while (!ok(net.remove(*status.network)).done) ASSERT_LT(++passes, 20);
  while (!ok(roles.remove(*status.iam)).done) ASSERT_LT(++passes, 30);
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
}

TEST_F(ClusterLifecycleTest, AwsErrorsAreRetriedNotStalledAndReadyRestsWithoutAwsCalls) {
  const auto& aws = AwsTestEnv::get();
  // Refused until the fault goes, as if the operator's policy lacked ec2:CreateVpc for a while:
  // not retryable by the SDK, yet nothing the spec could fix.
  const auto fault = aws.admin("POST", "/aura-env/faults",
                               {{"service", "ec2"},
                                {"operation", "CreateVpc"},
                                {"action", "respond"},
                                {"status", 403},
                                {"code", "UnauthorizedOperation"},
                                {"message", "not authorized to perform ec2:CreateVpc"}});
  apply(small_cluster("flaky", "10.93.0.0/16"));
  const bool refused = eventually(
      [&] {
        return condition("flaky", "Reconciling", "reason") == "AWSError" &&
               condition("flaky", "Reconciling", "message").find("UnauthorizedOperation") !=
                   std::string::npos;
      },
      kDeadline, kPoll);
  // Read while the fault still holds: once it goes, the next retry may build everything before
  // a slow kubectl has read the conditions.
  std::map<std::string, std::string> seen;
  for (const auto& [type, field] :
       std::vector<std::pair<std::string, std::string>>{{"Reconciling", "status"},
                                                        {"Stalled", "status"},
                                                        {"NetworkReady", "reason"},
                                                        {"ControlPlaneReady", "reason"},
                                                        {"IAMReady", "status"}})
    seen[type] = condition("flaky", type, field);
  aws.admin("DELETE", "/aura-env/faults/" + fault["ids"][0].get<std::string>());
  ASSERT_TRUE(refused) << condition("flaky", "Reconciling", "message");
  EXPECT_EQ(seen["Reconciling"], "True");
  EXPECT_EQ(seen["Stalled"], "False");
  EXPECT_EQ(seen["NetworkReady"], "AWSError");
  EXPECT_EQ(seen["ControlPlaneReady"], "WaitingForDependencies");
  // IAM does not need the network: it went ahead.
  EXPECT_EQ(seen["IAMReady"], "True");
  ASSERT_TRUE(wait_ready("flaky")) << condition("flaky", "Ready", "message");

  // At rest: a change that is not to the spec wakes the reconciler, which calls no AWS API and
  // writes no status.
  aws.admin("DELETE", "/aura-env/calls");
  const int before = reconciles("flaky");
  auto r = TestEnv::get().kubectl({"label", "ephemeralcluster", "-n", ns_, "flaky", "touched=yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return reconciles("flaky") > before; }, 30s, kPoll));
  const auto labelled = get("flaky", ".metadata.resourceVersion");
  EXPECT_EQ(aws.admin("GET", "/aura-env/calls")["total"], 0);
  EXPECT_EQ(get("flaky", ".status.phase"), "Ready");
  EXPECT_EQ(get("flaky", ".metadata.resourceVersion"), labelled);

  const auto id = identity("flaky");
  remove("flaky");
  ASSERT_TRUE(eventually([&] { return gone("flaky"); }, kDeadline, kPoll))
      << get("flaky", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
}

TEST_F(ClusterLifecycleTest, BroughtVpcInOneZoneStallsNamingTheField) {
  const auto net = user_network(94, {"a", "a"});
  apply(byo_cluster("onezone", net));
  ASSERT_TRUE(
      eventually([&] { return condition("onezone", "Stalled") == "True"; }, kDeadline, kPoll));
  EXPECT_EQ(condition("onezone", "Stalled", "reason"), "InvalidSpec");
  EXPECT_EQ(condition("onezone", "Stalled", "message").rfind("spec.network.subnetIDs", 0), 0u)
      << condition("onezone", "Stalled", "message");
  EXPECT_EQ(get("onezone", ".status.phase"), "Failed");
  EXPECT_EQ(condition("onezone", "Reconciling"), "False");
  const auto id = identity("onezone");
  EXPECT_EQ(inventory(id), std::vector<std::string>{}) << "nothing made for a spec in error";

  remove("onezone");
  ASSERT_TRUE(eventually([&] { return gone("onezone"); }, kDeadline, kPoll));
  expect_kept_and_clean_up(net);
}

TEST_F(ClusterLifecycleTest, AssumeRoleActsAsTheRoleTheSpecNames) {
  const auto& aws = AwsTestEnv::get();
  // A role that trusts the operator's user and may do everything (moto evaluates the role's
  // policy for the session).
  const std::string role_name = "team-" + ns_;
  // The operator's policy (config/iam) assumes only roles tagged for it.
  const auto role =
      role_trusting(role_name, aws.operator_user_arn, {{"aura.io/assumable", "true"}});
  const nlohmann::json allow_all = {
      {"Version", "2012-10-17"},
      {"Statement", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}}};
  ok(iam_->put_role_policy(role_name, "all", allow_all.dump()));

  aws.admin("DELETE", "/aura-env/calls");
  apply(small_cluster("assumed", "10.95.0.0/16",
                      "  assumeRole: {roleARN: \"" + role.arn + "\", externalID: team-42}\n"));
  ASSERT_TRUE(wait_ready("assumed")) << condition("assumed", "Ready", "message");
  const auto calls = aws.admin("GET", "/aura-env/calls")["calls"];
  EXPECT_GE(calls.value("sts:AssumeRole", 0), 1) << calls.dump();
  const auto id = identity("assumed");
  EXPECT_EQ(ok(eks_->describe_cluster(id.eks_name())).status, "ACTIVE");

  remove("assumed");
  ASSERT_TRUE(eventually([&] { return gone("assumed"); }, kDeadline, kPoll))
      << get("assumed", ".status.deletionBlockedBy");
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  ok(iam_->delete_role_policy(role_name, "all"));
  ok(iam_->delete_role(role_name));
}

// Access entries, add-ons and the kubeconfig Secret, against a child kube-apiserver that plays
// the EKS cluster and authenticates EKS bearer tokens through the emulator's token webhook (as
// aws-iam-authenticator does, mapping callers by the cluster's access entries): the Secret's
// kubeconfig, unchanged, reaches the child as a role the spec lists, with the groups and policy
// the spec gives it; a spec update applies add-on and access changes in place; deletion takes
// the Secret too.
TEST_F(ClusterLifecycleTest, AccessEntriesAddonsAndKubeconfigReachTheChildCluster) {
  const auto& aws = AwsTestEnv::get();
  const auto& env = TestEnv::get();
  const std::string role_name = "analyst-" + ns_;
  const auto role = role_trusting(role_name, aws.user_arn);
  const std::string view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
  const std::string access = "  accessEntries:\n  - principalARN: " + role.arn +
                             "\n    kubernetesGroups: [ml-readers]\n    accessPolicies:\n"
                             "    - policyARN: " +
                             view + "\n";
  // The child plays the next EKS cluster created (this test's: tests run one at a time), from
  // its creation on, as an EKS endpoint never changes.
  const std::string child = "acc-" + ns_.substr(ns_.size() - 5);
  auto up = env.envctl({"child", "up", "--dir", env.dir, "--name", child, "--eks-cluster", "*",
                        "--eks-region", aws.region});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  apply(small_cluster("access", "10.94.0.0/16",
                      access + "  addons:\n  - name: vpc-cni\n  - name: kube-proxy\n"));
  const auto id = identity("access");
  ASSERT_TRUE(wait_ready("access")) << condition("access", "Ready", "message");
  EXPECT_EQ(condition("access", "AccessEntriesReady"), "True");
  EXPECT_EQ(condition("access", "AddonsReady"), "True");
  EXPECT_EQ(get("access", ".status.accessEntries[0].principalARN"), role.arn);
  EXPECT_NE(get("access", ".status.accessEntries[0].accessEntryARN"), "");
  EXPECT_EQ(get("access", ".status.addons[*].name"), "vpc-cni kube-proxy");
  const auto entry = ok(eks_->describe_access_entry(id.eks_name(), role.arn));
  EXPECT_EQ(entry.kubernetes_groups, std::vector<std::string>{"ml-readers"});
  const auto policies = ok(eks_->list_associated_access_policies(id.eks_name(), role.arn));
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies[0].policy_arn, view);
  const auto ev = events();
  EXPECT_NE(ev.find("Created access entry for " + role.arn), std::string::npos) << ev;
  EXPECT_NE(ev.find("Created add-on vpc-cni"), std::string::npos) << ev;

  // The Secret's kubeconfig, as a user gets it, with `aws eks get-token` answered by a stand-in
  // that checks its arguments and hands out a token made for the role (what the real CLI does
  // with the user's credentials).
  const std::string secret = get("access", ".status.kubeconfigSecretName");
  ASSERT_EQ(secret, "access-kubeconfig");
  auto data = env.kubectl({"get", "secret", "-n", ns_, secret, "-o", "jsonpath={.data.value}"});
  ASSERT_EQ(data.exit_code, 0) << data.err;
  const auto kubeconfig = base64_decode(data.out);
  ASSERT_TRUE(kubeconfig);
  const auto cluster = ok(eks_->describe_cluster(id.eks_name()));
  EXPECT_NE(kubeconfig->find("server: " + cluster.endpoint), std::string::npos) << *kubeconfig;
  const std::string dir = env.dir + "/" + ns_ + "-aws";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/kubeconfig") << *kubeconfig;
  aws::StsClient sts(aws.client(aws::services::kSts));
  const auto as_role = ok(sts.assume_role({role.arn, "analyst", "", std::chrono::seconds(900)}));
  auto new_token = [&] {
    std::ofstream(dir + "/token") << aws::eks_token(
        as_role, id.eks_name(), aws.region,
        aws::resolve_endpoint(aws::services::kSts, aws.region, aws.env()),
        std::chrono::system_clock::now());
  };
  new_token();
  std::ofstream(dir + "/aws")
      << "#!/bin/sh\n"
         "[ \"$*\" = \"--region " +
             aws.region + " eks get-token --cluster-name " + id.eks_name() +
             " --output json\" ] || { echo \"unexpected: $*\" >&2; exit 2; }\n"
             "printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/"
             "v1beta1\",\"spec\":{},\"status\":{\"token\":\"%s\"}}' \"$(cat " +
             dir + "/token)\"\n";
  std::filesystem::permissions(dir + "/aws", std::filesystem::perms::owner_all);
  auto as_user = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--kubeconfig", dir + "/kubeconfig"});
    auto r = run_process(env.kubectl_path, args,
                         {{"PATH", dir + ":" + std::string(std::getenv("PATH"))}},
                         std::chrono::seconds(60));
    return r ? *r : ProcessResult{-1, "", r.error()};
  };
  auto who = as_user({"auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_NE(who.out.find("ml-readers"), std::string::npos) << who.out;
  EXPECT_NE(who.out.find("aura-env:eks:view"), std::string::npos) << who.out;
  EXPECT_EQ(as_user({"auth", "can-i", "list", "pods", "-A"}).out, "yes\n");
  EXPECT_EQ(as_user({"auth", "can-i", "create", "pods"}).out, "no\n");

  // In place: one add-on moved to another version, the other dropped; the role's entry dropped.
  apply(small_cluster("access", "10.94.0.0/16",
                      "  addons:\n  - name: vpc-cni\n    version: v1.19.6-eksbuild.7\n"));
  ASSERT_TRUE(eventually(
      [&] {
        return get("access", ".status.addons[*].version") == "v1.19.6-eksbuild.7" &&
               get("access", ".status.accessEntries") == "" &&
               condition("access", "Ready") == "True";
      },
      kDeadline, kPoll))
      << get("access", ".status");
  EXPECT_FALSE(eks_->describe_access_entry(id.eks_name(), role.arn));
  EXPECT_FALSE(eks_->describe_addon(id.eks_name(), "kube-proxy"));
  new_token();  // a new token: the apiserver keeps a good authentication for 10 s
  EXPECT_NE(as_user({"auth", "whoami"}).exit_code, 0) << "the dropped entry still lets the role in";

  remove("access");
  ASSERT_TRUE(eventually([&] { return gone("access"); }, kDeadline, kPoll))
      << get("access", ".status.deletionBlockedBy");
  EXPECT_NE(env.kubectl({"get", "secret", "-n", ns_, secret}).exit_code, 0);
  EXPECT_EQ(inventory(id), std::vector<std::string>{});
  EXPECT_EQ(env.envctl({"child", "down", "--dir", env.dir, "--name", child}).exit_code, 0);
  ok(iam_->delete_role(role_name));
}

}  // namespace
}  // namespace aura::testing
