// The AWS client core against moto with authentication on: signatures botocore accepts,
// signatures it refuses, errors parsed as values, retries on throttling.
#include <gtest/gtest.h>

#include "operator/aws/sts.h"
#include "tests/integration/support/aws_env.h"

namespace aura::aws {
namespace {

using testing::AwsTestEnv;

TEST(AwsSts, SignedGetCallerIdentityIsAccepted) {
  StsClient sts(AwsTestEnv::get().client(services::kSts));
  auto id = sts.get_caller_identity();
  ASSERT_TRUE(id) << id.error().str();
  EXPECT_EQ(id->arn, AwsTestEnv::get().user_arn);
  EXPECT_EQ(id->account, AwsTestEnv::get().account_id);
}

TEST(AwsSts, WrongSecretIsRefusedWithAClearError) {
  const auto& env = AwsTestEnv::get();
  Credentials bad = env.credentials;
  bad.secret_access_key = "not-the-secret";
  AwsClientOptions opts;
  opts.env = env.env();
  auto client = std::make_shared<AwsClient>(services::kSts, env.region,
                                            std::make_shared<StaticCredentialsProvider>(bad),
                                            env.http(), opts);
  auto id = StsClient(client).get_caller_identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, "SignatureDoesNotMatch") << id.error().str();
  EXPECT_EQ(id.error().http_status, 403);
  EXPECT_EQ(id.error().operation, "GetCallerIdentity");
  EXPECT_EQ(id.error().str().find("not-the-secret"), std::string::npos) << "no secret in errors";
}

TEST(AwsSts, UnknownAccessKeyIsRefused) {
  const auto& env = AwsTestEnv::get();
  Credentials bad{"AKIAUNKNOWNKEY000000", "x", "", std::nullopt, "test"};
  AwsClientOptions opts;
  opts.env = env.env();
  auto client = std::make_shared<AwsClient>(services::kSts, env.region,
                                            std::make_shared<StaticCredentialsProvider>(bad),
                                            env.http(), opts);
  auto id = StsClient(client).get_caller_identity();
  ASSERT_FALSE(id);
  EXPECT_FALSE(id.error().code.empty()) << id.error().str();
  EXPECT_FALSE(id.error().is_retryable()) << "an auth failure surfaces at once";
}

TEST(AwsSts, UnreachableEndpointIsATransportErrorNotAHang) {
  AwsClientOptions opts;
  opts.env = [](std::string_view n) -> std::optional<std::string> {
    if (n == "AWS_ENDPOINT_URL") return "http://127.0.0.1:9";  // discard port: refused
    return std::nullopt;
  };
  opts.retry.max_attempts = 2;
  opts.retry.base_delay = std::chrono::milliseconds(1);
  auto client = std::make_shared<AwsClient>(
      services::kSts, "us-east-1",
      std::make_shared<StaticCredentialsProvider>(AwsTestEnv::get().credentials),
      AwsTestEnv::get().http(), opts);
  auto id = StsClient(client).get_caller_identity();
  ASSERT_FALSE(id);
  EXPECT_TRUE(id.error().is_transport()) << id.error().str();
}

}  // namespace
}  // namespace aura::aws
