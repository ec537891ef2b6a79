#include "reconcilers/ephemeral_cluster/tagged_resources.h"

#include <map>

#include "reconcilers/ephemeral_cluster/identity.h"

namespace aura::reconcilers::cluster {

namespace {

using aws::Result;

bool owned_by_aura(const aws::Tags& tags, const std::optional<std::string>& uid) {
  const auto by = tags.find(kTagManagedBy);
  const auto owner = tags.find(kTagClusterUid);
  if (by == tags.end() || by->second != kManagedByValue || owner == tags.end() ||
      owner->second.empty())
    return false;
  return !uid || owner->second == *uid;
}

aws::DescribeQuery owned_query(const std::optional<std::string>& uid) {
  aws::DescribeQuery q;
  q.filters.push_back(aws::tag_filter(kTagManagedBy, kManagedByValue));
  q.filters.push_back(uid ? aws::tag_filter(kTagClusterUid, *uid)
                          : aws::tag_key_filter(kTagClusterUid));
  return q;
}

// Appends the items of `items` that Aura owns, as `kind`, to `out`; `id_of` picks an item's ID.
template <typename T, typename IdOf>
void take_owned(const std::vector<T>& items, const char* kind, const std::string& region,
                const std::optional<std::string>& uid, IdOf id_of,
                std::vector<TaggedResource>& out) {
  for (const auto& item : items)
    if (owned_by_aura(item.tags, uid)) out.push_back({kind, id_of(item), region, item.tags});
}

}  // namespace

Result<std::vector<TaggedResource>> find_network(aws::Ec2Client& ec2, const std::string& region,
                                                 const std::optional<std::string>& uid) {
  std::vector<TaggedResource> out;
  const auto q = owned_query(uid);
  const auto id = [](const auto& item) { return item.id; };
  auto vpcs = ec2.describe_vpcs(q);
  if (!vpcs) return std::unexpected(vpcs.error());
  take_owned(*vpcs, "vpc", region, uid, id, out);
  auto subnets = ec2.describe_subnets(q);
  if (!subnets) return std::unexpected(subnets.error());
  take_owned(*subnets, "subnet", region, uid, id, out);
  auto igws = ec2.describe_internet_gateways(q);
  if (!igws) return std::unexpected(igws.error());
  take_owned(*igws, "internet-gateway", region, uid, id, out);
  auto addresses = ec2.describe_addresses(q);
  if (!addresses) return std::unexpected(addresses.error());
  take_owned(
      *addresses, "elastic-ip", region, uid, [](const aws::Address& a) { return a.allocation_id; },
      out);
  auto nats = ec2.describe_nat_gateways(q);
  if (!nats) return std::unexpected(nats.error());
  std::erase_if(*nats, [](const aws::NatGateway& n) { return n.state == "deleted"; });
  take_owned(*nats, "nat-gateway", region, uid, id, out);
  auto tables = ec2.describe_route_tables(q);
  if (!tables) return std::unexpected(tables.error());
  take_owned(*tables, "route-table", region, uid, id, out);
  auto groups = ec2.describe_security_groups(q);
  if (!groups) return std::unexpected(groups.error());
  take_owned(*groups, "security-group", region, uid, id, out);

  return out;
}

Result<std::vector<TaggedResource>> find_eks_clusters(aws::EksClient& eks,
                                                      const std::string& region) {
  std::vector<TaggedResource> out;
  // EKS lists names only; Aura's all start with "aura-" (ClusterIdentity::eks_name), and the
  // operator's policy lets it describe no other.
  auto names = eks.list_clusters();
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    if (!name.starts_with("aura-")) continue;
    auto c = eks.describe_cluster(name);
    if (!c && c.error().is_not_found()) continue;  // deleted since the list
    if (!c) return std::unexpected(c.error());
    if (owned_by_aura(c->tags, std::nullopt))
      out.push_back({"eks-cluster", c->name, region, c->tags});
  }
  return out;
}

Result<std::vector<TaggedResource>> find_global(aws::IamClient& iam,
                                                const std::optional<std::string>& uid) {
  std::vector<TaggedResource> out;
  // ListRoles returns no tags: each role of Aura's path is asked for its own.
  auto roles = iam.list_roles(std::string(aws::iam::kAuraPath));
  if (!roles) return std::unexpected(roles.error());
  for (const auto& role : *roles) {
    if (!role.name.starts_with("aura-")) continue;
    auto tags = iam.list_role_tags(role.name);
    if (!tags && tags.error().is_not_found()) continue;
    if (!tags) return std::unexpected(tags.error());
    if (owned_by_aura(*tags, uid)) out.push_back({"iam-role", role.name, "", *tags});
  }
  auto arns = iam.list_open_id_connect_providers();
  if (!arns) return std::unexpected(arns.error());
  for (const auto& arn : *arns) {
    // Providers of others may be out of the operator's reach (its policy allows only EKS
    // issuers): what cannot be read is not Aura's.
    auto provider = iam.get_open_id_connect_provider(arn);
    if (provider && owned_by_aura(provider->tags, uid))
      out.push_back({"oidc-provider", arn, "", provider->tags});
  }
  return out;
}

std::vector<Owner> group_by_owner(const std::vector<TaggedResource>& resources) {
  std::map<std::string, Owner> by_uid;
  for (const auto& r : resources) {
    const auto uid = r.tags.find(kTagClusterUid);
    if (uid == r.tags.end()) continue;
    auto& owner = by_uid[uid->second];
    owner.uid = uid->second;
    if (const auto c = r.tags.find(kTagCluster); c != r.tags.end() && owner.ns.empty()) {
      const auto slash = c->second.find('/');
      if (slash != std::string::npos && slash > 0 && slash + 1 < c->second.size()) {
        owner.ns = c->second.substr(0, slash);
        owner.name = c->second.substr(slash + 1);
      }
    }
    if (!r.region.empty()) owner.regions.insert(r.region);
    if (const auto k = r.tags.find(kTagRetained); k != r.tags.end() && k->second == "true")
      owner.retained = true;
    owner.resources.push_back(r);
  }
  std::vector<Owner> out;
  for (auto& [_, owner] : by_uid) out.push_back(std::move(owner));
  return out;
}

}  // namespace aura::reconcilers::cluster
