// AwsClient's retry, error and clock-skew behaviour against a scripted local HTTP server (the
// real peers come in the integration tests; here each answer is chosen to hit one rule).
#include "operator/aws/client.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "operator/aws/sigv4.h"
#include "operator/http/server.h"

namespace aura::aws {
namespace {

using namespace std::chrono_literals;

// Serves scripted answers in order and records the requests it saw.
class ScriptedAws {
 public:
  ScriptedAws() : server_({"127.0.0.1", 0, 1, 1 << 20, 10s}, log::Logger::discard()) {
    server_.route("*", [this](const http::Request& r) {
      std::lock_guard lock(mu_);
      seen_.push_back(r);
      if (script_.empty()) return http::Response{500, "text/plain", "script exhausted"};
      auto resp = script_.front();
      script_.pop_front();
      return resp;
    });
    server_.start();
  }
  void answer(http::Response r) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(r));
  }
  std::vector<http::Request> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  AwsClient client(const ServiceInfo& service, RetryOptions retry = {},
                   FaultHookPtr fault_hook = nullptr) {
    AwsClientOptions o;
    o.fault_hook = std::move(fault_hook);
    const std::string url = "http://127.0.0.1:" + std::to_string(server_.port());
    o.env = [url](std::string_view n) -> std::optional<std::string> {
      if (n == "AWS_ENDPOINT_URL") return url;
      return std::nullopt;
    };
    retry.base_delay = 1ms;
    o.retry = retry;
    o.sleep = [](std::chrono::milliseconds) {};  // no real waiting in unit tests
    o.metrics = metrics_;
    return AwsClient(service, "us-east-1",
                     std::make_shared<StaticCredentialsProvider>(
                         Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt, "test"}),
                     std::make_shared<http::CurlClient>(), o);
  }
  metrics::RegistryPtr metrics_ = std::make_shared<metrics::Registry>();

 private:
  std::mutex mu_;
  std::deque<http::Response> script_;
  std::vector<http::Request> seen_;
  http::Server server_;
};

const char* kEc2Throttle =
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
    "</Message></Error></Errors><RequestID>req-1</RequestID></Response>";
const char* kVpcs =
    "<DescribeVpcsResponse "
    "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
    "<vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet></DescribeVpcsResponse>";

TEST(AwsClient, ThrottlingIsRetriedThenSucceeds) {
  ScriptedAws aws;
  aws.answer({503, "text/xml", kEc2Throttle});
  aws.answer({503, "text/xml", kEc2Throttle});
  aws.answer({200, "text/xml", kVpcs});
  auto c = aws.client(services::kEc2);
  auto doc = c.query("DescribeVpcs", "2016-11-15", {});
  ASSERT_TRUE(doc) << doc.error().str();
  EXPECT_EQ(xml_text(**doc, "vpcId"), "vpc-1");
  EXPECT_EQ(aws.seen().size(), 3u);
  EXPECT_EQ(c.retry_quota(), 500) << "throttling retries cost no quota";
  auto retries = aws.metrics_->counter("aura_aws_retries_total", "", {"service", "code"});
  EXPECT_EQ(retries->value({"ec2", "RequestLimitExceeded"}), 2);
}

// The fault hook hears of an operation once, retries included, and only once its answer is in:
// what the hook's exit kills is a process whose call AWS has already carried out.
TEST(AwsClient, FaultHookHearsEachOperationOnceAfterItsAnswer) {
  ScriptedAws aws;
  aws.answer({200, "text/xml", kVpcs});
  aws.answer({503, "text/xml", kEc2Throttle});
  aws.answer(
      {200, "text/xml", "<CreateVpcResponse><vpc><vpcId>vpc-2</vpcId></vpc></CreateVpcResponse>"});
  std::vector<std::size_t> requests_at_exit;
  auto hook = std::make_shared<FaultHook>(1, log::Logger::discard(),
                                          [&] { requests_at_exit.push_back(aws.seen().size()); });
  auto c = aws.client(services::kEc2, {}, hook);
  ASSERT_TRUE(c.query("DescribeVpcs", "2016-11-15", {}));
  EXPECT_TRUE(requests_at_exit.empty()) << "a read is no boundary";
  ASSERT_TRUE(c.query("CreateVpc", "2016-11-15", {{"CidrBlock", "10.0.0.0/16"}}));
  EXPECT_EQ(requests_at_exit, std::vector<std::size_t>{3}) << "after the retry's answer, once";
  EXPECT_EQ(hook->calls(), 2);
  EXPECT_EQ(hook->mutating_calls(), 1);
}

TEST(AwsClient, AttemptsAreBounded) {
  ScriptedAws aws;
  for (int i = 0; i < 5; ++i) aws.answer({503, "text/xml", kEc2Throttle});
  auto c = aws.client(services::kEc2);
  auto doc = c.query("DescribeVpcs", "2016-11-15", {});
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, "RequestLimitExceeded");
  EXPECT_EQ(doc.error().request_id, "req-1");
  EXPECT_EQ(aws.seen().size(), 3u) << "standard mode: 3 attempts";
}

TEST(AwsClient, NonRetryableErrorSurfacesAtOnce) {
  ScriptedAws aws;
  aws.answer(
      {400, "text/xml",
       "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role "
       "with name x cannot be found.</Message></Error><RequestId>abc</RequestId></ErrorResponse>"});
  auto c = aws.client(services::kIam);
  auto doc = c.query("GetRole", "2010-05-08", {{"RoleName", "x"}});
  ASSERT_FALSE(doc);
  EXPECT_TRUE(doc.error().is_not_found());
  EXPECT_EQ(doc.error().request_id, "abc");
  EXPECT_EQ(doc.error().service, "iam");
  EXPECT_EQ(aws.seen().size(), 1u);
}

TEST(AwsClient, ServerErrorsDrainTheQuota) {
  ScriptedAws aws;
  RetryOptions r;
  r.quota_capacity = 10;  // two retries' worth
  for (int i = 0; i < 6; ++i)
    aws.answer({500, "application/json", R"({"__type":"InternalFailure"})"});
  auto c = aws.client(services::kSsm, r);
  auto first = c.json_rpc("GetParameter", "AmazonSSM", {{"Name", "x"}});
  ASSERT_FALSE(first);
  EXPECT_EQ(c.retry_quota(), 0);
  const auto before = aws.seen().size();
  auto second = c.json_rpc("GetParameter", "AmazonSSM", {{"Name", "x"}});
  ASSERT_FALSE(second);
  EXPECT_EQ(aws.seen().size() - before, 1u) << "an empty quota means no retries";
}

TEST(AwsClient, JsonErrorsInEitherShape) {
  ScriptedAws aws;
  aws.answer(
      {400, "application/x-amz-json-1.1",
       R"({"__type":"com.amazonaws.ssm#ParameterNotFound","message":"Parameter /x not found."})"});
  aws.answer({404,
              "application/json",
              R"({"message":"No cluster found for name: demo."})",
              {{"x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/"},
               {"x-amzn-RequestId", "rid-9"}}});
  // A JSON service answering an XML 403 (as some AWS front ends and moto do).
  aws.answer({403, "text/xml",
              "<ErrorResponse><Error><Code>AccessDenied</Code><Message>denied</Message></Error></"
              "ErrorResponse>"});
  auto ssm = aws.client(services::kSsm);
  auto p = ssm.json_rpc("GetParameter", "AmazonSSM", {{"Name", "/x"}});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, "ParameterNotFound");
  EXPECT_TRUE(p.error().is_not_found());
  auto eks = aws.client(services::kEks);
  auto d = eks.rest_json("DescribeCluster", "GET", "/clusters/demo");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "ResourceNotFoundException");
  EXPECT_EQ(d.error().request_id, "rid-9");
  EXPECT_EQ(d.error().message, "No cluster found for name: demo.");
  auto denied = eks.rest_json("ListClusters", "GET", "/clusters");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "AccessDenied");
  EXPECT_EQ(denied.error().http_status, 403);
}

TEST(AwsClient, MalformedAndTruncatedAnswersAreErrors) {
  ScriptedAws aws;
  aws.answer({200, "text/xml", "<DescribeVpcsResponse><vpcSet><item>"});
  aws.answer({200, "application/json", "{\"cluster\": {"});
  aws.answer({502, "text/html", "<html>bad gateway"});
  aws.answer({502, "text/html", "<html>bad gateway"});
  aws.answer({502, "text/html", "<html>bad gateway"});
  auto ec2 = aws.client(services::kEc2);
  auto x = ec2.query("DescribeVpcs", "2016-11-15", {});
  ASSERT_FALSE(x);
  EXPECT_EQ(x.error().code, "MalformedResponse");
  auto eks = aws.client(services::kEks);
  auto j = eks.rest_json("DescribeCluster", "GET", "/clusters/a");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, "MalformedResponse");
  auto h = eks.rest_json("DescribeCluster", "GET", "/clusters/a");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().http_status, 502);
  EXPECT_EQ(h.error().code, "HttpStatus502");
}

TEST(AwsClient, ClockSkewIsCorrectedAndTheRetryIsSignedWithAwsTime) {
  ScriptedAws aws;
  const auto aws_time = std::chrono::system_clock::now() + std::chrono::hours(1);
  const std::time_t t = std::chrono::system_clock::to_time_t(aws_time);
  char date[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  aws.answer(
      {403,
       "text/xml",
       "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>Signature expired: "
       "20261125T130000Z is now earlier than 20261125T140000Z</Message></Error></ErrorResponse>",
       {{"Date", date}}});
  aws.answer({200, "text/xml",
              "<GetCallerIdentityResponse><Account>1</Account></GetCallerIdentityResponse>"});
  auto sts = aws.client(services::kSts);
  auto r = sts.query("GetCallerIdentity", "2011-06-15", {});
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_NEAR(sts.clock_offset().count(), 3600, 5);
  const auto seen = aws.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].header("x-amz-date").substr(0, 11), sigv4::amz_date(aws_time).substr(0, 11));
}

TEST(AwsClient, EveryRequestCarriesAPayloadHashAndSignature) {
  ScriptedAws aws;
  aws.answer({200, "application/json", "{}"});
  auto eks = aws.client(services::kEks);
  ASSERT_TRUE(eks.rest_json("DeleteCluster", "DELETE", "/clusters/a"));
  const auto req = aws.seen().at(0);
  EXPECT_EQ(req.header("x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(req.header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u);
}

}  // namespace
}  // namespace aura::aws
