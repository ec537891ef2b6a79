// Names, ownership tags and idempotency tokens of one EphemeralCluster's AWS resources.
#include "reconcilers/ephemeral_cluster/identity.h"

#include <gtest/gtest.h>

#include <regex>

namespace aura::reconcilers::cluster {
namespace {

const std::string kUid = "6f1c2d3e-0000-4000-8000-123456789abc";

TEST(ClusterIdentity, NamesAreDeterministicPrefixedAndUniquePerUid) {
  ClusterIdentity id("ml-team", "ml-sandbox", kUid);
  EXPECT_TRUE(id.eks_name().starts_with("aura-ml-team-ml-sandbox-")) << id.eks_name();
  EXPECT_EQ(id.eks_name(), ClusterIdentity("ml-team", "ml-sandbox", kUid).eks_name());
  EXPECT_NE(id.eks_name(), ClusterIdentity("ml-team", "ml-sandbox", "other-uid").eks_name());
  EXPECT_TRUE(id.iam_role_name("cluster").starts_with("aura-"));
  EXPECT_TRUE(id.iam_role_name("cluster").ends_with("-cluster"));
  EXPECT_NE(id.iam_role_name("cluster"), id.iam_role_name("node"));
  // EKS cluster names: [0-9A-Za-z][A-Za-z0-9-_]*.
  EXPECT_TRUE(std::regex_match(id.eks_name(), std::regex("[0-9A-Za-z][A-Za-z0-9_-]*")));
}

TEST(ClusterIdentity, LongNamesFitTheLimitsAndKeepTheUidHash) {
  const std::string ns(63, 'n');
  const std::string name(200, 'c');
  ClusterIdentity a(ns, name, kUid), b(ns, name, "another-uid");
  EXPECT_LE(a.eks_name().size(), 100u);
  EXPECT_LE(a.iam_role_name("cluster").size(), 64u);
  EXPECT_LE(a.instance_profile_name().size(), 64u);
  EXPECT_NE(a.eks_name(), b.eks_name());
  EXPECT_NE(a.iam_role_name("node"), b.iam_role_name("node"));
  EXPECT_TRUE(a.iam_role_name("node").ends_with("-node"));
  // A cut never leaves "--".
  ClusterIdentity dash(std::string(40, 'a') + "-" + std::string(40, 'b'), "x", kUid);
  EXPECT_EQ(dash.iam_role_name("cluster").find("--"), std::string::npos);
}

TEST(ClusterIdentity, TagsCarryOwnershipAndOursWinOverTheUsers) {
  ClusterIdentity id("ml-team", "ml-sandbox", kUid,
                     {{"team", "ml"}, {"aura.io/cluster-uid", "spoofed"}});
  const auto t = id.tags("vpc");
  EXPECT_EQ(t.at("aura.io/managed-by"), "aura-operator");
  EXPECT_EQ(t.at("aura.io/cluster-uid"), kUid);
  EXPECT_EQ(t.at("aura.io/cluster"), "ml-team/ml-sandbox");
  EXPECT_EQ(t.at("kubernetes.io/cluster/" + id.eks_name()), "owned");
  EXPECT_EQ(t.at("aura.io/role"), "vpc");
  EXPECT_EQ(t.at("Name"), id.eks_name() + "-vpc");
  EXPECT_EQ(t.at("team"), "ml");
  for (const auto& [k, v] : id.ownership_tags()) EXPECT_EQ(t.at(k), v);
}

TEST(ClusterIdentity, ClientTokensAreStablePerStepAndFitEc2) {
  ClusterIdentity id("ml-team", "ml-sandbox", kUid);
  EXPECT_EQ(id.client_token("nat-us-east-1a"), id.client_token("nat-us-east-1a"));
  EXPECT_NE(id.client_token("nat-us-east-1a"), id.client_token("nat-us-east-1b"));
  EXPECT_NE(id.client_token("eks"),
            ClusterIdentity("ml-team", "ml-sandbox", "u2").client_token("eks"));
  EXPECT_LE(id.client_token("eks").size(), 64u);
}

}  // namespace
}  // namespace aura::reconcilers::cluster
