#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "reconcilers/common/status_update.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"

// Between the typed status the AWS steps fill and the JSON status the reconciler writes.
namespace aura::reconcilers::cluster {

// Copies the AWS resource IDs of `status` (network, iam, EKS and OIDC fields) and the tags they
// carry (appliedTags) into `st`.
void put_resource_ids(StatusUpdate& st, const api::EphemeralClusterStatus& status);

// One condition per step, as the pass left it.
void put_step_conditions(StatusUpdate& st, const Outcome& outcome);

// The resources in `after` that are not in `before` (both sorted).
std::vector<std::string> added(const std::vector<std::string>& before,
                               const std::vector<std::string>& after);

// How long a Ready cluster rests before its resources are verified again: about two hours,
// spread over ±10 minutes by the UID so that many clusters created together do not all call AWS
// at once (deterministic, so tests and restarts see the same value). One verification of a
// cluster with a NAT gateway, an access entry and an add-on costs 16 describe calls
// (bench/cluster), so a cluster at rest costs about 8 AWS calls an hour, under the 12 the
// design allows; an hour would have been 16.
std::chrono::seconds reverify_interval(const std::string& uid);

}  // namespace aura::reconcilers::cluster
