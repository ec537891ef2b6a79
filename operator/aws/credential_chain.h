#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "operator/aws/client.h"
#include "operator/aws/credentials_provider.h"
#include "operator/aws/sts.h"

namespace aura::aws {

// Builds an STS client for providers that need one (web identity, profiles with role_arn).
// `credentials` null means unsigned.
using StsFactory = std::function<StsClient(CredentialsProviderPtr credentials)>;

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(EnvLookup env) : env_(std::move(env)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

// IRSA: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN through STS AssumeRoleWithWebIdentity.
// The token file is re-read on every refresh (kubelet rotates it).
class WebIdentityProvider final : public CredentialsProvider {
 public:
  WebIdentityProvider(EnvLookup env, StsFactory sts) : env_(std::move(env)), sts_(std::move(sts)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "web-identity"; }

 private:
  EnvLookup env_;
  StsFactory sts_;
};

// EKS Pod Identity and ECS: AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) with the
// token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read each time) or _TOKEN.
class ContainerProvider final : public CredentialsProvider {
 public:
  ContainerProvider(EnvLookup env, std::shared_ptr<http::CurlClient> http)
      : env_(std::move(env)), http_(std::move(http)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "container"; }

 private:
  EnvLookup env_;
  std::shared_ptr<http::CurlClient> http_;
};

// Shared config and credentials files (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE
// and AWS_SHARED_CREDENTIALS_FILE), profile from AWS_PROFILE; role_arn with source_profile
// (chains of them, cycles refused) and external_id.
class ProfileProvider final : public CredentialsProvider {
 public:
  ProfileProvider(EnvLookup env, StsFactory sts, std::string profile = {})
      : env_(std::move(env)), sts_(std::move(sts)), profile_(std::move(profile)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "profile"; }

 private:
  std::expected<Credentials, std::string> resolve(const std::string& profile, int depth);
  EnvLookup env_;
  StsFactory sts_;
  std::string profile_;
};

// EC2 instance metadata, IMDSv2 only (a session token first). AWS_EC2_METADATA_DISABLED=true
// turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address.
class ImdsProvider final : public CredentialsProvider {
 public:
  ImdsProvider(EnvLookup env, std::shared_ptr<http::CurlClient> http)
      : env_(std::move(env)), http_(std::move(http)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "imds"; }

 private:
  EnvLookup env_;
  std::shared_ptr<http::CurlClient> http_;
};

// A role assumed with credentials from another provider: the per-cluster role for
// multi-account use (role ARN, external ID, session name).
class AssumeRoleProvider final : public CredentialsProvider {
 public:
  AssumeRoleProvider(StsClient sts, AssumeRoleRequest request)
      : sts_(std::move(sts)), request_(std::move(request)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "assume-role"; }

 private:
  StsClient sts_;
  AssumeRoleRequest request_;
};

// The first provider that has credentials. Errors list what each provider said.
class ChainProvider final : public CredentialsProvider {
 public:
  explicit ChainProvider(std::vector<CredentialsProviderPtr> providers)
      : providers_(std::move(providers)) {}
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return "chain"; }

 private:
  std::mutex mu_;
  std::vector<CredentialsProviderPtr> providers_;
  CredentialsProviderPtr chosen_;  // once one answered, ask it first
};

// Caches credentials and refreshes them in the background `refresh_before` their expiry, so no
// caller waits on STS or IMDS in the steady state. Only the first call, or a call after a
// failed refresh let them expire, fetches in the caller's thread.
class CachingProvider final : public CredentialsProvider {
 public:
  CachingProvider(CredentialsProviderPtr inner, ClockPtr clock = std::make_shared<SystemClock>(),
                  std::chrono::seconds refresh_before = std::chrono::minutes(5));
  ~CachingProvider() override;
  std::expected<Credentials, std::string> get() override;
  std::string name() const override { return inner_->name(); }

 private:
  bool fresh_locked(std::chrono::system_clock::time_point now) const;
  void refresher();

  CredentialsProviderPtr inner_;
  ClockPtr clock_;
  std::chrono::seconds refresh_before_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Credentials> cached_;
  bool stopping_ = false;
  std::thread thread_;
};

// The SDKs' default order: environment, web identity, container, profile, IMDSv2; cached.
CredentialsProviderPtr default_credentials_chain(const EnvLookup& env,
                                                 std::shared_ptr<http::CurlClient> http,
                                                 StsFactory sts);

}  // namespace aura::aws
