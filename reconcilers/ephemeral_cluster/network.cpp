#include "reconcilers/ephemeral_cluster/network.h"

#include <algorithm>

#include "operator/common/ipv4_cidr.h"

namespace aura::reconcilers::cluster {

namespace {

using namespace std::chrono_literals;
using aws::Result;

constexpr const char* kAnywhere = "0.0.0.0/0";

std::string role_of(const aws::Tags& tags) {
  const auto it = tags.find(kTagRole);
  return it == tags.end() ? std::string() : it->second;
}

template <typename T>
const T* by_role(const std::vector<T>& items, const std::string& role) {
  for (const auto& item : items)
    if (role_of(item.tags) == role) return &item;
  return nullptr;
}

// The zones that get a NAT gateway.
std::vector<std::string> nat_zones(const NetworkPlan& plan) {
  std::vector<std::string> zones;
  if (plan.nat == api::NatGatewayMode::kNone || plan.zones.empty()) return zones;
  if (plan.nat == api::NatGatewayMode::kSingle) return {plan.zones.front().zone};
  for (const auto& z : plan.zones) zones.push_back(z.zone);
  return zones;
}

bool live(const aws::NatGateway& n) {
  return n.state == "pending" || n.state == "available";
}

// For deletes: done (true), blocked by a dependency to retry later (false), or a real error.
Result<bool> deleted(Result<void> r) {
  if (r || aws::is_ec2_not_found(r.error())) return true;
  if (r.error().is_dependency_violation()) return false;
  return std::unexpected(r.error());
}

}  // namespace

std::expected<NetworkPlan, std::string> plan_network(const api::ClusterNetwork& network) {
  if (!network.vpcCIDR)
    return std::unexpected(
        "spec.network.vpcCIDR: Required value: Aura builds a network only "
        "from a VPC CIDR");
  const auto vpc = parse_ipv4_cidr(*network.vpcCIDR);
  if (!vpc.cidr) return std::unexpected("spec.network.vpcCIDR: Invalid value: " + vpc.error);
  if (network.zones.size() < 2)
    return std::unexpected(
        "spec.network.zones: Required value: at least two zones (EKS spreads its control plane "
        "over two)");
  const auto n = static_cast<std::uint32_t>(network.zones.size());
  const int bits = n <= 4 ? 3 : 4;
  const std::uint32_t blocks = 1u << bits;
  NetworkPlan plan;
  plan.vpc_cidr = *network.vpcCIDR;
  plan.nat = network.natGateways.value_or(api::NatGatewayMode::kSingle);
  for (std::uint32_t i = 0; i < n; ++i) {
    ZoneSubnets z{network.zones[i], {}, {}};
    auto carve = [&](const std::vector<std::string>& given, std::uint32_t block,
                     const char* field) -> std::expected<std::string, std::string> {
      if (given.size() == n) return given[i];
      const auto b = sub_block(*vpc.cidr, bits, block);
      if (!b || b->prefix > 28)
        return std::unexpected(std::string("spec.network.") + field +
                               ": Required value: the VPC is too small to carve " +
                               std::to_string(blocks) + " subnets from; give them");
      return to_string(*b);
    };
    auto pub = carve(network.publicSubnetCIDRs, i, "publicSubnetCIDRs");
    if (!pub) return std::unexpected(pub.error());
    auto priv = carve(network.privateSubnetCIDRs, blocks - n + i, "privateSubnetCIDRs");
    if (!priv) return std::unexpected(priv.error());
    z.public_cidr = *pub;
    z.private_cidr = *priv;
    plan.zones.push_back(std::move(z));
  }
  // Given CIDRs are checked here, not left to CreateSubnet: a clear error naming the field
  // before anything is made, instead of a network half built.
  std::vector<std::pair<std::string, Ipv4Cidr>> seen;
  auto check = [&](const std::string& text,
                   const std::string& field) -> std::expected<void, std::string> {
    const auto c = parse_ipv4_cidr(text);
    if (!c.cidr) return std::unexpected(field + ": Invalid value: \"" + text + "\": " + c.error);
    if (!vpc.cidr->contains(*c.cidr))
      return std::unexpected(field + ": Invalid value: \"" + text + "\": not inside vpcCIDR " +
                             *network.vpcCIDR);
    for (const auto& [other, cidr] : seen)
      if (cidr.overlaps(*c.cidr))
        return std::unexpected(field + ": Invalid value: \"" + text + "\": overlaps " + other);
    seen.emplace_back(field, *c.cidr);
    return {};
  };
  for (const bool pub : {true, false})
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto& z = plan.zones[i];
      const auto field = std::string("spec.network.") +
                         (pub ? "publicSubnetCIDRs[" : "privateSubnetCIDRs[") + std::to_string(i) +
                         "]";
      if (auto r = check(pub ? z.public_cidr : z.private_cidr, field); !r)
        return std::unexpected(r.error());
    }
  return plan;
}

aws::Result<std::expected<api::ClusterNetwork, std::string>> with_zones(
    aws::Ec2Client& ec2, const api::ClusterNetwork& network, const std::string& region) {
  if (!network.zones.empty() || network.vpcID || !network.vpcCIDR) return network;
  const auto count = static_cast<std::size_t>(network.zoneCount.value_or(3));
  aws::DescribeAvailabilityZonesRequest req;
  req.filters = aws::usable_zone_filters();
  auto zones = ec2.describe_availability_zones(req);
  if (!zones) return std::unexpected(zones.error());
  std::vector<std::string> names;
  for (const auto& z : *zones) names.push_back(z.name);
  std::sort(names.begin(), names.end());
  if (names.size() < count || count < 2)
    return std::expected<api::ClusterNetwork, std::string>(
        std::unexpect, "spec.network.zoneCount: Invalid value: " + std::to_string(count) + ": " +
                           region + " has " + std::to_string(names.size()) +
                           " usable availability zones, and EKS needs two");
  api::ClusterNetwork out = network;
  out.zones.assign(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(count));
  out.zoneCount.reset();
  return out;
}

aws::Result<std::expected<void, std::string>> check_existing_network(
    aws::Ec2Client& ec2, const api::ClusterNetwork& network, api::NetworkStatus& status) {
  using Check = std::expected<void, std::string>;
  if (!network.vpcID)
    return Check(std::unexpected("spec.network.vpcID: Required value: no VPC to use"));
  auto vpcs = ec2.describe_vpcs({{*network.vpcID}, {}, 0});
  if (!vpcs && aws::is_ec2_not_found(vpcs.error()))
    return Check(std::unexpected("spec.network.vpcID: Not found: \"" + *network.vpcID +
                                 "\" is not a VPC of this account in the cluster's region"));
  if (!vpcs) return std::unexpected(vpcs.error());
  if (vpcs->empty())
    return Check(std::unexpected("spec.network.vpcID: Not found: \"" + *network.vpcID + "\""));
  auto subnets = network.subnetIDs.empty()
                     ? aws::Result<std::vector<aws::Subnet>>(std::vector<aws::Subnet>{})
                     : ec2.describe_subnets({network.subnetIDs, {}, 0});
  if (!subnets && aws::is_ec2_not_found(subnets.error()))
    return Check(std::unexpected("spec.network.subnetIDs: Not found: " + subnets.error().message));
  if (!subnets) return std::unexpected(subnets.error());
  std::vector<std::string> zones;
  std::vector<api::SubnetStatus> recorded;
  for (std::size_t i = 0; i < network.subnetIDs.size(); ++i) {
    const auto it = std::find_if(subnets->begin(), subnets->end(),
                                 [&](const auto& s) { return s.id == network.subnetIDs[i]; });
    const std::string field = "spec.network.subnetIDs[" + std::to_string(i) + "]";
    if (it == subnets->end())
      return Check(std::unexpected(field + ": Not found: \"" + network.subnetIDs[i] + "\""));
    if (it->vpc_id != *network.vpcID)
      return Check(std::unexpected(field + ": Invalid value: \"" + it->id + "\": in " + it->vpc_id +
                                   ", not in " + *network.vpcID));
    if (std::find(zones.begin(), zones.end(), it->availability_zone) == zones.end())
      zones.push_back(it->availability_zone);
    recorded.push_back(
        {it->id, it->availability_zone, it->cidr_block, it->map_public_ip_on_launch});
  }
  if (zones.size() < 2)
    return Check(std::unexpected("spec.network.subnetIDs: Invalid value: the subnets cover " +
                                 std::to_string(zones.size()) +
                                 " zone(s); EKS needs at least two"));
  status.vpcID = *network.vpcID;
  status.vpcCIDR = vpcs->front().cidr_block;
  status.subnets = std::move(recorded);
  return Check();
}

NetworkSteps::NetworkSteps(aws::Ec2Client& ec2, const ClusterIdentity& identity,
                           RecordStatus record_status)
    : ec2_(ec2), id_(identity), record_(std::move(record_status)) {}

aws::DescribeQuery NetworkSteps::owned(const std::string& role) const {
  aws::DescribeQuery q;
  q.filters = aws::tag_filters(id_.ownership_tags());
  if (!role.empty()) q.filters.push_back(aws::tag_filter(kTagRole, role));
  return q;
}

Result<Progress> NetworkSteps::ensure(const NetworkPlan& plan, api::NetworkStatus& status) {
  std::string waiting;
  auto record = [&](auto& field, const auto& value) {
    if (field == value) return;
    field = value;
    record_();
  };

  // The VPC, with DNS support and hostnames (EKS needs both), set when it is first recorded.
  auto vpcs = ec2_.describe_vpcs(owned("vpc"));
  if (!vpcs) return std::unexpected(vpcs.error());
  std::string vpc_id = vpcs->empty() ? std::string() : vpcs->front().id;
  if (vpc_id.empty()) {
    auto created = ec2_.create_vpc({plan.vpc_cidr, id_.tags("vpc")});
    if (!created) return std::unexpected(created.error());
    vpc_id = created->id;
  }
  // Each is read before it is set: a pass after a crash between the two sets (or after both,
  // before the ID reached status) changes only what is left, instead of setting the first again
  // and again.
  if (status.vpcID != vpc_id) {
    for (auto attr :
         {aws::VpcAttribute::kEnableDnsSupport, aws::VpcAttribute::kEnableDnsHostnames}) {
      auto enabled = ec2_.describe_vpc_attribute(vpc_id, attr);
      if (!enabled) return std::unexpected(enabled.error());
      if (*enabled) continue;
      if (auto r = ec2_.modify_vpc_attribute(vpc_id, attr, true); !r)
        return std::unexpected(r.error());
    }
    status.vpcCIDR = plan.vpc_cidr;
    record(status.vpcID, std::optional<std::string>(vpc_id));
  }

  // The internet gateway, attached.
  auto igws = ec2_.describe_internet_gateways(owned("igw"));
  if (!igws) return std::unexpected(igws.error());
  std::optional<aws::InternetGateway> igw;
  if (!igws->empty()) igw = igws->front();
  if (!igw) {
    auto created = ec2_.create_internet_gateway(id_.tags("igw"));
    if (!created) return std::unexpected(created.error());
    igw = *created;
  }
  record(status.internetGatewayID, std::optional<std::string>(igw->id));
  if (std::none_of(igw->attachments.begin(), igw->attachments.end(),
                   [&](const auto& a) { return a.vpc_id == vpc_id; }))
    if (auto r = ec2_.attach_internet_gateway(igw->id, vpc_id); !r)
      return std::unexpected(r.error());

  // Subnets: a public and a private one per zone.
  auto subnets = ec2_.describe_subnets(owned());
  if (!subnets) return std::unexpected(subnets.error());
  std::vector<api::SubnetStatus> subnet_status;
  std::map<std::string, std::string> public_subnet, private_subnet;  // zone -> id
  for (const auto& z : plan.zones) {
    for (const bool is_public : {true, false}) {
      const std::string role =
          std::string(is_public ? "subnet-public-" : "subnet-private-") + z.zone;
      const std::string& cidr = is_public ? z.public_cidr : z.private_cidr;
      std::optional<aws::Subnet> subnet;
      if (const auto* found = by_role(*subnets, role)) subnet = *found;
      if (!subnet) {
        auto tags = id_.tags(role);
        if (is_public) {
          tags["kubernetes.io/role/elb"] = "1";
        } else {
          tags["kubernetes.io/role/internal-elb"] = "1";
          tags["karpenter.sh/discovery"] = id_.eks_name();
        }
        auto created = ec2_.create_subnet({vpc_id, cidr, z.zone, "", tags});
        if (!created) return std::unexpected(created.error());
        subnet = *created;
        subnet_status.push_back({subnet->id, z.zone, cidr, is_public});
        status.subnets = subnet_status;
        record_();
      }
      // Also after a crash between the create and this call.
      if (is_public && !subnet->map_public_ip_on_launch)
        if (auto r = ec2_.set_map_public_ip_on_launch(subnet->id, true); !r)
          return std::unexpected(r.error());
      if (std::none_of(subnet_status.begin(), subnet_status.end(),
                       [&](const auto& s) { return s.id == subnet->id; }))
        subnet_status.push_back({subnet->id, z.zone, cidr, is_public});
      (is_public ? public_subnet : private_subnet)[z.zone] = subnet->id;
    }
  }
  record(status.subnets, subnet_status);

  // Elastic IPs and NAT gateways.
  auto addresses = ec2_.describe_addresses(owned());
  if (!addresses) return std::unexpected(addresses.error());
  auto nats = ec2_.describe_nat_gateways(owned());
  if (!nats) return std::unexpected(nats.error());
  std::vector<api::ElasticIPStatus> eip_status;
  std::vector<api::NatGatewayStatus> nat_status;
  std::map<std::string, std::string> available_nat;  // zone -> id
  for (const auto& zone : nat_zones(plan)) {
    std::optional<aws::Address> eip;
    if (const auto* found = by_role(*addresses, "eip-" + zone)) eip = *found;
    if (!eip) {
      auto created = ec2_.allocate_address(id_.tags("eip-" + zone));
      if (!created) return std::unexpected(created.error());
      eip = *created;
      eip_status.push_back({eip->allocation_id, eip->public_ip, zone});
      status.elasticIPs = eip_status;
      record_();
    } else {
      eip_status.push_back({eip->allocation_id, eip->public_ip, zone});
    }
    std::optional<aws::NatGateway> nat;
    for (const auto& n : *nats)
      if (role_of(n.tags) == "nat-" + zone && live(n)) nat = n;
    if (!nat) {
      // The token makes a retry after a lost answer find the first gateway, not make a second.
      auto created = ec2_.create_nat_gateway({public_subnet[zone], eip->allocation_id,
                                              id_.client_token("nat-" + zone), "public",
                                              id_.tags("nat-" + zone)});
      if (!created) return std::unexpected(created.error());
      nat = *created;
    }
    nat_status.push_back({nat->id, zone, public_subnet[zone], eip->allocation_id});
    status.natGateways = nat_status;
    if (nat->state == "available")
      available_nat[zone] = nat->id;
    else if (waiting.empty())
      waiting = "NAT gateway " + nat->id + " " + nat->state;
  }
  record(status.elasticIPs, eip_status);
  record(status.natGateways, nat_status);

  // Route tables: one public (default route to the internet gateway) and one private per zone
  // (default route to its zone's NAT gateway, or the single one, once it is available).
  auto tables = ec2_.describe_route_tables(owned());
  if (!tables) return std::unexpected(tables.error());
  std::vector<api::RouteTableStatus> table_status;
  auto ensure_table = [&](const std::string& role, const std::vector<std::string>& subnet_ids,
                          const std::string& igw_id,
                          const std::string& nat_id) -> Result<std::string> {
    std::optional<aws::RouteTable> table;
    if (const auto* found = by_role(*tables, role)) table = *found;
    if (!table) {
      auto created = ec2_.create_route_table({vpc_id, id_.client_token(role), id_.tags(role)});
      if (!created) return std::unexpected(created.error());
      table = *created;
    }
    const bool has_default =
        std::any_of(table->routes.begin(), table->routes.end(),
                    [](const auto& r) { return r.destination_cidr_block == kAnywhere; });
    if (!has_default && (!igw_id.empty() || !nat_id.empty()))
      if (auto r = ec2_.create_route({table->id, kAnywhere, igw_id, nat_id}); !r)
        return std::unexpected(r.error());
    for (const auto& subnet_id : subnet_ids) {
      const bool associated = std::any_of(table->associations.begin(), table->associations.end(),
                                          [&](const auto& a) { return a.subnet_id == subnet_id; });
      if (!associated)
        if (auto r = ec2_.associate_route_table(table->id, subnet_id); !r)
          return std::unexpected(r.error());
    }
    return table->id;
  };
  std::vector<std::string> public_ids;
  for (const auto& z : plan.zones) public_ids.push_back(public_subnet[z.zone]);
  auto public_table = ensure_table("rtb-public", public_ids, igw->id, "");
  if (!public_table) return std::unexpected(public_table.error());
  table_status.push_back({*public_table, std::nullopt, true});
  for (const auto& z : plan.zones) {
    std::string nat_id;
    if (plan.nat == api::NatGatewayMode::kPerZone && available_nat.contains(z.zone))
      nat_id = available_nat[z.zone];
    if (plan.nat == api::NatGatewayMode::kSingle && available_nat.contains(plan.zones[0].zone))
      nat_id = available_nat[plan.zones[0].zone];
    auto table = ensure_table("rtb-private-" + z.zone, {private_subnet[z.zone]}, "", nat_id);
    if (!table) return std::unexpected(table.error());
    table_status.push_back({*table, z.zone, false});
  }
  record(status.routeTables, table_status);

  // The cluster security group: members talk to each other freely.
  auto groups = ec2_.describe_security_groups(owned("sg-cluster"));
  if (!groups) return std::unexpected(groups.error());
  std::string group_id = groups->empty() ? std::string() : groups->front().id;
  if (group_id.empty()) {
    auto created =
        ec2_.create_security_group({id_.security_group_name(), "Aura cluster " + id_.eks_name(),
                                    vpc_id, id_.tags("sg-cluster")});
    if (!created) return std::unexpected(created.error());
    group_id = *created;
  }
  if (status.securityGroupID != group_id) {
    aws::IpPermission self;
    self.groups.push_back({group_id, {}, "members of this cluster"});
    if (auto r = ec2_.authorize_security_group_ingress(group_id, {self});
        !r && !aws::is_ec2_already_exists(r.error()))
      return std::unexpected(r.error());
    record(status.securityGroupID, std::optional<std::string>(group_id));
  }

  if (!waiting.empty()) return Progress::wait(waiting, 15s);
  return Progress::complete();
}

Result<Progress> NetworkSteps::remove(api::NetworkStatus& status) {
  // NAT gateways first, and wait until they are gone: they hold the elastic IPs and the subnets.
  auto nats = ec2_.describe_nat_gateways(owned());
  if (!nats) return std::unexpected(nats.error());
  std::string deleting;
  for (const auto& n : *nats) {
    if (n.state == "deleted") continue;
    if (n.state != "deleting")
      if (auto r = deleted(ec2_.delete_nat_gateway(n.id)); !r) return std::unexpected(r.error());
    deleting = "NAT gateway " + n.id + " deleting";
  }
  if (!deleting.empty()) return Progress::wait(deleting, 15s);
  if (!status.natGateways.empty()) {
    status.natGateways.clear();
    record_();
  }

  std::string blocked;
  auto note = [&](const Result<bool>& gone, const std::string& what) -> Result<void> {
    if (!gone) return std::unexpected(gone.error());
    if (!*gone && blocked.empty()) blocked = what + " still has dependencies";
    return {};
  };
  auto addresses = ec2_.describe_addresses(owned());
  if (!addresses) return std::unexpected(addresses.error());
  for (const auto& a : *addresses)
    if (auto r =
            note(deleted(ec2_.release_address(a.allocation_id)), "elastic IP " + a.allocation_id);
        !r)
      return std::unexpected(r.error());

  auto tables = ec2_.describe_route_tables(owned());
  if (!tables) return std::unexpected(tables.error());
  for (const auto& t : *tables) {
    for (const auto& a : t.associations)
      if (!a.main)
        if (auto r = deleted(ec2_.disassociate_route_table(a.id)); !r)
          return std::unexpected(r.error());
    if (auto r = note(deleted(ec2_.delete_route_table(t.id)), "route table " + t.id); !r)
      return std::unexpected(r.error());
  }

  auto igws = ec2_.describe_internet_gateways(owned());
  if (!igws) return std::unexpected(igws.error());
  for (const auto& g : *igws) {
    for (const auto& a : g.attachments)
      if (auto r = ec2_.detach_internet_gateway(g.id, a.vpc_id);
          !r && !aws::is_not_attached(r.error()) && !aws::is_ec2_not_found(r.error()))
        return std::unexpected(r.error());
    if (auto r = note(deleted(ec2_.delete_internet_gateway(g.id)), "internet gateway " + g.id); !r)
      return std::unexpected(r.error());
  }

  auto subnets = ec2_.describe_subnets(owned());
  if (!subnets) return std::unexpected(subnets.error());
  for (const auto& s : *subnets)
    if (auto r = note(deleted(ec2_.delete_subnet(s.id)), "subnet " + s.id); !r)
      return std::unexpected(r.error());

  auto groups = ec2_.describe_security_groups(owned());
  if (!groups) return std::unexpected(groups.error());
  for (const auto& g : *groups)
    if (auto r = note(deleted(ec2_.delete_security_group(g.id)), "security group " + g.id); !r)
      return std::unexpected(r.error());

  auto vpcs = ec2_.describe_vpcs(owned());
  if (!vpcs) return std::unexpected(vpcs.error());
  for (const auto& v : *vpcs)
    if (auto r = note(deleted(ec2_.delete_vpc(v.id)), "VPC " + v.id); !r)
      return std::unexpected(r.error());

  // Done only when an inventory by tag finds nothing (DESIGN.md invariant 4).
  auto left = inventory();
  if (!left) return std::unexpected(left.error());
  if (!left->empty())
    return Progress::wait(blocked.empty() ? left->front() + " still exists" : blocked, 15s);
  status = api::NetworkStatus{};
  record_();
  return Progress::complete();
}

Result<std::vector<std::string>> NetworkSteps::inventory() {
  std::vector<std::string> out;
  const auto q = owned();
  auto vpcs = ec2_.describe_vpcs(q);
  if (!vpcs) return std::unexpected(vpcs.error());
  for (const auto& v : *vpcs) out.push_back("vpc " + v.id);
  auto subnets = ec2_.describe_subnets(q);
  if (!subnets) return std::unexpected(subnets.error());
  for (const auto& s : *subnets) out.push_back("subnet " + s.id);
  auto igws = ec2_.describe_internet_gateways(q);
  if (!igws) return std::unexpected(igws.error());
  for (const auto& g : *igws) out.push_back("internet-gateway " + g.id);
  auto addresses = ec2_.describe_addresses(q);
  if (!addresses) return std::unexpected(addresses.error());
  for (const auto& a : *addresses) out.push_back("elastic-ip " + a.allocation_id);
  auto nats = ec2_.describe_nat_gateways(q);
  if (!nats) return std::unexpected(nats.error());
  for (const auto& n : *nats)
    if (n.state != "deleted") out.push_back("nat-gateway " + n.id);
  auto tables = ec2_.describe_route_tables(q);
  if (!tables) return std::unexpected(tables.error());
  for (const auto& t : *tables) out.push_back("route-table " + t.id);
  auto groups = ec2_.describe_security_groups(q);
  if (!groups) return std::unexpected(groups.error());
  for (const auto& g : *groups) out.push_back("security-group " + g.id);
  return out;
}

}  // namespace aura::reconcilers::cluster
