// Retries, backoff and the retry quota against moto behind the fault layer of tests/env:
// throttling, 500s, dropped connections and latency, injected per operation.
#include <gtest/gtest.h>

#include "operator/aws/sts.h"
#include "tests/integration/support/aws_env.h"

namespace aura::aws {
namespace {

using namespace std::chrono_literals;
using testing::AwsTestEnv;

class AwsFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin("DELETE", "/aura-env/faults");
    admin("DELETE", "/aura-env/calls");
  }
  void TearDown() override { admin("DELETE", "/aura-env/faults"); }

  nlohmann::json admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = {}) {
    return AwsTestEnv::get().admin(method, path, body);
  }
  int calls(const std::string& op) {
    auto c = admin("GET", "/aura-env/calls");
    return c["calls"].value(op, 0);
  }
  AwsClientPtr client(const ServiceInfo& s, int max_attempts = 3, int quota = 500) {
    AwsClientOptions o;
    o.retry.max_attempts = max_attempts;
    o.retry.base_delay = 20ms;
    o.retry.quota_capacity = quota;
    o.timeout = 2s;
    o.metrics = metrics_;
    return AwsTestEnv::get().client(s, o);
  }
  metrics::RegistryPtr metrics_ = std::make_shared<metrics::Registry>();
};

TEST_F(AwsFaultsTest, ThrottlingIsRetriedWithBackoffAndSucceeds) {
  admin("POST", "/aura-env/faults",
        {{"service", "ec2"}, {"operation", "DescribeVpcs"}, {"action", "throttle"}, {"count", 2}});
  auto ec2 = client(services::kEc2);
  const auto start = std::chrono::steady_clock::now();
  auto r = ec2->query("DescribeVpcs", "2016-11-15", {});
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(calls("ec2:DescribeVpcs"), 3);
  EXPECT_EQ(ec2->retry_quota(), 500) << "throttling costs no quota";
  auto retries = metrics_->counter("aura_aws_retries_total", "", {"service", "code"});
  EXPECT_EQ(retries->value({"ec2", "RequestLimitExceeded"}), 2);
  RecordProperty("elapsed_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - start)
                                      .count()));
}

TEST_F(AwsFaultsTest, EveryProtocolsThrottlingShapeIsRecognised) {
  admin("POST", "/aura-env/faults",
        nlohmann::json::array({
            {{"service", "iam"}, {"action", "throttle"}, {"count", 1}},
            {{"service", "eks"}, {"action", "throttle"}, {"count", 1}},
            {{"service", "ssm"}, {"action", "throttle"}, {"count", 1}},
        }));
  auto iam = client(services::kIam);
  EXPECT_TRUE(iam->query("ListRoles", "2010-05-08", {}));
  auto eks = client(services::kEks);
  EXPECT_TRUE(eks->rest_json("ListClusters", "GET", "/clusters"));
  auto ssm = client(services::kSsm);
  auto p = ssm->json_rpc("GetParameter", "AmazonSSM",
                         {{"Name",
                           "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/"
                           "recommended/image_id"}});
  EXPECT_TRUE(p || p.error().is_not_found()) << p.error().str();
  auto retries = metrics_->counter("aura_aws_retries_total", "", {"service", "code"});
  EXPECT_EQ(retries->value({"iam", "Throttling"}), 1);
  EXPECT_EQ(retries->value({"eks", "TooManyRequestsException"}), 1);
  EXPECT_EQ(retries->value({"ssm", "ThrottlingException"}), 1);
}

TEST_F(AwsFaultsTest, ServerErrorsExhaustAttemptsAndSurface) {
  admin("POST", "/aura-env/faults",
        {{"service", "ec2"}, {"operation", "DescribeVpcs"}, {"action", "error"}});
  auto ec2 = client(services::kEc2);
  auto r = ec2->query("DescribeVpcs", "2016-11-15", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(r.error().code, "InternalError");
  EXPECT_EQ(calls("ec2:DescribeVpcs"), 3);
  EXPECT_EQ(ec2->retry_quota(), 490) << "two retries at 5 each";
}

TEST_F(AwsFaultsTest, DrainedQuotaStopsRetryingAtOnce) {
  admin("POST", "/aura-env/faults", {{"service", "ec2"}, {"action", "error"}});
  auto ec2 = client(services::kEc2, 3, 10);
  ASSERT_FALSE(ec2->query("DescribeVpcs", "2016-11-15", {}));
  EXPECT_EQ(ec2->retry_quota(), 0);
  admin("DELETE", "/aura-env/calls");
  ASSERT_FALSE(ec2->query("DescribeVpcs", "2016-11-15", {}));
  EXPECT_EQ(calls("ec2:DescribeVpcs"), 1) << "no retries while the quota is empty";
}

TEST_F(AwsFaultsTest, DroppedConnectionIsRetried) {
  admin("POST", "/aura-env/faults", {{"service", "sts"}, {"action", "drop"}, {"count", 1}});
  auto id = StsClient(client(services::kSts)).get_caller_identity();
  ASSERT_TRUE(id) << id.error().str();
  EXPECT_EQ(calls("sts:GetCallerIdentity"), 2);
}

TEST_F(AwsFaultsTest, NonRetryableErrorSurfacesAtOnce) {
  admin("POST", "/aura-env/faults",
        {{"service", "ec2"},
         {"operation", "DescribeVpcs"},
         {"action", "respond"},
         {"status", 400},
         {"code", "InvalidParameterValue"},
         {"message", "bad filter"}});
  auto r = client(services::kEc2)->query("DescribeVpcs", "2016-11-15", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "InvalidParameterValue");
  EXPECT_EQ(r.error().message, "bad filter");
  EXPECT_EQ(calls("ec2:DescribeVpcs"), 1);
}

TEST_F(AwsFaultsTest, SlowAnswersTimeOutInsteadOfHanging) {
  admin("POST", "/aura-env/faults",
        {{"service", "sts"}, {"action", "latency"}, {"delay_ms", 3000}});
  auto c = client(services::kSts, 1);
  const auto start = std::chrono::steady_clock::now();
  auto id = StsClient(c).get_caller_identity();
  ASSERT_FALSE(id);
  EXPECT_TRUE(id.error().is_transport());
  EXPECT_TRUE(id.error().timed_out) << id.error().str();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2900ms);
}

}  // namespace
}  // namespace aura::aws
