#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/api/ephemeral_cluster_types.h"
#include "operator/aws/ec2.h"
#include "operator/aws/eks.h"
#include "operator/aws/iam.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/network.h"

// spec.tags changed on a live cluster, applied in place (issue 5). Resources are born with the
// user's tags; what they carry since is status.appliedTags, the only memory of it (DESIGN.md
// invariant 1): AWS cannot tell a key Aura put there from one another tool added, so keys are
// removed only when appliedTags has them and spec.tags no longer does.
//
// Creates use appliedTags, not spec.tags (ClusterIdentity is built from it), and the retagging
// runs only once every other step is done, when status names every resource (adopted ones
// too). So every resource carries appliedTags or, after a crash in the middle of a retagging,
// a mix of appliedTags and spec.tags, and the next pass's diff turns either into spec.tags.
// appliedTags is written only after the last resource is retagged; tag calls are idempotent.
namespace aura::reconcilers::cluster {

// Keys that are Aura's on some resource: its ownership and role tags (aura.io/*), the tags
// Kubernetes and Karpenter look for (kubernetes.io/*, karpenter.sh/discovery), Name, and AWS's
// own prefix. A user's tag with such a key is never set or removed in place: that could
// overwrite or remove Aura's value, and the operator's IAM policy forbids it.
bool is_aura_tag_key(std::string_view key);

// What turns resources carrying the user's tags `applied` into ones carrying `wanted`, leaving
// out Aura's keys.
struct TagDiff {
  Tags set;                         // added or changed, with the new value
  std::vector<std::string> remove;  // in `applied`, gone from `wanted`
  bool empty() const { return set.empty() && remove.empty(); }
};
TagDiff diff_tags(const Tags& applied, const Tags& wanted);

// The resources of a cluster that carry the user's tags, as status names them: never a VPC or
// subnet the user brought (`own_network` false: no EC2 resource at all), never what EKS made
// (the cluster security group, the creator's access entry).
struct RetagTargets {
  std::vector<std::string> ec2_ids;            // VPC, subnets, gateway, IPs, NATs, tables, SG
  std::vector<std::string> iam_roles;          // names
  std::vector<std::string> instance_profiles;  // names
  std::vector<std::string> oidc_providers;     // ARNs
  std::vector<std::string> eks_arns;           // the cluster and its access entries
  std::vector<std::string> addons;             // names: their ARNs come from DescribeAddon
};
RetagTargets retag_targets(const api::EphemeralClusterStatus& status, const ClusterIdentity& id,
                           bool own_network);

// `ids` in slices of at most 1000, the most EC2's CreateTags and DeleteTags take a call.
std::vector<std::vector<std::string>> ec2_tag_batches(const std::vector<std::string>& ids);

// "Updated tags on 12 resources: set team, cost-center; removed owner": the Event's note.
std::string describe_update(std::size_t resources, const TagDiff& diff);

class TagSteps {
 public:
  TagSteps(aws::Ec2Client& ec2, aws::IamClient& iam, aws::EksClient& eks,
           const ClusterIdentity& identity, NetworkSteps::RecordStatus record_status);

  // Call once every other step is done. Nothing (no AWS call) when `wanted` equals
  // status.appliedTags; otherwise retags every resource of retag_targets() and then records
  // `wanted` in status.appliedTags. Done in one pass; an error names the resource it failed on.
  aws::Result<Progress> ensure(const Tags& wanted, bool own_network,
                               api::EphemeralClusterStatus& status);
  // The Event's note when the last ensure() retagged something, else empty.
  const std::string& updated() const { return updated_; }

 private:
  aws::Ec2Client& ec2_;
  aws::IamClient& iam_;
  aws::EksClient& eks_;
  const ClusterIdentity& id_;
  NetworkSteps::RecordStatus record_;
  std::string updated_;
};

}  // namespace aura::reconcilers::cluster
