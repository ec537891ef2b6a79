// The AWS client core against moto with authentication on: signatures botocore accepts,
// signatures it refuses, errors parsed as values, retries on throttling.
#include <gtest/gtest.h>

#include "operator/aws/sts.h"
#include "operator/common/base64.h"
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

#include <random>

#include "operator/aws/session.h"

namespace aura::aws {
namespace {

// The full path Aura uses in production: the default chain finds the environment's keys, and a
// per-cluster role is assumed through STS with them.
TEST(AwsSession, DefaultChainAndAssumedRole) {
  const auto& env = AwsTestEnv::get();
  AwsClientOptions opts;
  opts.env = [&env](std::string_view n) -> std::optional<std::string> {
    if (n == "AWS_ENDPOINT_URL") return env.endpoint;
    if (n == "AWS_ACCESS_KEY_ID") return env.credentials.access_key_id;
    if (n == "AWS_SECRET_ACCESS_KEY") return env.credentials.secret_access_key;
    if (n == "AWS_EC2_METADATA_DISABLED") return "true";
    return std::nullopt;
  };
  AwsSession session(opts);
  auto sts = session.client(services::kSts, env.region);
  EXPECT_EQ(sts, session.client(services::kSts, env.region)) << "one client per service and region";
  auto me = StsClient(sts).get_caller_identity();
  ASSERT_TRUE(me) << me.error().str();
  EXPECT_EQ(me->arn, env.user_arn);

  // A role that trusts the operator's user. (AWS also accepts the account root as principal for
  // every identity in the account; moto 5.2.5 matches principals literally, so name the user.)
  auto iam = session.client(services::kIam, env.region);
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" +
      env.user_arn + R"("},"Action":"sts:AssumeRole"}]})";
  const std::string role_name =
      "aura-session-test-" + std::to_string(std::random_device{}() % 100000);
  auto role = iam->query("CreateRole", "2010-05-08",
                         {{"RoleName", role_name}, {"AssumeRolePolicyDocument", trust}});
  ASSERT_TRUE(role) << role.error().str();
  AssumeRoleRequest as{xml_text(**role, "Arn"), "aura-test", "", std::chrono::seconds(900)};
  auto assumed = StsClient(session.client_as(services::kSts, env.region, as)).get_caller_identity();
  ASSERT_TRUE(assumed) << assumed.error().str();
  EXPECT_NE(assumed->arn.find("assumed-role/" + role_name + "/aura-test"), std::string::npos)
      << assumed->arn;
  ASSERT_TRUE(iam->query("DeleteRole", "2010-05-08", {{"RoleName", role_name}}));
}

TEST(AwsSts, EksTokenIsAPresignedGetCallerIdentity) {
  const auto& env = AwsTestEnv::get();
  const std::string token = eks_token(env.credentials, "demo", env.region,
                                      resolve_endpoint(services::kSts, env.region, env.env()),
                                      std::chrono::system_clock::now());
  ASSERT_EQ(token.rfind("k8s-aws-v1.", 0), 0u);
  auto url = base64_decode(token.substr(11));
  ASSERT_TRUE(url);
  EXPECT_NE(url->find("Action=GetCallerIdentity"), std::string::npos);
  EXPECT_NE(url->find("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"), std::string::npos);
  // The emulator checks such URLs for real once its STS presign extension is in place: a GET of
  // the URL with the x-k8s-aws-id header answers with the caller's identity.
  http::ClientRequest req;
  req.url = *url;
  req.headers.emplace_back("x-k8s-aws-id", "demo");
  auto resp = env.http()->send(req);
  ASSERT_TRUE(resp);
  if (resp->status != 200) GTEST_SKIP() << "the emulator does not verify presigned STS URLs yet";
  EXPECT_NE(resp->body.find(env.user_arn), std::string::npos) << resp->body;
}

}  // namespace
}  // namespace aura::aws

#include <filesystem>
#include <fstream>

#include "operator/aws/credential_chain.h"

namespace aura::aws {
namespace {

std::string make_role(const std::string& name, const std::string& principal_json) {
  auto iam = AwsTestEnv::get().client(services::kIam);
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" + principal_json +
      R"(,"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]})";
  auto role = iam->query("CreateRole", "2010-05-08",
                         {{"RoleName", name}, {"AssumeRolePolicyDocument", trust}});
  EXPECT_TRUE(role) << role.error().str();
  return role ? xml_text(**role, "Arn") : "";
}

StsFactory sts_factory() {
  const auto& env = AwsTestEnv::get();
  return [&env](CredentialsProviderPtr creds) {
    AwsClientOptions o;
    o.env = env.env();
    return StsClient(
        std::make_shared<AwsClient>(services::kSts, env.region, std::move(creds), env.http(), o));
  };
}

// IRSA: a projected service-account token and a role ARN, exchanged without a signature.
TEST(AwsCredentialChain, WebIdentityTokenFileBecomesRoleCredentials) {
  const auto& env = AwsTestEnv::get();
  const std::string name = "aura-irsa-" + std::to_string(std::random_device{}() % 100000);
  const std::string arn =
      make_role(name, R"({"Federated":"arn:aws:iam::)" + env.account_id +
                          R"(:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/TEST"})");
  const std::string dir = ::testing::TempDir() + "/irsa";
  std::filesystem::create_directories(dir);
  // JWT-shaped: header.payload.signature (the emulator does not verify OIDC signatures).
  std::ofstream(dir + "/token")
      << "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXVyYTphdXJhIn0.c2ln\n";
  auto lookup = [&](std::string_view n) -> std::optional<std::string> {
    if (n == "AWS_WEB_IDENTITY_TOKEN_FILE") return dir + "/token";
    if (n == "AWS_ROLE_ARN") return arn;
    if (n == "AWS_ROLE_SESSION_NAME") return "aura-irsa";
    return std::nullopt;
  };
  WebIdentityProvider provider(lookup, sts_factory());
  auto creds = provider.get();
  ASSERT_TRUE(creds) << creds.error();
  EXPECT_FALSE(creds->session_token.empty());
  AwsClientOptions o;
  o.env = env.env();
  auto as_role = StsClient(std::make_shared<AwsClient>(
                               services::kSts, env.region,
                               std::make_shared<StaticCredentialsProvider>(*creds), env.http(), o))
                     .get_caller_identity();
  ASSERT_TRUE(as_role) << as_role.error().str();
  EXPECT_NE(as_role->arn.find("assumed-role/" + name + "/aura-irsa"), std::string::npos)
      << as_role->arn;
}

// A profile that assumes a role with another profile's keys (role_arn + source_profile).
TEST(AwsCredentialChain, ProfileWithRoleArnAssumesThroughSts) {
  const auto& env = AwsTestEnv::get();
  const std::string name = "aura-profile-" + std::to_string(std::random_device{}() % 100000);
  const std::string arn = make_role(name, R"({"AWS":")" + env.user_arn + R"("})");
  const std::string dir = ::testing::TempDir() + "/profiles";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/credentials")
      << "[base]\naws_access_key_id = " << env.credentials.access_key_id
      << "\naws_secret_access_key = " << env.credentials.secret_access_key << "\n";
  std::ofstream(dir + "/config") << "[profile ops]\nrole_arn = " << arn
                                 << "\nsource_profile = base\nrole_session_name = aura-ops\n";
  auto lookup = [&](std::string_view n) -> std::optional<std::string> {
    if (n == "AWS_SHARED_CREDENTIALS_FILE") return dir + "/credentials";
    if (n == "AWS_CONFIG_FILE") return dir + "/config";
    if (n == "AWS_PROFILE") return "ops";
    return std::nullopt;
  };
  auto creds = ProfileProvider(lookup, sts_factory()).get();
  ASSERT_TRUE(creds) << creds.error();
  EXPECT_EQ(creds->source, "profile:ops");
  EXPECT_FALSE(creds->session_token.empty());
}

}  // namespace
}  // namespace aura::aws
