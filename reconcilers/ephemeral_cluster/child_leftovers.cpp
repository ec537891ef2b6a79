#include "reconcilers/ephemeral_cluster/child_leftovers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

namespace aura::reconcilers::cluster {

namespace {

using aws::Result;

// ELB deletes asynchronously and releases its interfaces a little later; a pass comes back then.
constexpr std::chrono::seconds kRecheck{15};
// ELB releases a deleted load balancer's interfaces within a minute or two.
constexpr std::chrono::seconds kReleaseRecheck{10};

// The load balancer an interface ELB made belongs to: "ELB net/<name>/<id>", "ELB app/<name>/<id>"
// (v2) or "ELB <name>" (classic); empty for any other interface.
std::string elb_of(const aws::NetworkInterface& eni) {
  const std::string prefix = "ELB ";
  if (!eni.requester_managed || eni.description.rfind(prefix, 0) != 0) return {};
  std::string rest = eni.description.substr(prefix.size());
  for (const char* kind : {"net/", "app/", "gwy/"})
    if (rest.rfind(kind, 0) == 0) {
      rest = rest.substr(4);
      return rest.substr(0, rest.find('/'));
    }
  return rest;
}

bool has(const aws::Tags& tags, const std::string& key, const std::string& value) {
  auto it = tags.find(key);
  return it != tags.end() && it->second == value;
}

}  // namespace

bool left_by_child(const aws::Tags& tags, const std::string& eks_name) {
  if (tags.contains("aura.io/cluster-uid")) return false;
  return has(tags, "kubernetes.io/cluster/" + eks_name, "owned") ||
         has(tags, "elbv2.k8s.aws/cluster", eks_name) ||
         has(tags, "cluster.k8s.amazonaws.com/name", eks_name);
}

ChildLeftovers::ChildLeftovers(aws::Ec2Client& ec2, aws::ElbV2Client& elbv2,
                               aws::ElbClassicClient& elb, std::string eks_name)
    : ec2_(ec2), elbv2_(elbv2), elb_(elb), eks_name_(std::move(eks_name)) {}

Result<ChildLeftovers::Found> ChildLeftovers::find(const std::string& vpc_id, bool own_vpc) {
  Found found;
  std::set<std::string> existing;  // names of every load balancer in the region
  auto v2 = elbv2_.describe_load_balancers();
  if (!v2) return std::unexpected(v2.error());
  for (auto& lb : *v2) {
    existing.insert(lb.name);
    if (lb.vpc_id == vpc_id && left_by_child(lb.tags, eks_name_)) found.v2.push_back(lb);
  }
  auto classic = elb_.describe_load_balancers();
  if (!classic) return std::unexpected(classic.error());
  for (auto& lb : *classic) {
    existing.insert(lb.name);
    if (lb.vpc_id == vpc_id && left_by_child(lb.tags, eks_name_)) found.classic.push_back(lb);
  }
  if (own_vpc) {
    auto groups = elbv2_.describe_target_groups(vpc_id);
    if (!groups) return std::unexpected(groups.error());
    found.target_groups = std::move(*groups);
  }
  aws::DescribeQuery in_vpc;
  in_vpc.filters.push_back(aws::vpc_filter(vpc_id));
  auto sgs = ec2_.describe_security_groups(in_vpc);
  if (!sgs) return std::unexpected(sgs.error());
  for (auto& sg : *sgs)
    if (left_by_child(sg.tags, eks_name_)) found.security_groups.push_back(sg);
  auto enis = ec2_.describe_network_interfaces(in_vpc);
  if (!enis) return std::unexpected(enis.error());
  for (auto& eni : *enis) {
    // Only detached ones: an interface in use belongs to something that is still running (an
    // ELB being deleted takes its own with it, a while after the delete: until then it blocks
    // the subnet and the security groups, so the step waits for it).
    if (eni.status == "available" && left_by_child(eni.tags, eks_name_))
      found.interfaces.push_back(eni);
    else if (const auto elb = elb_of(eni); !elb.empty() && !existing.contains(elb))
      found.releasing.push_back(eni.id);
  }
  return found;
}

Result<std::vector<std::string>> ChildLeftovers::inventory(const std::string& vpc_id,
                                                           bool own_vpc) {
  auto found = find(vpc_id, own_vpc);
  if (!found) return std::unexpected(found.error());
  std::vector<std::string> out;
  for (const auto& lb : found->v2) out.push_back("load-balancer " + lb.arn);
  for (const auto& lb : found->classic) out.push_back("load-balancer " + lb.name);
  for (const auto& tg : found->target_groups) out.push_back("target-group " + tg);
  for (const auto& sg : found->security_groups) out.push_back("security-group " + sg.id);
  for (const auto& eni : found->interfaces) out.push_back("network-interface " + eni.id);
  return out;
}

Result<Progress> ChildLeftovers::remove(const std::string& vpc_id, bool own_vpc) {
  auto found = find(vpc_id, own_vpc);
  if (!found) return std::unexpected(found.error());
  const auto gone = [](const Result<void>& r) { return r || r.error().is_not_found(); };

  if (!found->v2.empty() || !found->classic.empty()) {
    for (const auto& lb : found->v2)
      if (auto r = elbv2_.delete_load_balancer(lb.arn); !gone(r)) return std::unexpected(r.error());
    for (const auto& lb : found->classic)
      if (auto r = elb_.delete_load_balancer(lb.name); !gone(r)) return std::unexpected(r.error());
    return Progress::wait(std::to_string(found->v2.size() + found->classic.size()) +
                              " load balancer(s) the child cluster left in " + vpc_id +
                              " to be deleted",
                          kRecheck);
  }
  // A target group still used by a listener cannot go; with the load balancers gone none is.
  for (const auto& tg : found->target_groups)
    if (auto r = elbv2_.delete_target_group(tg); !gone(r)) return std::unexpected(r.error());
  for (const auto& eni : found->interfaces)
    if (auto r = ec2_.delete_network_interface(eni.id); !gone(r)) return std::unexpected(r.error());

  std::vector<std::string> blocked;
  for (const auto& sg : found->security_groups) {
    auto r = ec2_.delete_security_group(sg.id);
    if (gone(r)) continue;
    // An interface ELB has not released yet still uses it.
    if (r.error().is_dependency_violation()) {
      blocked.push_back(sg.id);
      continue;
    }
    return std::unexpected(r.error());
  }
  if (!blocked.empty())
    return Progress::wait(fmt::format("security group(s) the child cluster left, still in use: {}",
                                      fmt::join(blocked, ", ")),
                          kRecheck);
  if (!found->releasing.empty())
    return Progress::wait(fmt::format("ELB to release the interfaces of deleted load balancers: {}",
                                      fmt::join(found->releasing, ", ")),
                          kReleaseRecheck);
  return Progress::complete();
}

}  // namespace aura::reconcilers::cluster
