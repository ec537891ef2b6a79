#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "operator/aws/credential_chain.h"
#include "operator/common/clock.h"
#include "operator/http/server.h"
#include "tests/unit/support/manual_clock.h"

namespace aura::aws {
namespace {

using namespace std::chrono_literals;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view n) -> std::optional<std::string> {
    auto it = vars.find(std::string(n));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

StsFactory no_sts() {
  return [](CredentialsProviderPtr) -> StsClient { throw std::logic_error("STS not expected"); };
}

std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "/aura-creds-" + name;
  std::filesystem::create_directories(d);
  return d;
}

TEST(Credentials, EnvironmentProvider) {
  EnvironmentProvider p(env_of({{"AWS_ACCESS_KEY_ID", "AKIA1"},
                                {"AWS_SECRET_ACCESS_KEY", "s"},
                                {"AWS_SESSION_TOKEN", "t"}}));
  auto c = p.get();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIA1");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_FALSE(EnvironmentProvider(env_of({})).get());
}

TEST(Credentials, ProfilesFromBothFilesCredentialsFileWins) {
  const auto d = temp_dir("profiles");
  std::ofstream(d + "/config")
      << "[default]\nregion = us-east-1\n[profile dev]\naws_access_key_id = FROMCONFIG\n"
         "aws_secret_access_key = s1\n";
  std::ofstream(d + "/credentials")
      << "# comment\n[dev]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s2\n";
  auto env = env_of({{"AWS_CONFIG_FILE", d + "/config"},
                     {"AWS_SHARED_CREDENTIALS_FILE", d + "/credentials"},
                     {"AWS_PROFILE", "dev"}});
  auto c = ProfileProvider(env, no_sts()).get();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->access_key_id, "FROMCREDS");
  EXPECT_EQ(c->source, "profile:dev");
  auto missing = ProfileProvider(env, no_sts(), "nope").get();
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("nope"), std::string::npos);
}

TEST(Credentials, ProfileCyclesAreRefused) {
  const auto d = temp_dir("cycle");
  std::ofstream(d + "/config")
      << "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
         "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n";
  auto env =
      env_of({{"AWS_CONFIG_FILE", d + "/config"}, {"AWS_SHARED_CREDENTIALS_FILE", d + "/none"}});
  auto c = ProfileProvider(env, no_sts(), "a").get();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("cyclic"), std::string::npos) << c.error();
}

// A local stand-in for the EKS Pod Identity agent and for IMDSv2.
class MetadataServer {
 public:
  MetadataServer() : server_({"127.0.0.1", 0, 1, 1 << 16, 5s}, log::Logger::discard()) {
    const std::string creds =
        R"({"AccessKeyId":"ASIAPOD","SecretAccessKey":"s","Token":"tok","Expiration":"2099-01-01T00:00:00Z"})";
    server_.route("/v1/credentials", [creds](const http::Request& r) {
      if (r.header("authorization") != "pod-token") return http::Response{401, "text/plain", "no"};
      return http::Response{200, "application/json", creds};
    });
    server_.route("/latest/api/token", [](const http::Request& r) {
      if (r.method != "PUT" || r.header("x-aws-ec2-metadata-token-ttl-seconds").empty())
        return http::Response{400, "text/plain", "bad"};
      return http::Response{200, "text/plain", "imds-session"};
    });
    server_.route("/latest/meta-data/iam/security-credentials/", [](const http::Request& r) {
      if (r.header("x-aws-ec2-metadata-token") != "imds-session")
        return http::Response{401, "text/plain", ""};
      return http::Response{200, "text/plain", "node-role"};
    });
    server_.route("/latest/meta-data/iam/security-credentials/node-role",
                  [creds](const http::Request& r) {
                    if (r.header("x-aws-ec2-metadata-token") != "imds-session")
                      return http::Response{401, "text/plain", ""};
                    return http::Response{200, "application/json", creds};
                  });
    server_.start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  http::Server server_;
};

TEST(Credentials, ContainerProviderSendsTheTokenFromItsFile) {
  MetadataServer md;
  const auto d = temp_dir("pod");
  std::ofstream(d + "/token") << "pod-token\n";
  ContainerProvider p(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", md.url() + "/v1/credentials"},
                              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", d + "/token"}}),
                      std::make_shared<http::CurlClient>());
  auto c = p.get();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->access_key_id, "ASIAPOD");
  EXPECT_EQ(c->session_token, "tok");
  ASSERT_TRUE(c->expiration);
}

TEST(Credentials, ImdsV2SessionTokenFirst) {
  MetadataServer md;
  ImdsProvider p(env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", md.url()}}),
                 std::make_shared<http::CurlClient>());
  auto c = p.get();
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->source, "imds");
  EXPECT_FALSE(ImdsProvider(env_of({{"AWS_EC2_METADATA_DISABLED", "true"}}), nullptr).get());
}

TEST(Credentials, ChainTakesTheFirstAndExplainsFailures) {
  auto http = std::make_shared<http::CurlClient>();
  ChainProvider chain(
      {std::make_shared<EnvironmentProvider>(env_of({})),
       std::make_shared<ImdsProvider>(env_of({{"AWS_EC2_METADATA_DISABLED", "true"}}), http)});
  auto c = chain.get();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("environment:"), std::string::npos);
  EXPECT_NE(c.error().find("imds:"), std::string::npos);
}

class CountingProvider : public CredentialsProvider {
 public:
  std::expected<Credentials, std::string> get() override {
    std::lock_guard lock(mu_);
    ++calls;
    cv.notify_all();
    return Credentials{"AKIA" + std::to_string(calls), "s", "t", expiry, "counting"};
  }
  std::string name() const override { return "counting"; }
  std::mutex mu_;
  std::condition_variable cv;
  int calls = 0;
  std::chrono::system_clock::time_point expiry;
};

using aura::testing::ManualClock;

TEST(Credentials, CachedUntilExpiryAndRefreshedInTheBackground) {
  auto inner = std::make_shared<CountingProvider>();
  auto clock = std::make_shared<ManualClock>();
  // Expires within the refresh window: the background refresher fetches at once, while
  // callers keep getting the cached, still valid credentials without waiting.
  inner->expiry = clock->t + 2min;
  CachingProvider cache(inner, clock, 5min);
  auto first = cache.get();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->access_key_id, "AKIA1");
  std::unique_lock lock(inner->mu_);
  ASSERT_TRUE(inner->cv.wait_for(lock, 5s, [&] { return inner->calls >= 2; }));
  lock.unlock();
  EXPECT_TRUE(cache.get());
}

}  // namespace
}  // namespace aura::aws
