#pragma once

#include <map>
#include <string>
#include <string_view>

// Who owns an AWS resource, and what it is called: everything Aura creates for one
// EphemeralCluster is named and tagged from the object's namespace, name and UID alone, so that a
// restarted operator (or one whose status write was lost) finds its resources again by tag, and
// a cluster deleted and created again under the same name never collides with the old one while
// that is still being torn down (DESIGN.md invariants 2 and 3).
namespace aura::reconcilers::cluster {

using Tags = std::map<std::string, std::string>;

inline constexpr const char* kTagManagedBy = "aura.io/managed-by";
inline constexpr const char* kTagClusterUid = "aura.io/cluster-uid";
inline constexpr const char* kTagCluster = "aura.io/cluster";
inline constexpr const char* kTagRole = "aura.io/role";
// Set to "true" on what a cluster with deletionPolicy Retain left behind when its object went:
// the orphan sweeper never touches a UID any of whose resources carries it (retention.h).
inline constexpr const char* kTagRetained = "aura.io/retained";
inline constexpr const char* kManagedByValue = "aura-operator";
// IAM roles and instance profiles live under this path; config/iam/aura-operator-policy.json
// allows IAM writes only there and only on names starting with "aura-".
inline constexpr const char* kIamPath = "/aura/";

class ClusterIdentity {
 public:
  ClusterIdentity(std::string namespace_, std::string name, std::string uid, Tags user_tags = {});

  const std::string& uid() const { return uid_; }
  // aura-<namespace>-<name>-<8 hex of the UID>, at most 100 characters (EKS's limit), cut in the
  // readable part when too long. Also the prefix of every other name.
  const std::string& eks_name() const { return eks_name_; }
  // IAM names: at most 64 characters (roles), same prefix; role is "cluster" or "node".
  std::string iam_role_name(std::string_view role) const;
  std::string instance_profile_name() const;
  // EC2 security group name (at most 255 characters).
  std::string security_group_name() const;

  // The tags every resource carries from its create call on: the user's tags, then ours (which
  // win on a clash), kubernetes.io/cluster/<eks name>=owned, Name and aura.io/role=<role>.
  Tags tags(std::string_view role) const;
  // The tags that find every resource of this cluster, whatever its role.
  Tags ownership_tags() const;

  // An idempotency token for a create (EC2 ClientToken: at most 64 ASCII characters; EKS
  // clientRequestToken), the same for the same cluster and step on every retry and restart.
  std::string client_token(std::string_view step) const;

 private:
  std::string namespace_, name_, uid_;
  Tags user_tags_;
  std::string eks_name_;
};

}  // namespace aura::reconcilers::cluster
