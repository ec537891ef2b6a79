#pragma once

#include <chrono>
#include <expected>
#include <mutex>
#include <optional>
#include <string>

#include "operator/aws/credentials_provider.h"
#include "operator/aws/eks.h"
#include "operator/aws/endpoints.h"
#include "operator/common/clock.h"
#include "operator/kube/client.h"
#include "operator/kube/rest_config.h"

// Reaching a child EKS cluster's kube-apiserver as DESIGN.md says: endpoint and CA from
// DescribeCluster, and a bearer token made from the same AWS identity that created the cluster
// (its creator is cluster admin under bootstrapClusterCreatorAdminPermissions), so Aura needs
// no stored credential for the child.
namespace aura::reconcilers {

// EKS bearer tokens for one cluster, made locally (a presigned STS GetCallerIdentity URL, no
// AWS call) and reused until shortly before the 15 minutes the authenticator accepts.
class EksTokenSource final : public kube::TokenSource {
 public:
  EksTokenSource(aws::CredentialsProviderPtr credentials, std::string cluster_name,
                 std::string region, aws::Endpoint sts, ClockPtr clock);
  std::expected<std::string, std::string> token() override;
  void invalidate() override;

 private:
  std::mutex mu_;
  aws::CredentialsProviderPtr credentials_;
  std::string cluster_name_;
  std::string region_;
  aws::Endpoint sts_;
  ClockPtr clock_;
  std::string cached_;
  std::optional<std::chrono::system_clock::time_point> made_at_;
};

// A client for the child cluster `cluster` (as DescribeCluster answered it), authenticated as
// the identity `eks` signs with. Short timeouts: a child that does not answer must not hold a
// deletion for long. An error when the cluster has no endpoint or CA yet.
std::expected<kube::ClientPtr, std::string> child_client(const aws::EksClient& eks,
                                                         const aws::eks::Cluster& cluster);

}  // namespace aura::reconcilers
