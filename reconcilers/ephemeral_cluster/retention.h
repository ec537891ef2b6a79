#pragma once

#include <string>

#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"

// deletionPolicy Retain: the object goes, its AWS resources stay. Once the object is gone,
// nothing but tags tells them apart from what a crash or a bug leaked (DESIGN.md invariant 1),
// so before the finalizer goes they are marked aura.io/retained=true, and the orphan sweeper
// leaves alone every UID any of whose resources carries the mark.
namespace aura::reconcilers::cluster {

// Tags the cluster's network resources in `region`, its IAM roles and its OIDC provider (the
// resources whose clients can tag; the EKS cluster and instance profile go unmarked, which is
// enough: the sweeper judges a UID by any of its resources, and the roles always exist while
// the EKS cluster does). Idempotent. Returns how many resources carry the mark.
aws::Result<std::size_t> mark_retained(ClusterClients& clients, const ClusterIdentity& identity,
                                       const std::string& region);

}  // namespace aura::reconcilers::cluster
