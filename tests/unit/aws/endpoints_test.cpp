#include "operator/aws/endpoints.h"

#include <gtest/gtest.h>

#include <map>

#include "operator/aws/error.h"

namespace aura::aws {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view n) -> std::optional<std::string> {
    auto it = vars.find(std::string(n));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Endpoints, PartitionDefaults) {
  EXPECT_EQ(resolve_endpoint(services::kEc2, "eu-west-1", env_of({})).url,
            "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(services::kEks, "cn-north-1", env_of({})).url,
            "https://eks.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_endpoint(services::kSts, "us-gov-west-1", env_of({})).url,
            "https://sts.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(services::kElbV2, "us-east-2", env_of({})).url,
            "https://elasticloadbalancing.us-east-2.amazonaws.com");
}

TEST(Endpoints, IamIsGlobalPerPartitionAndSignsInItsHomeRegion) {
  auto aws = resolve_endpoint(services::kIam, "eu-central-1", env_of({}));
  EXPECT_EQ(aws.url, "https://iam.amazonaws.com");
  EXPECT_EQ(aws.signing_region, "us-east-1");
  auto cn = resolve_endpoint(services::kIam, "cn-northwest-1", env_of({}));
  EXPECT_EQ(cn.url, "https://iam.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(cn.signing_region, "cn-north-1");
  EXPECT_EQ(resolve_endpoint(services::kIam, "us-gov-east-1", env_of({})).signing_region,
            "us-gov-west-1");
}

TEST(Endpoints, ServiceSpecificOverrideBeatsGlobalOverride) {
  auto env = env_of({{"AWS_ENDPOINT_URL", "http://localhost:5000/"},
                     {"AWS_ENDPOINT_URL_EKS", "http://localhost:6000"}});
  EXPECT_EQ(resolve_endpoint(services::kEks, "us-east-1", env).url, "http://localhost:6000");
  auto ec2 = resolve_endpoint(services::kEc2, "us-east-1", env);
  EXPECT_EQ(ec2.url, "http://localhost:5000");
  EXPECT_TRUE(ec2.custom);
  EXPECT_EQ(resolve_endpoint(services::kTagging, "us-east-1",
                             env_of({{"AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", "http://t"}}))
                .url,
            "http://t");
}

TEST(AwsError, Classification) {
  AwsError throttled{"ec2", "DescribeVpcs", 503, "RequestLimitExceeded", "", "", false};
  EXPECT_TRUE(throttled.is_throttling());
  EXPECT_TRUE(throttled.is_retryable());
  AwsError dep{"ec2", "DeleteVpc", 400, "DependencyViolation", "", "", false};
  EXPECT_TRUE(dep.is_dependency_violation());
  EXPECT_FALSE(dep.is_retryable());
  EXPECT_TRUE(
      (AwsError{"ec2", "DeleteVpc", 400, "InvalidVpcID.NotFound", "", "", false}).is_not_found());
  EXPECT_TRUE((AwsError{"iam", "CreateRole", 409, "EntityAlreadyExists", "", "", false})
                  .is_already_exists());
  AwsError transport{"eks", "DescribeCluster", 0, "", "refused", "", false};
  EXPECT_TRUE(transport.is_retryable());
  EXPECT_NE(transport.str().find("no answer"), std::string::npos);
}

}  // namespace
}  // namespace aura::aws
