#pragma once

#include <chrono>
#include <string>

#include "operator/aws/client.h"

namespace aura::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name = "aura-operator";
  std::string external_id;
  std::chrono::seconds duration{3600};
};

// STS (query protocol, 2011-06-15).
class StsClient {
 public:
  explicit StsClient(AwsClientPtr client) : client_(std::move(client)) {}

  Result<CallerIdentity> get_caller_identity();
  Result<Credentials> assume_role(const AssumeRoleRequest& request);
  // Unsigned by design: the web identity token is the proof (IRSA). The client must have been
  // built without a credentials provider.
  Result<Credentials> assume_role_with_web_identity(const std::string& role_arn,
                                                    const std::string& session_name,
                                                    const std::string& web_identity_token);

 private:
  AwsClientPtr client_;
};

// An EKS bearer token: "k8s-aws-v1." + unpadded base64url of a presigned STS
// GetCallerIdentity URL that signs the header x-k8s-aws-id: <cluster name>. As aws-iam-
// authenticator and `aws eks get-token` make it: valid 15 minutes (the URL says 60 s; the
// authenticator allows 15 min from X-Amz-Date), refreshed well before.
std::string eks_token(const Credentials& creds, const std::string& cluster_name,
                      const std::string& region, const Endpoint& sts_endpoint,
                      std::chrono::system_clock::time_point now);

}  // namespace aura::aws
