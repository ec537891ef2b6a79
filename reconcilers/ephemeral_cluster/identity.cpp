#include "reconcilers/ephemeral_cluster/identity.h"

#include "operator/aws/crypto.h"

namespace aura::reconcilers::cluster {

namespace {

constexpr std::size_t kEksNameMax = 100;
constexpr std::size_t kIamRoleNameMax = 64;

// `base` cut to leave room for `suffix` within `max`, without a trailing '-'.
std::string fit(std::string base, const std::string& suffix, std::size_t max) {
  if (base.size() + suffix.size() > max) base.resize(max - suffix.size());
  while (!base.empty() && base.back() == '-') base.pop_back();
  return base + suffix;
}

}  // namespace

ClusterIdentity::ClusterIdentity(std::string namespace_, std::string name, std::string uid,
                                 Tags user_tags)
    : namespace_(std::move(namespace_)),
      name_(std::move(name)),
      uid_(std::move(uid)),
      user_tags_(std::move(user_tags)) {
  const std::string hash = "-" + aws::sha256_hex(uid_).substr(0, 8);
  eks_name_ = fit("aura-" + this->namespace_ + "-" + name_, hash, kEksNameMax);
}

std::string ClusterIdentity::iam_role_name(std::string_view role) const {
  // The UID hash must survive the cut: names are unique per cluster, not per namespace/name.
  const std::string hash = "-" + aws::sha256_hex(uid_).substr(0, 8);
  return fit("aura-" + namespace_ + "-" + name_, hash + "-" + std::string(role), kIamRoleNameMax);
}

std::string ClusterIdentity::instance_profile_name() const {
  return iam_role_name("node");
}

std::string ClusterIdentity::security_group_name() const {
  return eks_name_ + "-cluster";
}

Tags ClusterIdentity::ownership_tags() const {
  return {{kTagManagedBy, kManagedByValue}, {kTagClusterUid, uid_}};
}

Tags ClusterIdentity::tags(std::string_view role) const {
  Tags t = user_tags_;
  for (auto& [k, v] : ownership_tags()) t[k] = v;
  t[kTagCluster] = namespace_ + "/" + name_;
  t["kubernetes.io/cluster/" + eks_name_] = "owned";
  t[kTagRole] = std::string(role);
  t["Name"] = eks_name_ + "-" + std::string(role);
  return t;
}

std::string ClusterIdentity::client_token(std::string_view step) const {
  return "aura-" + aws::sha256_hex(uid_ + "/" + std::string(step)).substr(0, 48);
}

}  // namespace aura::reconcilers::cluster
