#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/ec2.h"
#include "operator/aws/eks.h"
#include "operator/aws/elb.h"
#include "operator/aws/iam.h"
#include "operator/aws/session.h"
#include "reconcilers/ephemeral_cluster/access_entries.h"
#include "reconcilers/ephemeral_cluster/addons.h"
#include "reconcilers/ephemeral_cluster/child_leftovers.h"
#include "reconcilers/ephemeral_cluster/control_plane.h"
#include "reconcilers/ephemeral_cluster/iam_roles.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"
#include "reconcilers/ephemeral_cluster/tags.h"

// The driver of an EphemeralCluster's AWS steps: one pass of ensure (or remove) over network,
// IAM and control plane, folded into one outcome the reconciler turns into status and a
// requeue. It never waits: whatever AWS is still doing comes back as kWaiting with a delay.
namespace aura::reconcilers::cluster {

// One condition type per step.
inline constexpr const char* kNetworkReady = "NetworkReady";
inline constexpr const char* kIAMReady = "IAMReady";
inline constexpr const char* kControlPlaneReady = "ControlPlaneReady";
inline constexpr const char* kAccessEntriesReady = "AccessEntriesReady";
inline constexpr const char* kAddonsReady = "AddonsReady";
// Every resource carries spec.tags (status.appliedTags equals them): tags.h.
inline constexpr const char* kTagsApplied = "TagsApplied";
// Deletion only: what the child cluster left in the VPC (child_leftovers.h) is gone.
inline constexpr const char* kChildResourcesDeleted = "ChildResourcesDeleted";

struct ClusterClients {
  aws::Ec2Client ec2;
  aws::IamClient iam;
  aws::EksClient eks;
  aws::ElbV2Client elbv2;
  aws::ElbClassicClient elb;
};

// The clients of one cluster: in spec.region, and acting as spec.assumeRole when it is set
// (session name aura-<namespace>-<name> unless the spec names one).
ClusterClients clients_for(aws::AwsSession& session, const api::EphemeralClusterSpec& spec,
                           const std::string& ns, const std::string& name);

// spec.network.vpcID: the user's VPC, checked and recorded but never changed or deleted.
bool brings_own_network(const api::EphemeralClusterSpec& spec);

// Every AWS resource status names that Aura made, as "kind id" lines: the reconciler emits an
// Event for each line that appears (created) or goes (deleted). With `own_network` false the
// VPC and subnets are the user's and not listed.
std::vector<std::string> recorded_resources(const api::EphemeralClusterStatus& status,
                                            bool own_network);

struct StepCondition {
  std::string type;
  bool ready = false;
  std::string reason;
  std::string message;
};

// Where one pass left the cluster; the worst step decides.
struct Outcome {
  enum class Kind {
    kDone,       // every step is done
    kWaiting,    // AWS is still at work: pass again after retry_after
    kAwsError,   // an AWS call failed: retry with backoff
    kSpecError,  // the spec must change; message names the field
  };
  Kind kind = Kind::kDone;
  std::string message;
  std::chrono::seconds retry_after{0};
  std::vector<StepCondition> conditions;

  void wait(const std::string& what, std::chrono::seconds after);
  void aws_error(const std::string& what);
  void spec_error(const std::string& what);
};

// "done", "waiting", "aws-error", "spec-error": for logs.
std::string_view to_string(Outcome::Kind kind);

class Provisioning {
 public:
  Provisioning(ClusterClients& clients, const ClusterIdentity& identity,
               NetworkSteps::RecordStatus record_status);

  // Network and IAM side by side (neither needs the other), then the control plane and its
  // OIDC provider once both are done, then access entries and add-ons side by side, and once
  // all are done, a change of spec.tags onto every resource.
  Outcome ensure(const api::EphemeralClusterSpec& spec, api::EphemeralClusterStatus& status);
  // In DESIGN.md's order, each step finished before the next: control plane and OIDC provider,
  // what the child cluster left in the VPC (load balancers, their security groups, interfaces),
  // network (skipped for a VPC the user brought), IAM. Done only when inventory() is empty.
  Outcome remove(const api::EphemeralClusterSpec& spec, api::EphemeralClusterStatus& status);
  // Everything tagged with (or named after) this cluster that still exists in AWS.
  aws::Result<std::vector<std::string>> inventory();
  // The EKS cluster, once an ensure() found it ACTIVE: its endpoint and CA for the kubeconfig.
  const std::optional<aws::eks::Cluster>& control_plane() const { return control_plane_.active(); }
  // The Event's note when an ensure() retagged resources (TagSteps::updated), else empty.
  const std::string& tags_updated() const { return tags_.updated(); }

 private:
  ClusterClients& clients_;
  NetworkSteps::RecordStatus record_;
  NetworkSteps network_;
  IamSteps iam_;
  ControlPlaneSteps control_plane_;
  AccessEntrySteps access_entries_;
  AddonSteps addons_;
  TagSteps tags_;
  ChildLeftovers leftovers_;
};

}  // namespace aura::reconcilers::cluster
