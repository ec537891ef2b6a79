#include "operator/aws/session.h"

namespace aura::aws {

AwsSession::AwsSession(AwsClientOptions options, std::shared_ptr<http::CurlClient> http,
                       CredentialsProviderPtr base)
    : options_(std::move(options)),
      http_(http ? std::move(http) : std::make_shared<http::CurlClient>()),
      base_(std::move(base)) {
  if (!base_) {
    const std::string region =
        options_.env("AWS_REGION")
            .value_or(options_.env("AWS_DEFAULT_REGION").value_or("us-east-1"));
    auto opts = options_;
    auto http_client = http_;
    // Providers that need STS get a client signed with whatever they hand over (or unsigned).
    StsFactory sts = [opts, http_client, region](CredentialsProviderPtr creds) {
      return StsClient(
          std::make_shared<AwsClient>(services::kSts, region, std::move(creds), http_client, opts));
    };
    base_ = default_credentials_chain(options_.env, http_, std::move(sts));
  }
}

AwsClientPtr AwsSession::make(const ServiceInfo& service, const std::string& region,
                              CredentialsProviderPtr creds) {
  return std::make_shared<AwsClient>(service, region, std::move(creds), http_, options_);
}

AwsClientPtr AwsSession::client(const ServiceInfo& service, const std::string& region) {
  std::lock_guard lock(mu_);
  auto& slot = clients_[{std::string(service.name), region, ""}];
  if (!slot) slot = make(service, region, base_);
  return slot;
}

CredentialsProviderPtr AwsSession::role_provider(const std::string& region,
                                                 const AssumeRoleRequest& role) {
  const std::string key = role.role_arn + "\x1f" + role.external_id + "\x1f" + role.session_name;
  auto& slot = roles_[key];
  if (!slot) {
    auto& sts_slot = clients_[{std::string(services::kSts.name), region, ""}];
    if (!sts_slot) sts_slot = make(services::kSts, region, base_);
    slot = std::make_shared<CachingProvider>(
        std::make_shared<AssumeRoleProvider>(StsClient(sts_slot), role), options_.clock);
  }
  return slot;
}

AwsClientPtr AwsSession::client_as(const ServiceInfo& service, const std::string& region,
                                   const AssumeRoleRequest& role) {
  std::lock_guard lock(mu_);
  auto creds = role_provider(region, role);
  auto& slot =
      clients_[{std::string(service.name), region, role.role_arn + "|" + role.external_id}];
  if (!slot) slot = make(service, region, std::move(creds));
  return slot;
}

}  // namespace aura::aws
