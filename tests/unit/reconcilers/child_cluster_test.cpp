// Reaching a child cluster: the EKS bearer token is made locally and reused until well before
// the authenticator's 15 minutes run out; which child objects make load balancers.
#include "reconcilers/common/child_cluster.h"

#include <gtest/gtest.h>

#include "operator/aws/client.h"
#include "operator/common/base64.h"
#include "reconcilers/ephemeral_cluster/child_load_balancers.h"
#include "tests/unit/support/manual_clock.h"

namespace aura::reconcilers {
namespace {

using namespace std::chrono_literals;

using aura::testing::ManualClock;

class CountingCredentials : public aws::CredentialsProvider {
 public:
  std::expected<aws::Credentials, std::string> get() override {
    ++calls;
    return aws::Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt, "test"};
  }
  std::string name() const override { return "counting"; }
  int calls = 0;
};

std::string presigned_url(const std::string& token) {
  const std::string prefix = "k8s-aws-v1.";
  EXPECT_EQ(token.rfind(prefix, 0), 0u) << token;
  std::string b64 = token.substr(prefix.size());
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4) b64 += '=';
  return base64_decode(b64).value_or("");
}

TEST(EksTokenSource, MadeLocallyReusedTenMinutesThenRenewed) {
  auto creds = std::make_shared<CountingCredentials>();
  auto clock = std::make_shared<ManualClock>();
  EksTokenSource source(creds, "aura-ml-train", "eu-west-1",
                        {"https://sts.eu-west-1.amazonaws.com", "eu-west-1", false}, clock);
  const auto first = source.token();
  ASSERT_TRUE(first) << first.error();
  const auto url = presigned_url(*first);
  EXPECT_EQ(url.rfind("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity", 0), 0u)
      << url;
  EXPECT_NE(url.find("x-k8s-aws-id"), std::string::npos) << "the cluster name header is signed";

  clock->t += 9min;
  EXPECT_EQ(source.token().value_or(""), *first);
  EXPECT_EQ(creds->calls, 1);

  clock->t += 2min;  // 11 minutes: too close to the 15 the authenticator allows
  const auto renewed = source.token();
  ASSERT_TRUE(renewed);
  EXPECT_NE(*renewed, *first);
  EXPECT_EQ(creds->calls, 2);

  source.invalidate();  // after a 401
  EXPECT_TRUE(source.token());
  EXPECT_EQ(creds->calls, 3);
}

TEST(EksTokenSource, NoCredentialsIsAnErrorNotAnEmptyToken) {
  EksTokenSource source(nullptr, "c", "us-east-1",
                        {"https://sts.amazonaws.com", "us-east-1", false},
                        std::make_shared<ManualClock>());
  EXPECT_FALSE(source.token());
}

TEST(ChildClient, NeedsAnEndpointAndACertificateAuthority) {
  aws::EksClient eks(
      std::make_shared<aws::AwsClient>(aws::services::kEks, "us-east-1", nullptr, nullptr));
  aws::eks::Cluster cluster;
  cluster.name = "c";
  EXPECT_EQ(child_client(eks, cluster).error(), "EKS reports no endpoint yet");
  cluster.endpoint = "https://ABC.gr7.us-east-1.eks.amazonaws.com";
  EXPECT_EQ(child_client(eks, cluster).error(), "EKS reports no certificate authority yet");
}

TEST(ChildLoadBalancers, OnlyServicesOfTypeLoadBalancerMakeOne) {
  using cluster::makes_load_balancer;
  EXPECT_TRUE(makes_load_balancer({{"spec", {{"type", "LoadBalancer"}}}}));
  EXPECT_FALSE(makes_load_balancer({{"spec", {{"type", "NodePort"}}}}));
  EXPECT_FALSE(makes_load_balancer({{"spec", {{"type", "ClusterIP"}}}}));
  EXPECT_FALSE(makes_load_balancer({{"metadata", {{"name", "x"}}}}));
}

}  // namespace
}  // namespace aura::reconcilers
