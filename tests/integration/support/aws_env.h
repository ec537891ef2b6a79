#pragma once

#include <memory>
#include <string>

#include "operator/aws/client.h"
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

  // A client for one service; options.env is set so the endpoint resolves to moto.
  aws::AwsClientPtr client(const aws::ServiceInfo& service,
                           aws::AwsClientOptions options = {}) const;
  aws::EnvLookup env() const;
  std::shared_ptr<http::CurlClient> http() const;
};

}  // namespace aura::testing
