#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "operator/aws/client.h"
#include "operator/aws/credential_chain.h"

namespace aura::aws {

// Hands out one AwsClient per (service, region, identity) and keeps it, so every reconcile that
// talks to EC2 in us-east-1 with the operator's identity shares one rate limit, one retry quota
// and one pool of connections. A per-cluster role (spec.assumeRole) gets clients of its own,
// over credentials assumed with the operator's.
class AwsSession {
 public:
  AwsSession(AwsClientOptions options, std::shared_ptr<http::CurlClient> http = nullptr,
             CredentialsProviderPtr base = nullptr);

  AwsClientPtr client(const ServiceInfo& service, const std::string& region);
  // Clients acting as `role` (assumed through STS in `region` with the base identity; cached
  // and refreshed before expiry).
  AwsClientPtr client_as(const ServiceInfo& service, const std::string& region,
                         const AssumeRoleRequest& role);
  CredentialsProviderPtr base_credentials() const { return base_; }

 private:
  AwsClientPtr make(const ServiceInfo& service, const std::string& region,
                    CredentialsProviderPtr creds);
  CredentialsProviderPtr role_provider(const std::string& region, const AssumeRoleRequest& role);

  AwsClientOptions options_;
  std::shared_ptr<http::CurlClient> http_;
  CredentialsProviderPtr base_;
  std::mutex mu_;
  // (service name, region, identity key) -> client
  std::map<std::tuple<std::string, std::string, std::string>, AwsClientPtr> clients_;
  std::map<std::string, CredentialsProviderPtr> roles_;
};

}  // namespace aura::aws
