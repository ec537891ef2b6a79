#include "reconcilers/ephemeral_cluster/control_plane.h"

#include <algorithm>

#include "reconcilers/ephemeral_cluster/step_helpers.h"

namespace aura::reconcilers::cluster {

namespace {

using aws::Result;
using namespace std::chrono_literals;

// EKS takes 8-15 minutes to create or delete a control plane: look every 30 s.
constexpr auto kControlPlanePoll = 30s;

// IAM keeps the issuer without its scheme.
std::string without_scheme(const std::string& url) {
  const auto at = url.find("://");
  return at == std::string::npos ? url : url.substr(at + 3);
}

}  // namespace

ControlPlanePlan plan_control_plane(const api::EphemeralClusterSpec& spec,
                                    const api::EphemeralClusterStatus& status) {
  ControlPlanePlan p;
  p.version = spec.kubernetesVersion;
  if (status.iam && status.iam->clusterRoleARN) p.role_arn = *status.iam->clusterRoleARN;
  if (status.network) {
    for (const auto& s : status.network->subnets) p.subnet_ids.push_back(s.id);
    if (status.network->securityGroupID) p.security_group_id = *status.network->securityGroupID;
  }
  const auto access = spec.endpointAccess.value_or(api::EndpointAccess{});
  p.endpoint.public_access = access.public_.value_or(api::EndpointAccess::kPublicDefault);
  p.endpoint.private_access = access.private_.value_or(api::EndpointAccess::kPrivateDefault);
  p.endpoint.public_access_cidrs = access.publicAccessCIDRs;
  for (auto t : spec.controlPlaneLogging) p.logging.emplace_back(api::to_string(t));
  if (spec.secretsEncryption) p.kms_key_arn = spec.secretsEncryption->kmsKeyARN;
  return p;
}

ControlPlaneSteps::ControlPlaneSteps(aws::EksClient& eks, aws::IamClient& iam,
                                     const ClusterIdentity& identity,
                                     NetworkSteps::RecordStatus record_status)
    : eks_(eks), iam_(iam), id_(identity), record_(std::move(record_status)) {}

Result<std::string> ControlPlaneSteps::find_oidc_provider(const std::string& issuer) {
  auto arns = iam_.list_open_id_connect_providers();
  if (!arns) return std::unexpected(arns.error());
  const auto want = without_scheme(issuer);
  for (const auto& arn : *arns) {
    if (!arn.ends_with("oidc-provider/" + want)) continue;
    // Adopt only our own: a provider for this issuer tagged for another cluster is refused,
    // never taken over (and never deleted by our removal).
    auto provider = iam_.get_open_id_connect_provider(arn);
    if (!provider) return std::unexpected(provider.error());
    const auto owner = provider->tags.find(kTagClusterUid);
    if (owner == provider->tags.end() || owner->second != id_.uid()) {
      aws::AwsError e;
      e.service = "iam";
      e.operation = "CreateOpenIDConnectProvider";
      e.code = "EntityAlreadyExists";
      e.message = "the OIDC provider " + arn + " for this cluster's issuer is not this cluster's";
      return std::unexpected(e);
    }
    return arn;
  }
  return std::string();
}

Result<std::string> ControlPlaneSteps::find_tagged_oidc_provider() {
  auto arns = iam_.list_open_id_connect_providers();
  if (!arns) return std::unexpected(arns.error());
  for (const auto& candidate : *arns) {
    auto provider = iam_.get_open_id_connect_provider(candidate);
    if (provider && provider->tags[kTagClusterUid] == id_.uid()) return candidate;
  }
  return std::string();
}

Result<Progress> ControlPlaneSteps::ensure(const ControlPlanePlan& plan,
                                           api::EphemeralClusterStatus& status) {
  auto record = [&](std::optional<std::string>& field, const std::string& value) {
    if (value.empty() || field == value) return;
    field = value;
    record_();
  };
  record(status.eksClusterName, id_.eks_name());
  auto cluster = eks_.describe_cluster(id_.eks_name());
  if (!cluster && cluster.error().is_not_found()) {
    aws::eks::CreateClusterRequest req;
    req.name = id_.eks_name();
    req.version = plan.version;
    req.role_arn = plan.role_arn;
    req.vpc.subnet_ids = plan.subnet_ids;
    if (!plan.security_group_id.empty()) req.vpc.security_group_ids = {plan.security_group_id};
    req.vpc.endpoint = plan.endpoint;
    if (!plan.logging.empty()) req.logging = aws::eks::Logging{plan.logging, {}};
    req.kms_key_arn = plan.kms_key_arn;
    req.tags = id_.tags("eks");
    // The same token on every retry: a create whose answer was lost returns the first cluster.
    req.client_request_token = id_.client_token("eks");
    cluster = eks_.create_cluster(req);
  }
  if (!cluster) return std::unexpected(cluster.error());
  record(status.eksClusterARN, cluster->arn);
  if (cluster->status == aws::eks::kCreating || cluster->status == aws::eks::kUpdating)
    return Progress::wait("EKS cluster " + cluster->name + " " + cluster->status,
                          kControlPlanePoll);
  if (cluster->status != aws::eks::kActive)
    return Progress::wait("EKS cluster " + cluster->name + " is " + cluster->status,
                          kControlPlanePoll);
  record(status.endpoint, cluster->endpoint);
  record(status.oidcIssuerURL, cluster->oidc_issuer);
  if (!cluster->cluster_security_group_id.empty()) {
    if (!status.network) status.network = api::NetworkStatus{};
    record(status.network->clusterSecurityGroupID, cluster->cluster_security_group_id);
  }

  // In-place changes EKS allows: endpoint access and its CIDRs, logging.
  const auto& have = cluster->vpc.endpoint;
  const bool endpoint_differs =
      have.public_access != plan.endpoint.public_access ||
      have.private_access != plan.endpoint.private_access ||
      (!plan.endpoint.public_access_cidrs.empty() &&
       sorted(have.public_access_cidrs) != sorted(plan.endpoint.public_access_cidrs));
  const bool logging_differs = sorted(cluster->logging.enabled) != sorted(plan.logging);
  if (endpoint_differs || logging_differs) {
    aws::eks::UpdateClusterConfigRequest update;
    update.name = cluster->name;
    if (endpoint_differs) update.endpoint = plan.endpoint;
    if (logging_differs) {
      aws::eks::Logging logging{plan.logging, {}};
      for (const auto& t : aws::eks::kAllLogTypes)
        if (std::find(plan.logging.begin(), plan.logging.end(), t) == plan.logging.end())
          logging.disabled.push_back(t);
      update.logging = logging;
    }
    if (auto r = eks_.update_cluster_config(update); !r) return std::unexpected(r.error());
    return Progress::wait("EKS cluster " + cluster->name + " updating", kControlPlanePoll);
  }

  // The OIDC provider for IRSA. No thumbprint: IAM fetches it itself.
  if (!cluster->oidc_issuer.empty() && !status.oidcProviderARN) {
    auto arn = find_oidc_provider(cluster->oidc_issuer);
    if (!arn) return std::unexpected(arn.error());
    if (arn->empty()) {
      aws::iam::CreateOidcProviderRequest req;
      req.url = cluster->oidc_issuer;
      req.tags = id_.tags("oidc");
      auto created = iam_.create_open_id_connect_provider(req);
      if (!created) return std::unexpected(created.error());
      *arn = *created;
    }
    record(status.oidcProviderARN, *arn);
  }
  active_ = std::move(*cluster);
  return Progress::complete();
}

Result<Progress> ControlPlaneSteps::remove(api::EphemeralClusterStatus& status) {
  auto cluster = eks_.describe_cluster(id_.eks_name());
  if (!cluster && !cluster.error().is_not_found()) return std::unexpected(cluster.error());
  if (cluster) {
    if (cluster->status != aws::eks::kDeleting)
      if (auto r = eks_.delete_cluster(cluster->name); !r && !r.error().is_not_found()) {
        // A cluster still CREATING or UPDATING cannot be deleted yet (ResourceInUse).
        if (r.error().code == "ResourceInUseException")
          return Progress::wait("EKS cluster " + cluster->name + " busy: " + r.error().message,
                                kControlPlanePoll);
        return std::unexpected(r.error());
      }
    return Progress::wait("EKS cluster " + cluster->name + " deleting", kControlPlanePoll);
  }
  // The cluster is gone; its OIDC provider goes after it (DESIGN.md, delete step 3).
  std::string arn = status.oidcProviderARN.value_or("");
  if (arn.empty()) {
    // A lost status: find ours by its tag among the account's providers.
    auto tagged = find_tagged_oidc_provider();
    if (!tagged) return std::unexpected(tagged.error());
    arn = *tagged;
  } else {
    // DeleteOpenIDConnectProvider is idempotent (it succeeds for a provider that is gone), so
    // after a crash that followed the delete but preceded the status write, deleting the ARN
    // from status again would repeat the change on every restart: look first.
    auto provider = iam_.get_open_id_connect_provider(arn);
    if (!provider && !provider.error().is_not_found()) return std::unexpected(provider.error());
    if (!provider) arn.clear();
  }
  if (!arn.empty())
    if (auto r = iam_.delete_open_id_connect_provider(arn); !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  status.oidcProviderARN.reset();
  status.endpoint.reset();
  status.eksClusterARN.reset();
  record_();
  return Progress::complete();
}

Result<std::vector<std::string>> ControlPlaneSteps::inventory() {
  std::vector<std::string> out;
  auto cluster = eks_.describe_cluster(id_.eks_name());
  if (cluster)
    out.push_back("eks-cluster " + cluster->name);
  else if (!cluster.error().is_not_found())
    return std::unexpected(cluster.error());
  auto provider = find_tagged_oidc_provider();
  if (!provider) return std::unexpected(provider.error());
  if (!provider->empty()) out.push_back("oidc-provider " + *provider);
  return out;
}

}  // namespace aura::reconcilers::cluster
