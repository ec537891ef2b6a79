#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "operator/aws/client.h"
#include "operator/aws/ec2.h"
#include "tests/integration/support/test_env.h"

namespace aura::testing {

// AWS clients pointed at the test environment's moto (authentication on), signed with the
// credentials of the IAM user the launcher created. Every call is checked by botocore's own
// SigV4 and IAM code on the other side.
class AwsTestEnv {
 public:
  static const AwsTestEnv& get();

  std::string endpoint;
  std::string region;
  std::string account_id;
  std::string user_arn;
  aws::Credentials credentials;
  // The operator process's own user, holding only config/iam/aura-operator-policy.json, so that
  // every call the operator makes proves that policy sufficient; tests set up and inspect AWS
  // with `credentials` (allow-all). Both empty when the env runs without it: then the operator
  // runs as `user_arn` too.
  std::string operator_user_arn;
  aws::Credentials operator_credentials;

  // A client for one service; options.env is set so the endpoint resolves to moto.
  aws::AwsClientPtr client(const aws::ServiceInfo& service,
                           aws::AwsClientOptions options = {}) const;
  aws::EnvLookup env() const;
  std::shared_ptr<http::CurlClient> http() const;
  // Posts a scripted-state rule to the emulator (/aura-env/states, docs/test-env.md); throws
  // when it is refused.
  void post_state(const nlohmann::json& rule) const;
  // A call to the emulator's admin API (/aura-env/faults, /aura-env/calls, ...; see
  // docs/test-env.md): its JSON answer, or null when it has none; throws when it fails.
  nlohmann::json admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = {}) const;
};

// A network interface in `subnet_id` with `tags`, as a child cluster's VPC CNI or load balancers
// leave them (Aura never creates one, so the client has no call for it): its ID.
std::string create_network_interface(aws::Ec2Client& ec2, const std::string& subnet_id,
                                     const aws::Tags& tags = {});

// The value of an AWS result, or an exception naming the AWS error (the test then fails there).
template <typename T>
T ok(aws::Result<T> r) {
  if (!r) throw std::runtime_error(r.error().str());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

}  // namespace aura::testing
