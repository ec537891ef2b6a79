#pragma once

#include <string>

#include "operator/aws/eks.h"

// The kubeconfig Aura keeps for a cluster's users in a Secret beside the EphemeralCluster: what
// `aws eks update-kubeconfig` writes. It holds no credential: each user's kubectl runs
// `aws eks get-token` with their own AWS identity, and what that identity may do in the cluster
// is what spec.accessEntries grants it. So the Secret is safe to hand to anyone who may read it.
namespace aura::reconcilers::cluster {

// The Secret's key, as status.kubeconfigSecretName documents (and as Cluster API names it).
inline constexpr const char* kKubeconfigKey = "value";

// "<name>-kubeconfig", the Secret's name in the EphemeralCluster's namespace.
std::string kubeconfig_secret_name(const std::string& cluster_name);

// The kubeconfig (YAML) for an ACTIVE EKS cluster: its endpoint and CA, one context, and an exec
// user running `aws --region <region> eks get-token --cluster-name <name> --output json`.
std::string build_kubeconfig(const aws::eks::Cluster& cluster, const std::string& region);

}  // namespace aura::reconcilers::cluster
