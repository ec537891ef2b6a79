#include "tests/integration/support/aws_env.h"

#include <stdexcept>

namespace aura::testing {

const AwsTestEnv& AwsTestEnv::get() {
  static const AwsTestEnv env = [] {
    const auto& info = TestEnv::get().info;
    if (!info.contains("aws") || info["aws"].is_null())
      throw std::runtime_error("the test environment runs no AWS emulator");
    const auto& a = info["aws"];
    AwsTestEnv e;
    e.endpoint = a.value("endpoint", "");
    e.region = a.value("region", "us-east-1");
    e.account_id = a.value("account_id", "");
    e.user_arn = a.value("user_arn", "");
    e.credentials = aws::Credentials{a.value("access_key_id", ""), a.value("secret_access_key", ""),
                                     "", std::nullopt, "test-env"};
    e.operator_user_arn = e.user_arn;
    e.operator_credentials = e.credentials;
    if (a.contains("operator") && a["operator"].is_object()) {
      const auto& op = a["operator"];
      e.operator_user_arn = op.value("user_arn", "");
      e.operator_credentials =
          aws::Credentials{op.value("access_key_id", ""), op.value("secret_access_key", ""), "",
                           std::nullopt, "test-env-operator"};
    }
    return e;
  }();
  return env;
}

aws::EnvLookup AwsTestEnv::env() const {
  const std::string url = endpoint;
  return [url](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL") return url;
    return std::nullopt;
  };
}

std::shared_ptr<http::CurlClient> AwsTestEnv::http() const {
  static const auto client = std::make_shared<http::CurlClient>();
  return client;
}

void AwsTestEnv::post_state(const nlohmann::json& rule) const {
  admin("POST", "/aura-env/states", rule);
}

nlohmann::json AwsTestEnv::admin(const std::string& method, const std::string& path,
                                 const nlohmann::json& body) const {
  http::ClientRequest r;
  r.method = method;
  r.url = endpoint + path;
  if (!body.is_null()) {
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body.dump();
  }
  auto resp = http()->send(r);
  if (!resp || resp->status >= 300)
    throw std::runtime_error(path + ": " + (resp ? resp->body : resp.error().message));
  if (resp->body.empty()) return nullptr;
  return nlohmann::json::parse(resp->body, nullptr, false);
}

aws::AwsClientPtr AwsTestEnv::client(const aws::ServiceInfo& service,
                                     aws::AwsClientOptions options) const {
  options.env = env();
  return std::make_shared<aws::AwsClient>(
      service, region, std::make_shared<aws::StaticCredentialsProvider>(credentials), http(),
      std::move(options));
}

std::string create_network_interface(aws::Ec2Client& ec2, const std::string& subnet_id,
                                     const aws::Tags& tags) {
  aws::QueryParams params{{"SubnetId", subnet_id}};
  aws::add_tag_specification(params, "network-interface", tags);
  auto doc = ok(ec2.client()->query("CreateNetworkInterface", "2016-11-15", params));
  return aws::xml_text(*doc, "networkInterfaceId");
}

}  // namespace aura::testing
