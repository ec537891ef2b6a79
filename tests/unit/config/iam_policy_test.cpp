// Reviews the resource scoping of the IAM policy Aura ships (config/iam/aura-operator-policy.json).
// moto checks actions but ignores conditions and most resource ARNs, so the integration tests
// prove the policy sufficient action by action, and this test proves it narrow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using nlohmann::json;

json load_policy() {
  std::ifstream in(std::string(AURA_REPO_ROOT) + "/config/iam/aura-operator-policy.json");
  return json::parse(in);
}

std::vector<std::string> as_list(const json& v) {
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.get<std::string>());
  return out;
}

// The statements, owned here: ranging over load_policy()["Statement"] would iterate a
// temporary's member after the temporary is gone.
const json& statements() {
  static const json policy = load_policy();
  return policy["Statement"];
}

bool has_condition_key(const json& st, const std::string& key_prefix) {
  if (!st.contains("Condition")) return false;
  for (const auto& [op, kv] : st["Condition"].items())
    for (const auto& [k, _] : kv.items())
      if (k.rfind(key_prefix, 0) == 0) return true;
  return false;
}

// A condition that the resource carries a tag one of a child cluster's controllers sets (the AWS
// Load Balancer Controller, the VPC CNI) naming an Aura cluster: every EKS name Aura makes starts
// with "aura-". What the child leaves behind has none of Aura's own tags.
bool conditioned_on_aura_child_tags(const json& st) {
  if (!st.contains("Condition") || !st["Condition"].contains("StringLike")) return false;
  for (const auto& [k, v] : st["Condition"]["StringLike"].items())
    if ((k == "aws:ResourceTag/elbv2.k8s.aws/cluster" ||
         k == "aws:ResourceTag/cluster.k8s.amazonaws.com/name") &&
        v == "aura-*")
      return true;
  return false;
}

bool is_read_only(const std::string& action) {
  const auto verb = action.substr(action.find(':') + 1);
  return verb.rfind("Describe", 0) == 0 || verb.rfind("List", 0) == 0 || verb.rfind("Get", 0) == 0;
}

TEST(IamPolicy, NoWildcardActionsAndOnlyAllow) {
  for (const auto& st : statements()) {
    EXPECT_EQ(st["Effect"], "Allow");
    for (const auto& a : as_list(st["Action"])) EXPECT_EQ(a.find('*'), std::string::npos) << a;
    EXPECT_FALSE(st.contains("NotAction")) << st.dump();
  }
}

TEST(IamPolicy, Ec2MutationsRequireAuraTags) {
  for (const auto& st : statements()) {
    for (const auto& a : as_list(st["Action"])) {
      if (a.rfind("ec2:", 0) != 0 || is_read_only(a)) continue;
      EXPECT_TRUE(has_condition_key(st, "aws:RequestTag/aura.io/") ||
                  has_condition_key(st, "aws:ResourceTag/aura.io/") ||
                  has_condition_key(st, "ec2:CreateAction") ||
                  ((a == "ec2:DeleteNetworkInterface" || a == "ec2:DetachNetworkInterface" ||
                    a == "ec2:DeleteSecurityGroup") &&
                   conditioned_on_aura_child_tags(st)))
          << a << " in " << st.value("Sid", "") << " is not conditioned on Aura's tags";
    }
  }
}

TEST(IamPolicy, IamLimitedToAuraNames) {
  for (const auto& st : statements()) {
    for (const auto& a : as_list(st["Action"])) {
      if (a.rfind("iam:", 0) != 0 || a == "iam:ListOpenIDConnectProviders") continue;
      for (const auto& r : as_list(st["Resource"])) {
        EXPECT_NE(r, "*") << a;
        const bool aura_name = r.find(":role/aura/") != std::string::npos ||
                               r.find(":instance-profile/aura/aura-") != std::string::npos ||
                               r.find(":oidc-provider/oidc.eks.") != std::string::npos;
        EXPECT_TRUE(aura_name) << a << " on " << r;
      }
    }
    if (as_list(st["Action"]) == std::vector<std::string>{"iam:PassRole"}) {
      EXPECT_TRUE(has_condition_key(st, "iam:PassedToService")) << "PassRole must name the service";
    }
  }
}

TEST(IamPolicy, EksLimitedToAuraClusters) {
  for (const auto& st : statements()) {
    for (const auto& a : as_list(st["Action"])) {
      if (a.rfind("eks:", 0) != 0 || a == "eks:ListClusters" || a == "eks:DescribeAddonVersions")
        continue;
      for (const auto& r : as_list(st["Resource"]))
        EXPECT_NE(r.find("/aura-"), std::string::npos) << a << " on " << r;
    }
  }
}

std::set<std::string> allowed_actions() {
  std::set<std::string> out;
  for (const auto& st : statements())
    for (const auto& a : as_list(st["Action"])) out.insert(a);
  return out;
}

// The values of condition `op` on `key` in a statement, empty when it has none.
std::vector<std::string> condition_values(const json& st, const std::string& op,
                                          const std::string& key) {
  if (!st.contains("Condition") || !st["Condition"].contains(op) ||
      !st["Condition"][op].contains(key))
    return {};
  return as_list(st["Condition"][op][key]);
}

// A change of spec.tags is applied in place (reconcilers/ephemeral_cluster/tags.h): every tag
// call the retagging makes is allowed.
TEST(IamPolicy, RetaggingInPlaceIsAllowed) {
  const auto actions = allowed_actions();
  for (const char* a : {"ec2:CreateTags", "ec2:DeleteTags", "iam:TagRole", "iam:UntagRole",
                        "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
                        "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
                        "eks:TagResource", "eks:UntagResource", "eks:DescribeAddon"})
    EXPECT_TRUE(actions.contains(a)) << a;
}

// EC2 tags outside a create call: only on resources that carry Aura's tag, and never one of
// Aura's own keys (aura.io/*, kubernetes.io/*: ownership and discovery), save the one key that
// marks what deletionPolicy Retain kept.
TEST(IamPolicy, Ec2TagsOfAurasOwnKeysAreNeverChangedAfterTheCreate) {
  for (const auto& st : statements()) {
    const auto actions = as_list(st["Action"]);
    const bool creates =
        std::find(actions.begin(), actions.end(), "ec2:CreateTags") != actions.end();
    const bool deletes =
        std::find(actions.begin(), actions.end(), "ec2:DeleteTags") != actions.end();
    if (!creates && !deletes) continue;
    const std::string sid = st.value("Sid", "");
    if (has_condition_key(st, "ec2:CreateAction")) {
      EXPECT_FALSE(deletes) << sid;
      continue;
    }
    EXPECT_EQ(condition_values(st, "StringEquals", "aws:ResourceTag/aura.io/managed-by"),
              std::vector<std::string>{"aura-operator"})
        << sid;
    const auto only = condition_values(st, "ForAllValues:StringEquals", "aws:TagKeys");
    if (!only.empty()) {
      EXPECT_FALSE(deletes) << sid;
      EXPECT_EQ(only, std::vector<std::string>{"aura.io/retained"}) << sid;
      continue;
    }
    const auto never = condition_values(st, "ForAllValues:StringNotLike", "aws:TagKeys");
    for (const char* key : {"aura.io/*", "kubernetes.io/*"})
      EXPECT_NE(std::find(never.begin(), never.end(), key), never.end()) << sid << " " << key;
  }
}

// AWS counts a managed policy's characters without white space, up to 6,144.
TEST(IamPolicy, FitsInOneManagedPolicy) {
  std::ifstream in(std::string(AURA_REPO_ROOT) + "/config/iam/aura-operator-policy.json");
  std::size_t size = 0;
  for (char c; in.get(c);)
    if (!std::isspace(static_cast<unsigned char>(c))) ++size;
  EXPECT_LE(size, 6144u);
}

TEST(IamPolicy, DestructiveLoadBalancerAndAssumeRoleActionsAreConditioned) {
  for (const auto& st : statements()) {
    for (const auto& a : as_list(st["Action"])) {
      if (a == "elasticloadbalancing:DeleteLoadBalancer" ||
          a == "elasticloadbalancing:DeleteTargetGroup") {
        EXPECT_TRUE(conditioned_on_aura_child_tags(st)) << a << " in " << st.value("Sid", "");
      }
      if (a == "sts:AssumeRole") {
        EXPECT_TRUE(st.contains("Condition")) << a;
      }
    }
  }
}

}  // namespace
