// A change of spec.tags on a live EphemeralCluster is applied in place (issue 5): the operator
// process, as the IAM user holding only the shipped policy, retags every resource it made
// (EC2 in batches, IAM roles, instance profile, OIDC provider, the EKS cluster, its add-on and
// access entry) against the local kube-apiserver and moto, records status.appliedTags, and
// leaves Aura's own tags and a VPC the user brought alone. Creation itself makes no tag call.
#include <gtest/gtest.h>

#include "operator/kube/resource.h"
#include "tests/integration/support/cluster_test.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using reconcilers::cluster::ClusterIdentity;

constexpr auto kPoll = 500ms;

// Every tag call the retagging can make, by the emulator's "service:Operation" counts.
constexpr const char* kTagCalls[] = {"ec2:CreateTags",
                                     "ec2:DeleteTags",
                                     "iam:TagRole",
                                     "iam:UntagRole",
                                     "iam:TagInstanceProfile",
                                     "iam:UntagInstanceProfile",
                                     "iam:TagOpenIDConnectProvider",
                                     "iam:UntagOpenIDConnectProvider",
                                     "eks:TagResource",
                                     "eks:UntagResource"};

class ClusterTagsTest : public ClusterOperatorTest {
 protected:
  ClusterTagsTest() : ClusterOperatorTest("tags") {}

  static std::string tags_yaml(const aws::Tags& tags) {
    std::string out = "  tags:\n";
    for (const auto& [k, v] : tags) out += "    " + k + ": \"" + v + "\"\n";
    return out;
  }
  // status.appliedTags, read through the API.
  aws::Tags applied(const std::string& name) {
    auto obj = TestEnv::get().client()->get(kube::resources::kEphemeralCluster, ns_, name);
    if (!obj || !obj->contains("status")) return {};
    return (*obj)["status"].value("appliedTags", json::object()).get<aws::Tags>();
  }
  // spec.tags replaced by `tags` (a merge patch: keys not in `tags` are removed).
  void set_tags(const std::string& name, const aws::Tags& old_tags, const aws::Tags& tags) {
    json patch_tags = tags;
    for (const auto& [k, _] : old_tags)
      if (!tags.contains(k)) patch_tags[k] = nullptr;
    auto r = TestEnv::get().kubectl({"patch", "ephemeralcluster", "-n", ns_, name, "--type=merge",
                                     "-p", json{{"spec", {{"tags", patch_tags}}}}.dump()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  bool wait_applied(const std::string& name, const aws::Tags& tags) {
    return eventually([&] { return applied(name) == tags && k_.ready(name); }, kClusterDeadline,
                      kPoll);
  }
  // The user's tags are `want` and none of `gone`, and Aura's own are intact.
  void expect_tags(aws::Tags have, const ClusterIdentity& id, const aws::Tags& want,
                   const std::vector<std::string>& gone, const std::string& what) {
    for (const auto& [k, v] : want) EXPECT_EQ(have[k], v) << what << " " << k;
    for (const auto& k : gone) EXPECT_FALSE(have.contains(k)) << what << " still has " << k;
    EXPECT_EQ(have["aura.io/managed-by"], "aura-operator") << what;
    EXPECT_EQ(have["aura.io/cluster-uid"], id.uid()) << what;
    EXPECT_EQ(have["aura.io/cluster"], ns_ + "/" + cluster_) << what;
    EXPECT_EQ(have["kubernetes.io/cluster/" + id.eks_name()], "owned") << what;
    EXPECT_FALSE(have["aura.io/role"].empty()) << what;
    EXPECT_FALSE(have["Name"].empty()) << what;
  }
  ClusterIdentity identity(const std::string& name) {
    cluster_ = name;
    return k_.identity(name);
  }
  // How many tag calls (kTagCalls) the emulator has counted since its counts were reset.
  int tag_calls() {
    const auto calls = AwsTestEnv::get().admin("GET", "/aura-env/calls")["calls"];
    int n = 0;
    for (const char* c : kTagCalls) n += calls.value(c, 0);
    return n;
  }
  // Every network resource Aura made for the cluster, with its tags.
  std::vector<std::pair<std::string, aws::Tags>> network_tags(const ClusterIdentity& id) {
    const aws::DescribeQuery q{{}, aws::tag_filters(id.ownership_tags()), 0};
    std::vector<std::pair<std::string, aws::Tags>> out;
    for (const auto& v : ok(ec2_->describe_vpcs(q))) out.emplace_back(v.id, v.tags);
    for (const auto& s : ok(ec2_->describe_subnets(q))) out.emplace_back(s.id, s.tags);
    for (const auto& g : ok(ec2_->describe_internet_gateways(q))) out.emplace_back(g.id, g.tags);
    for (const auto& a : ok(ec2_->describe_addresses(q))) out.emplace_back(a.allocation_id, a.tags);
    for (const auto& n : ok(ec2_->describe_nat_gateways(q))) out.emplace_back(n.id, n.tags);
    for (const auto& t : ok(ec2_->describe_route_tables(q))) out.emplace_back(t.id, t.tags);
    for (const auto& g : ok(ec2_->describe_security_groups(q))) out.emplace_back(g.id, g.tags);
    return out;
  }
  void delete_and_expect_nothing_left(const std::string& name, const ClusterIdentity& id) {
    k_.remove(name);
    ASSERT_TRUE(eventually([&] { return k_.gone(name); }, kClusterDeadline, kPoll))
        << k_.get(name, ".status.deletionBlockedBy");
    EXPECT_EQ(cluster_inventory(id), std::vector<std::string>{});
  }

  std::string cluster_;  // the test's cluster, once identity() was asked
};

TEST_F(ClusterTagsTest, ChangedTagsReachEveryResourceAndAurasStayIntact) {
  const auto& aws = AwsTestEnv::get();
  // An access entry for a role of the test's, and an add-on: EKS resources Aura tags at birth.
  aws::iam::CreateRoleRequest role_req;
  role_req.name = "tagged-" + ns_;
  role_req.path = "/";
  role_req.assume_role_policy_document = json{
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Effect", "Allow"},
         {"Principal", {{"AWS", aws.user_arn}}},
         {"Action", "sts:AssumeRole"}}}}}.dump();
  const auto role = ok(iam_->create_role(role_req));
  const aws::Tags before{{"team", "ml"}, {"cost-center", "1"}, {"owner", "ana"}};
  const std::string extra = tags_yaml(before) + "  accessEntries:\n  - principalARN: " + role.arn +
                            "\n  addons:\n  - name: vpc-cni\n";
  aws.admin("DELETE", "/aura-env/calls");
  k_.apply(cluster_manifest("tagged", "10.96.0.0/16", "Single", extra));
  ASSERT_TRUE(wait_applied("tagged", before)) << k_.condition("tagged", "Ready", "message");
  EXPECT_EQ(tag_calls(), 0) << "resources are born with their tags: "
                            << aws.admin("GET", "/aura-env/calls").dump();
  EXPECT_EQ(k_.condition("tagged", "TagsApplied"), "True");
  const auto id = identity("tagged");

  // One value changed, one key added, one removed.
  const aws::Tags after{{"team", "ml"}, {"cost-center", "2"}, {"env", "dev"}};
  set_tags("tagged", before, after);
  ASSERT_TRUE(wait_applied("tagged", after)) << k_.get("tagged", ".status");
  EXPECT_EQ(k_.condition("tagged", "TagsApplied"), "True");
  EXPECT_EQ(k_.get("tagged", ".status.phase"), "Ready");
  const std::vector<std::string> gone{"owner"};

  // EC2: VPC, 4 subnets, gateway, elastic IP, NAT gateway, 3 route tables, security group.
  const auto network = network_tags(id);
  EXPECT_EQ(network.size(), 12u);
  for (const auto& [resource, tags] : network) expect_tags(tags, id, after, gone, resource);
  for (auto [resource, tags] : network) {  // subnets keep the tags load balancers look for
    if (!resource.starts_with("subnet-")) continue;
    EXPECT_TRUE(tags["kubernetes.io/role/elb"] == "1" ||
                tags["kubernetes.io/role/internal-elb"] == "1")
        << resource;
  }

  // IAM: both roles, the instance profile, the OIDC provider.
  for (const char* r : {"cluster", "node"})
    expect_tags(ok(iam_->list_role_tags(id.iam_role_name(r))), id, after, gone,
                std::string("role ") + r);
  expect_tags(ok(iam_->get_instance_profile(id.instance_profile_name())).tags, id, after, gone,
              "instance profile");
  expect_tags(
      ok(iam_->get_open_id_connect_provider(k_.get("tagged", ".status.oidcProviderARN"))).tags, id,
      after, gone, "OIDC provider");

  // EKS: the cluster, its add-on and its access entry.
  expect_tags(ok(eks_->describe_cluster(id.eks_name())).tags, id, after, gone, "EKS cluster");
  expect_tags(ok(eks_->describe_addon(id.eks_name(), "vpc-cni")).tags, id, after, gone, "add-on");
  expect_tags(ok(eks_->describe_access_entry(id.eks_name(), role.arn)).tags, id, after, gone,
              "access entry");

  // 12 network resources, 2 roles, the profile, the provider, the cluster, add-on and entry.
  const auto ev = k_.events();
  EXPECT_NE(ev.find("TagsUpdated: Updated tags on 19 resources: set cost-center, env; "
                    "removed owner"),
            std::string::npos)
      << ev;

  delete_and_expect_nothing_left("tagged", id);
  ok(iam_->delete_role(role.name));
}

// Resources made before a change that comes while the cluster is still being built end up
// retagged too: the retagging waits for the last step, then covers everything.
TEST_F(ClusterTagsTest, AChangeWhileProvisioningReachesWhatWasAlreadyMade) {
  const aws::Tags before{{"team", "ml"}, {"owner", "ana"}};
  const json selector = {{"aura.io/cluster", ns_ + "/early"}};
  AwsTestEnv::get().post_state({{"kind", "eks-cluster"},
                                {"tags", selector},
                                {"phase", "create"},
                                {"state", "CREATING"},
                                {"describes", 4}});
  k_.apply(cluster_manifest("early", "10.97.0.0/16", "None", tags_yaml(before)));
  ASSERT_TRUE(eventually(
      [&] {
        return k_.condition("early", "Reconciling", "message").find("CREATING") !=
               std::string::npos;
      },
      kClusterDeadline, kPoll))
      << k_.condition("early", "Reconciling", "message");
  EXPECT_EQ(applied("early"), before);
  EXPECT_EQ(k_.condition("early", "TagsApplied", "reason"), "WaitingForDependencies");
  const auto id = identity("early");
  const aws::Tags after{{"team", "research"}};
  set_tags("early", before, after);
  // The new spec seen while the control plane is still CREATING: nothing retagged yet.
  ASSERT_TRUE(eventually(
      [&] {
        return k_.get("early", ".status.observedGeneration") ==
               k_.get("early", ".metadata.generation");
      },
      kClusterDeadline, kPoll));
  EXPECT_EQ(k_.get("early", ".status.phase"), "Provisioning");
  EXPECT_EQ(applied("early"), before);
  ASSERT_TRUE(wait_applied("early", after)) << k_.get("early", ".status");
  for (const auto& [resource, tags] : network_tags(id))
    expect_tags(tags, id, after, {"owner"}, resource);
  expect_tags(ok(iam_->list_role_tags(id.iam_role_name("node"))), id, after, {"owner"},
              "node role");
  expect_tags(ok(eks_->describe_cluster(id.eks_name())).tags, id, after, {"owner"}, "EKS cluster");
  delete_and_expect_nothing_left("early", id);
}

// A VPC and subnets the user brought keep their tags; what Aura made for the cluster is
// retagged.
TEST_F(ClusterTagsTest, ABroughtVpcIsNeverRetagged) {
  const auto& region = AwsTestEnv::get().region;
  const aws::Tags theirs{{"owner", "network-team"}};
  const auto vpc = ok(ec2_->create_vpc({"10.98.0.0/16", theirs})).id;
  const std::vector<std::string> subnets{
      ok(ec2_->create_subnet({vpc, "10.98.1.0/24", region + "a", "", theirs})).id,
      ok(ec2_->create_subnet({vpc, "10.98.2.0/24", region + "b", "", theirs})).id};
  const aws::Tags before{{"team", "ml"}};
  k_.apply(
      "apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\nmetadata: {name: byo}\n"
      "spec:\n  region: " +
      region + "\n  kubernetesVersion: \"1.31\"\n  network: {vpcID: " + vpc + ", subnetIDs: [" +
      subnets[0] + ", " + subnets[1] + "]}\n" + tags_yaml(before));
  ASSERT_TRUE(wait_applied("byo", before)) << k_.condition("byo", "Ready", "message");
  const auto id = identity("byo");
  const aws::Tags after{{"team", "research"}, {"owner", "ml-team"}};
  set_tags("byo", before, after);
  ASSERT_TRUE(wait_applied("byo", after)) << k_.get("byo", ".status");
  expect_tags(ok(iam_->list_role_tags(id.iam_role_name("cluster"))), id, after, {}, "cluster role");
  EXPECT_EQ(ok(ec2_->describe_vpcs({{vpc}, {}, 0})).at(0).tags, theirs);
  for (const auto& s : ok(ec2_->describe_subnets({subnets, {}, 0}))) EXPECT_EQ(s.tags, theirs);

  delete_and_expect_nothing_left("byo", id);
  for (const auto& s : subnets) ok(ec2_->delete_subnet(s));
  ok(ec2_->delete_vpc(vpc));
}

}  // namespace
}  // namespace aura::testing
