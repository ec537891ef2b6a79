// A change of spec.tags applied in place (reconcilers/ephemeral_cluster/tags.h): what changes
// between status.appliedTags and spec.tags, which resources are retagged, and that a cluster
// whose tags are up to date makes no AWS call.
#include "reconcilers/ephemeral_cluster/tags.h"

#include <gtest/gtest.h>

#include "tests/unit/reconcilers/cluster_status_fixture.h"

namespace aura::reconcilers::cluster {
namespace {

TEST(TagDiff, ChangedAddedAndRemovedKeysOnly) {
  const Tags applied{{"team", "ml"}, {"cost-center", "1"}, {"owner", "ana"}};
  const Tags wanted{{"team", "ml"}, {"cost-center", "2"}, {"env", "dev"}};
  const auto d = diff_tags(applied, wanted);
  EXPECT_EQ(d.set, (Tags{{"cost-center", "2"}, {"env", "dev"}}));
  EXPECT_EQ(d.remove, std::vector<std::string>{"owner"});
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(diff_tags(wanted, wanted).empty());
  EXPECT_TRUE(diff_tags({}, {}).empty());
}

TEST(TagDiff, AurasOwnKeysAreNeitherSetNorRemoved) {
  const Tags applied{{"Name", "mine"}, {"karpenter.sh/discovery", "x"}, {"team", "ml"}};
  const Tags wanted{{"Name", "other"}, {"kubernetes.io/role/elb", "0"}, {"aura.io/cluster", "x"}};
  const auto d = diff_tags(applied, wanted);
  EXPECT_TRUE(d.set.empty());
  EXPECT_EQ(d.remove, std::vector<std::string>{"team"});
}

TEST(TagDiff, AuraKeysAreTheOnesThePolicyProtects) {
  for (const char* k :
       {"aura.io/managed-by", "aura.io/cluster-uid", "aura.io/cluster", "aura.io/role",
        "kubernetes.io/cluster/aura-x", "kubernetes.io/role/elb", "kubernetes.io/role/internal-elb",
        "karpenter.sh/discovery", "Name", "aws:cloudformation:stack-name"})
    EXPECT_TRUE(is_aura_tag_key(k)) << k;
  for (const char* k : {"team", "name", "karpenter.sh/other", "aura.iox", "cost-center"})
    EXPECT_FALSE(is_aura_tag_key(k)) << k;
  // Every key a resource is born with beside the user's is Aura's.
  const ClusterIdentity id("ns", "c", "uid-1", {{"team", "ml"}});
  for (const auto& [k, _] : id.tags("subnet-private-a"))
    EXPECT_EQ(is_aura_tag_key(k), k != "team") << k;
}

TEST(RetagTargets, EveryResourceAuraMadeAndNothingEksMade) {
  const ClusterIdentity id("ns", "c", "uid-1");
  const auto t = retag_targets(full_status(), id, true);
  EXPECT_EQ(t.ec2_ids, (std::vector<std::string>{"vpc-1", "subnet-a", "subnet-b", "igw-1",
                                                 "eipalloc-1", "nat-1", "rtb-1", "rtb-2", "sg-1"}));
  EXPECT_EQ(t.iam_roles,
            (std::vector<std::string>{id.iam_role_name("cluster"), id.iam_role_name("node")}));
  EXPECT_EQ(t.instance_profiles, std::vector<std::string>{"aura-ns-c-0000-node"});
  EXPECT_EQ(t.oidc_providers, std::vector<std::string>{"arn:aws:iam::1:oidc-provider/x"});
  EXPECT_EQ(t.eks_arns, (std::vector<std::string>{"arn:aws:eks:us-east-1:1:cluster/c",
                                                  "arn:aws:eks:us-east-1:1:access-entry/c/r"}));
  EXPECT_EQ(t.addons, std::vector<std::string>{"vpc-cni"});
}

TEST(RetagTargets, TheUsersNetworkIsNeverTouched) {
  const ClusterIdentity id("ns", "c", "uid-1");
  const auto t = retag_targets(full_status(), id, false);
  EXPECT_TRUE(t.ec2_ids.empty());
  EXPECT_EQ(t.iam_roles.size(), 2u);
  EXPECT_EQ(t.eks_arns.size(), 2u);
}

TEST(RetagTargets, OnlyWhatStatusNames) {
  const ClusterIdentity id("ns", "c", "uid-1");
  const auto t = retag_targets({}, id, true);
  EXPECT_TRUE(t.ec2_ids.empty() && t.iam_roles.empty() && t.instance_profiles.empty() &&
              t.oidc_providers.empty() && t.eks_arns.empty() && t.addons.empty());
}

TEST(Ec2TagBatches, AtMostAThousandIdsACall) {
  std::vector<std::string> ids;
  for (int i = 0; i < 2500; ++i) ids.push_back("vpc-" + std::to_string(i));
  const auto batches = ec2_tag_batches(ids);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 1000u);
  EXPECT_EQ(batches[2].size(), 500u);
  EXPECT_EQ(batches[2].back(), "vpc-2499");
  EXPECT_TRUE(ec2_tag_batches({}).empty());
}

TEST(DescribeUpdate, SaysHowManyResourcesAndWhichKeys) {
  TagDiff d{{{"cost-center", "2"}, {"env", "dev"}}, {"owner"}};
  EXPECT_EQ(describe_update(14, d),
            "Updated tags on 14 resources: set cost-center, env; removed owner");
  EXPECT_EQ(describe_update(3, TagDiff{{}, {"a", "b"}}),
            "Updated tags on 3 resources: removed a, b");
}

// Clients with no transport: any AWS call would crash the test.
struct NoAws {
  aws::Ec2Client ec2{nullptr};
  aws::IamClient iam{nullptr};
  aws::EksClient eks{nullptr};
  ClusterIdentity id{"ns", "c", "uid-1"};
  int records = 0;
  TagSteps steps{ec2, iam, eks, id, [this] { ++records; }};
};

TEST(TagSteps, UpToDateTagsCostNoCallAndNoWrite) {
  NoAws t;
  auto status = full_status();
  status.appliedTags = {{"team", "ml"}};
  auto r = t.steps.ensure({{"team", "ml"}}, true, status);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->done);
  EXPECT_EQ(t.records, 0);
  EXPECT_TRUE(t.steps.updated().empty());
}

TEST(TagSteps, AChangeOfAurasKeysOnlyIsRecordedWithoutACall) {
  NoAws t;
  auto status = full_status();
  status.appliedTags = {{"team", "ml"}};
  const Tags wanted{{"team", "ml"}, {"Name", "x"}};
  auto r = t.steps.ensure(wanted, true, status);
  ASSERT_TRUE(r);
  EXPECT_EQ(status.appliedTags, wanted);
  EXPECT_EQ(t.records, 1);
  EXPECT_TRUE(t.steps.updated().empty());
}

}  // namespace
}  // namespace aura::reconcilers::cluster
