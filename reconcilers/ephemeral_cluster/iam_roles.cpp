#include "reconcilers/ephemeral_cluster/iam_roles.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace aura::reconcilers::cluster {

namespace {

using aws::Result;

std::string managed(const std::string& partition, const std::string& name) {
  return "arn:" + partition + ":iam::aws:policy/" + name;
}

// Lets `service` assume the role (and tag its sessions, as EKS Pod Identity does).
std::string trust_policy(const std::string& service) {
  return nlohmann::json{{"Version", "2012-10-17"},
                        {"Statement",
                         {{{"Effect", "Allow"},
                           {"Principal", {{"Service", service}}},
                           {"Action", {"sts:AssumeRole", "sts:TagSession"}}}}}}
      .dump();
}

}  // namespace

std::vector<std::string> cluster_role_policies(const std::string& partition) {
  return {managed(partition, "AmazonEKSClusterPolicy")};
}

std::vector<std::string> node_role_policies(const std::string& partition) {
  return {managed(partition, "AmazonEKSWorkerNodePolicy"),
          managed(partition, "AmazonEKS_CNI_Policy"),
          managed(partition, "AmazonEC2ContainerRegistryReadOnly"),
          managed(partition, "AmazonSSMManagedInstanceCore")};
}

IamSteps::IamSteps(aws::IamClient& iam, const ClusterIdentity& identity,
                   NetworkSteps::RecordStatus record_status)
    : iam_(iam), id_(identity), record_(std::move(record_status)) {}

Result<aws::iam::Role> IamSteps::ensure_role(const std::string& name, const std::string& service,
                                             const std::vector<std::string>& policies) {
  auto role = iam_.get_role(name);
  if (!role && role.error().is_not_found()) {
    aws::iam::CreateRoleRequest req;
    req.name = name;
    req.assume_role_policy_document = trust_policy(service);
    req.description = "Aura: " + id_.eks_name();
    req.tags = id_.tags(name.substr(name.rfind('-') + 1) + "-role");
    role = iam_.create_role(req);
    // Another pass (a replica before a crash) made it between the get and the create.
    if (!role && role.error().is_already_exists()) role = iam_.get_role(name);
  }
  if (!role) return std::unexpected(role.error());
  auto attached = iam_.list_attached_role_policies(name);
  if (!attached) return std::unexpected(attached.error());
  for (const auto& arn : policies)
    if (std::none_of(attached->begin(), attached->end(),
                     [&](const auto& p) { return p.arn == arn; }))
      if (auto r = iam_.attach_role_policy(name, arn); !r) return std::unexpected(r.error());
  return role;
}

Result<Progress> IamSteps::ensure(const IamPlan& plan, api::IAMStatus& status) {
  auto record = [&](std::optional<std::string>& field, const std::string& value) {
    if (field == value) return;
    field = value;
    record_();
  };
  auto cluster_role = ensure_role(id_.iam_role_name("cluster"), "eks.amazonaws.com",
                                  cluster_role_policies(plan.partition));
  if (!cluster_role) return std::unexpected(cluster_role.error());
  record(status.clusterRoleARN, cluster_role->arn);
  auto node_role = ensure_role(id_.iam_role_name("node"), "ec2.amazonaws.com",
                               node_role_policies(plan.partition));
  if (!node_role) return std::unexpected(node_role.error());
  record(status.nodeRoleARN, node_role->arn);

  const auto profile_name = id_.instance_profile_name();
  auto profile = iam_.get_instance_profile(profile_name);
  if (!profile && profile.error().is_not_found()) {
    profile = iam_.create_instance_profile(
        {profile_name, std::string(aws::iam::kAuraPath), id_.tags("instance-profile")});
    if (!profile && profile.error().is_already_exists())
      profile = iam_.get_instance_profile(profile_name);
  }
  if (!profile) return std::unexpected(profile.error());
  if (profile->roles.empty())
    if (auto r = iam_.add_role_to_instance_profile(profile_name, node_role->name);
        !r && !r.error().is_already_exists() && r.error().code != "LimitExceeded")
      return std::unexpected(r.error());
  record(status.nodeInstanceProfileName, profile->name);
  record(status.nodeInstanceProfileARN, profile->arn);
  return Progress::complete();
}

Result<bool> IamSteps::remove_role(const std::string& name) {
  auto attached = iam_.list_attached_role_policies(name);
  if (!attached) {
    if (attached.error().is_not_found()) return true;
    return std::unexpected(attached.error());
  }
  for (const auto& p : *attached)
    if (auto r = iam_.detach_role_policy(name, p.arn); !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  auto inline_policies = iam_.list_role_policies(name);
  if (!inline_policies) return std::unexpected(inline_policies.error());
  for (const auto& p : *inline_policies)
    if (auto r = iam_.delete_role_policy(name, p); !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  auto r = iam_.delete_role(name);
  if (!r && r.error().code == "DeleteConflict") return false;  // still in a profile: next pass
  if (!r && !r.error().is_not_found()) return std::unexpected(r.error());
  return true;
}

Result<Progress> IamSteps::remove(api::IAMStatus& status) {
  using namespace std::chrono_literals;
  const auto profile_name = id_.instance_profile_name();
  auto profile = iam_.get_instance_profile(profile_name);
  if (profile) {
    for (const auto& role : profile->roles)
      if (auto r = iam_.remove_role_from_instance_profile(profile_name, role.name);
          !r && !r.error().is_not_found())
        return std::unexpected(r.error());
    if (auto r = iam_.delete_instance_profile(profile_name); !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  } else if (!profile.error().is_not_found()) {
    return std::unexpected(profile.error());
  }
  std::string blocked;
  for (const auto& role : {id_.iam_role_name("node"), id_.iam_role_name("cluster")}) {
    auto gone = remove_role(role);
    if (!gone) return std::unexpected(gone.error());
    if (!*gone && blocked.empty()) blocked = "IAM role " + role + " still in use";
  }
  if (!blocked.empty()) return Progress::wait(blocked, 10s);
  status = api::IAMStatus{};
  record_();
  return Progress::complete();
}

Result<std::vector<std::string>> IamSteps::inventory() {
  std::vector<std::string> out;
  for (const auto& role : {id_.iam_role_name("cluster"), id_.iam_role_name("node")}) {
    auto r = iam_.get_role(role);
    if (r)
      out.push_back("role " + role);
    else if (!r.error().is_not_found())
      return std::unexpected(r.error());
  }
  auto p = iam_.get_instance_profile(id_.instance_profile_name());
  if (p)
    out.push_back("instance-profile " + p->name);
  else if (!p.error().is_not_found())
    return std::unexpected(p.error());
  return out;
}

}  // namespace aura::reconcilers::cluster
