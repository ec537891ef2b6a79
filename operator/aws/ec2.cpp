#include "operator/aws/ec2.h"

#include <charconv>
#include <cstring>

#include "operator/common/clock.h"

namespace aura::aws {

namespace {

// --- XML reading ------------------------------------------------------------------------------
// EC2 answers in its own namespace (xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"); names are
// compared without any prefix. Only direct children are read: xml_text's first-descendant search
// would take a nested <state> (cidrBlockState/state) or <groupId> (groupSet) for the item's own.

std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  return name;
}

pugi::xml_node child(const pugi::xml_node& n, std::string_view name) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  return {};
}

std::string text(const pugi::xml_node& n, std::string_view name) {
  return child(n, name).child_value();
}

// The <item> children of the list element `set` (<vpcSet><item>...</item></vpcSet>).
std::vector<pugi::xml_node> items(const pugi::xml_node& n, std::string_view set) {
  std::vector<pugi::xml_node> out;
  for (auto c : child(n, set).children())
    if (c.type() == pugi::node_element && local_name(c) == "item") out.push_back(c);
  return out;
}

// Lists of plain values: <supportedArchitectures><item>x86_64</item></supportedArchitectures>.
std::vector<std::string> item_values(const pugi::xml_node& n, std::string_view set) {
  std::vector<std::string> out;
  for (auto item : items(n, set)) out.emplace_back(item.child_value());
  return out;
}

int64_t to_int(const std::string& s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::optional<int> to_optional_int(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool to_bool(const std::string& s) {
  return s == "true";
}

std::optional<std::chrono::system_clock::time_point> to_time(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return parse_rfc3339(s);
}

Tags parse_tags(const pugi::xml_node& n) {
  Tags tags;
  for (auto item : items(n, "tagSet")) tags[text(item, "key")] = text(item, "value");
  return tags;
}

AwsError malformed(std::string_view operation, std::string message, std::string request_id = "") {
  return AwsError{"ec2",
                  std::string(operation),
                  200,
                  "MalformedResponse",
                  std::move(message),
                  std::move(request_id),
                  false};
}

// The answer's root element, <operation>Response; anything else (an HTML page from a proxy, an
// empty or truncated body, another operation's answer) is malformed.
Result<pugi::xml_node> response_root(const pugi::xml_document& doc, std::string_view operation) {
  const auto root = doc.document_element();
  const std::string expected = std::string(operation) + "Response";
  if (!root) return std::unexpected(malformed(operation, "the answer is an empty XML document"));
  if (local_name(root) != expected)
    return std::unexpected(malformed(operation, "expected <" + expected + ">, the answer is <" +
                                                    std::string(local_name(root)) + ">"));
  return root;
}

// A child the answer must carry.
Result<pugi::xml_node> required(const pugi::xml_node& root, std::string_view operation,
                                std::string_view name) {
  auto c = child(root, name);
  if (!c)
    return std::unexpected(malformed(operation, "the answer has no <" + std::string(name) + ">",
                                     text(root, "requestId")));
  return c;
}

// --- one resource each ------------------------------------------------------------------------

Vpc parse_vpc(const pugi::xml_node& n) {
  return Vpc{text(n, "vpcId"),   text(n, "cidrBlock"),          text(n, "state"),
             text(n, "ownerId"), to_bool(text(n, "isDefault")), parse_tags(n)};
}

Subnet parse_subnet(const pugi::xml_node& n) {
  Subnet s;
  s.id = text(n, "subnetId");
  s.vpc_id = text(n, "vpcId");
  s.cidr_block = text(n, "cidrBlock");
  s.availability_zone = text(n, "availabilityZone");
  s.availability_zone_id = text(n, "availabilityZoneId");
  s.state = text(n, "state");
  s.map_public_ip_on_launch = to_bool(text(n, "mapPublicIpOnLaunch"));
  s.available_ip_address_count = to_int(text(n, "availableIpAddressCount"));
  s.tags = parse_tags(n);
  return s;
}

InternetGateway parse_internet_gateway(const pugi::xml_node& n) {
  InternetGateway g;
  g.id = text(n, "internetGatewayId");
  for (auto a : items(n, "attachmentSet"))
    g.attachments.push_back({text(a, "vpcId"), text(a, "state")});
  g.tags = parse_tags(n);
  return g;
}

Address parse_address(const pugi::xml_node& n) {
  Address a;
  a.allocation_id = text(n, "allocationId");
  a.public_ip = text(n, "publicIp");
  a.domain = text(n, "domain");
  a.association_id = text(n, "associationId");
  a.network_interface_id = text(n, "networkInterfaceId");
  a.instance_id = text(n, "instanceId");
  a.private_ip = text(n, "privateIpAddress");
  a.tags = parse_tags(n);
  return a;
}

NatGateway parse_nat_gateway(const pugi::xml_node& n) {
  NatGateway g;
  g.id = text(n, "natGatewayId");
  g.vpc_id = text(n, "vpcId");
  g.subnet_id = text(n, "subnetId");
  g.state = text(n, "state");
  g.connectivity_type = text(n, "connectivityType");
  g.failure_code = text(n, "failureCode");
  g.failure_message = text(n, "failureMessage");
  g.create_time = to_time(text(n, "createTime"));
  g.delete_time = to_time(text(n, "deleteTime"));
  for (auto a : items(n, "natGatewayAddressSet"))
    g.addresses.push_back({text(a, "allocationId"), text(a, "networkInterfaceId"),
                           text(a, "privateIp"), text(a, "publicIp")});
  g.tags = parse_tags(n);
  return g;
}

RouteTable parse_route_table(const pugi::xml_node& n) {
  RouteTable t;
  t.id = text(n, "routeTableId");
  t.vpc_id = text(n, "vpcId");
  for (auto r : items(n, "routeSet")) {
    Route route;
    route.destination_cidr_block = text(r, "destinationCidrBlock");
    route.destination_ipv6_cidr_block = text(r, "destinationIpv6CidrBlock");
    route.gateway_id = text(r, "gatewayId");
    route.nat_gateway_id = text(r, "natGatewayId");
    route.network_interface_id = text(r, "networkInterfaceId");
    route.instance_id = text(r, "instanceId");
    route.transit_gateway_id = text(r, "transitGatewayId");
    route.vpc_peering_connection_id = text(r, "vpcPeeringConnectionId");
    route.state = text(r, "state");
    route.origin = text(r, "origin");
    t.routes.push_back(std::move(route));
  }
  for (auto a : items(n, "associationSet")) {
    RouteTableAssociation assoc;
    assoc.id = text(a, "routeTableAssociationId");
    assoc.route_table_id = text(a, "routeTableId");
    assoc.subnet_id = text(a, "subnetId");
    assoc.gateway_id = text(a, "gatewayId");
    assoc.main = to_bool(text(a, "main"));
    assoc.state = text(child(a, "associationState"), "state");
    t.associations.push_back(std::move(assoc));
  }
  t.tags = parse_tags(n);
  return t;
}

IpPermission parse_ip_permission(const pugi::xml_node& n) {
  IpPermission p;
  p.protocol = text(n, "ipProtocol");
  p.from_port = to_optional_int(text(n, "fromPort"));
  p.to_port = to_optional_int(text(n, "toPort"));
  for (auto r : items(n, "ipRanges"))
    p.ipv4_ranges.push_back({text(r, "cidrIp"), text(r, "description")});
  for (auto r : items(n, "ipv6Ranges"))
    p.ipv6_ranges.push_back({text(r, "cidrIpv6"), text(r, "description")});
  for (auto g : items(n, "groups"))
    p.groups.push_back({text(g, "groupId"), text(g, "userId"), text(g, "description")});
  for (auto l : items(n, "prefixListIds")) p.prefix_list_ids.push_back(text(l, "prefixListId"));
  return p;
}

SecurityGroup parse_security_group(const pugi::xml_node& n) {
  SecurityGroup g;
  g.id = text(n, "groupId");
  g.name = text(n, "groupName");
  g.description = text(n, "groupDescription");
  g.vpc_id = text(n, "vpcId");
  g.owner_id = text(n, "ownerId");
  for (auto p : items(n, "ipPermissions")) g.ingress.push_back(parse_ip_permission(p));
  for (auto p : items(n, "ipPermissionsEgress")) g.egress.push_back(parse_ip_permission(p));
  g.tags = parse_tags(n);
  return g;
}

TagDescription parse_tag_description(const pugi::xml_node& n) {
  return {text(n, "resourceId"), text(n, "resourceType"), text(n, "key"), text(n, "value")};
}

AvailabilityZone parse_availability_zone(const pugi::xml_node& n) {
  AvailabilityZone z;
  z.name = text(n, "zoneName");
  z.id = text(n, "zoneId");
  z.state = text(n, "zoneState");
  z.opt_in_status = text(n, "optInStatus");
  z.region = text(n, "regionName");
  z.zone_type = text(n, "zoneType");
  z.group_name = text(n, "groupName");
  return z;
}

NetworkInterface parse_network_interface(const pugi::xml_node& n) {
  NetworkInterface i;
  i.id = text(n, "networkInterfaceId");
  i.vpc_id = text(n, "vpcId");
  i.subnet_id = text(n, "subnetId");
  i.availability_zone = text(n, "availabilityZone");
  i.status = text(n, "status");
  i.interface_type = text(n, "interfaceType");
  i.description = text(n, "description");
  i.private_ip = text(n, "privateIpAddress");
  i.requester_id = text(n, "requesterId");
  i.requester_managed = to_bool(text(n, "requesterManaged"));
  if (auto a = child(n, "attachment"); a && !text(a, "attachmentId").empty()) {
    i.attachment = NetworkInterfaceAttachment{
        text(a, "attachmentId"), text(a, "instanceId"), text(a, "status"),
        static_cast<int>(to_int(text(a, "deviceIndex"))), to_bool(text(a, "deleteOnTermination"))};
  }
  for (auto g : items(n, "groupSet")) i.security_group_ids.push_back(text(g, "groupId"));
  i.tags = parse_tags(n);
  return i;
}

LaunchTemplate parse_launch_template(const pugi::xml_node& n) {
  LaunchTemplate t;
  t.id = text(n, "launchTemplateId");
  t.name = text(n, "launchTemplateName");
  t.default_version = to_int(text(n, "defaultVersionNumber"));
  t.latest_version = to_int(text(n, "latestVersionNumber"));
  t.create_time = to_time(text(n, "createTime"));
  t.tags = parse_tags(n);
  return t;
}

Instance parse_instance(const pugi::xml_node& n, const std::string& reservation_id) {
  Instance i;
  i.id = text(n, "instanceId");
  i.reservation_id = reservation_id;
  i.instance_type = text(n, "instanceType");
  i.image_id = text(n, "imageId");
  const auto state = child(n, "instanceState");
  i.state = text(state, "name");
  i.state_code = static_cast<int>(to_int(text(state, "code")));
  i.vpc_id = text(n, "vpcId");
  i.subnet_id = text(n, "subnetId");
  i.availability_zone = text(child(n, "placement"), "availabilityZone");
  i.private_ip = text(n, "privateIpAddress");
  i.client_token = text(n, "clientToken");
  i.architecture = text(n, "architecture");
  i.launch_time = to_time(text(n, "launchTime"));
  i.tags = parse_tags(n);
  return i;
}

InstanceTypeInfo parse_instance_type(const pugi::xml_node& n) {
  InstanceTypeInfo t;
  t.instance_type = text(n, "instanceType");
  t.vcpus = static_cast<int>(to_int(text(child(n, "vCpuInfo"), "defaultVCpus")));
  t.memory_mib = to_int(text(child(n, "memoryInfo"), "sizeInMiB"));
  t.architectures = item_values(child(n, "processorInfo"), "supportedArchitectures");
  t.usage_classes = item_values(n, "supportedUsageClasses");
  t.current_generation = to_bool(text(n, "currentGeneration"));
  const auto gpu = child(n, "gpuInfo");
  for (auto g : items(gpu, "gpus"))
    t.gpus.push_back({text(g, "name"), text(g, "manufacturer"),
                      static_cast<int>(to_int(text(g, "count"))),
                      to_int(text(child(g, "memoryInfo"), "sizeInMiB"))});
  t.total_gpu_memory_mib = to_int(text(gpu, "totalGpuMemoryInMiB"));
  return t;
}

// --- answers ----------------------------------------------------------------------------------

// A describe page: <set><item/>...</set> and <nextToken>. The set must be there (AWS sends an
// empty one for no results): a missing set means a broken answer, not "nothing exists", which
// an inventory by tag would take for "all deleted". Each item must carry its key.
template <typename T, typename F>
Result<Page<T>> parse_page(const pugi::xml_document& doc, std::string_view operation,
                           std::string_view set, std::string T::*key, const char* key_name,
                           F parse_item) {
  auto root = response_root(doc, operation);
  if (!root) return std::unexpected(root.error());
  auto list = required(*root, operation, set);
  if (!list) return std::unexpected(list.error());
  Page<T> page;
  for (auto item : items(*root, set)) {
    T value = parse_item(item);
    if ((value.*key).empty())
      return std::unexpected(
          malformed(operation, "an item of <" + std::string(set) + "> has no <" + key_name + ">",
                    text(*root, "requestId")));
    page.items.push_back(std::move(value));
  }
  page.next_token = text(*root, "nextToken");
  return page;
}

// A create's answer: the new resource in <element>, with its ID.
template <typename T, typename F>
Result<T> parse_created(const pugi::xml_document& doc, std::string_view operation,
                        std::string_view element, std::string T::*key, const char* key_name,
                        F parse_item) {
  auto root = response_root(doc, operation);
  if (!root) return std::unexpected(root.error());
  auto node = required(*root, operation, element);
  if (!node) return std::unexpected(node.error());
  T value = parse_item(*node);
  if ((value.*key).empty())
    return std::unexpected(malformed(operation,
                                     "<" + std::string(element) + "> has no <" + key_name + ">",
                                     text(*root, "requestId")));
  return value;
}

std::string_view attribute_name(VpcAttribute a) {
  return a == VpcAttribute::kEnableDnsSupport ? "enableDnsSupport" : "enableDnsHostnames";
}
std::string_view attribute_param(VpcAttribute a) {
  return a == VpcAttribute::kEnableDnsSupport ? "EnableDnsSupport" : "EnableDnsHostnames";
}

const char* bool_text(bool b) {
  return b ? "true" : "false";
}

void add_list(QueryParams& params, std::string_view name, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    params.emplace_back(std::string(name) + "." + std::to_string(i + 1), values[i]);
}

template <typename T>
Result<std::vector<T>> describe_all(AwsClient& client, std::string_view operation,
                                    std::string_view id_param, const DescribeQuery& query,
                                    Result<Page<T>> (*parse)(const pugi::xml_document&),
                                    bool paginated = true) {
  std::vector<T> out;
  auto walked = for_each_page([&](const std::string& token) -> Result<std::string> {
    auto doc =
        client.query(operation, kEc2Version, describe_params(id_param, query, token, paginated));
    if (!doc) return std::unexpected(doc.error());
    auto page = parse(**doc);
    if (!page) return std::unexpected(page.error());
    for (auto& item : page->items) out.push_back(std::move(item));
    return paginated ? page->next_token : std::string();
  });
  if (!walked) {
    auto e = walked.error();
    if (e.service.empty()) {
      e.service = "ec2";
      e.message = std::string(operation) + ": " + e.message;
    }
    return std::unexpected(std::move(e));
  }
  return out;
}

}  // namespace

// --- filters ----------------------------------------------------------------------------------

Filter tag_filter(const std::string& key, const std::string& value) {
  return {"tag:" + key, {value}};
}
Filter tag_key_filter(const std::string& key) {
  return {"tag-key", {key}};
}
Filter vpc_filter(const std::string& vpc_id) {
  return {"vpc-id", {vpc_id}};
}

std::vector<Filter> tag_filters(const Tags& tags) {
  std::vector<Filter> out;
  for (const auto& [k, v] : tags) out.push_back(tag_filter(k, v));
  return out;
}

std::vector<Filter> usable_zone_filters() {
  return {{"zone-type", {"availability-zone"}},
          {"state", {"available"}},
          {"opt-in-status", {"opt-in-not-required", "opted-in"}}};
}

// --- request builders -------------------------------------------------------------------------

void add_tag_specification(QueryParams& params, std::string_view resource_type, const Tags& tags,
                           int index, std::string_view prefix) {
  if (tags.empty()) return;
  const std::string base = std::string(prefix) + "." + std::to_string(index);
  params.emplace_back(base + ".ResourceType", std::string(resource_type));
  int n = 0;
  for (const auto& [k, v] : tags) {
    const std::string tag = base + ".Tag." + std::to_string(++n);
    params.emplace_back(tag + ".Key", k);
    params.emplace_back(tag + ".Value", v);
  }
}

void add_ip_permissions(QueryParams& params, const std::vector<IpPermission>& permissions,
                        std::string_view prefix) {
  for (size_t i = 0; i < permissions.size(); ++i) {
    const auto& p = permissions[i];
    const std::string base = std::string(prefix) + "." + std::to_string(i + 1);
    params.emplace_back(base + ".IpProtocol", p.protocol);
    if (p.from_port) params.emplace_back(base + ".FromPort", std::to_string(*p.from_port));
    if (p.to_port) params.emplace_back(base + ".ToPort", std::to_string(*p.to_port));
    for (size_t j = 0; j < p.ipv4_ranges.size(); ++j) {
      const std::string r = base + ".IpRanges." + std::to_string(j + 1);
      params.emplace_back(r + ".CidrIp", p.ipv4_ranges[j].cidr);
      if (!p.ipv4_ranges[j].description.empty())
        params.emplace_back(r + ".Description", p.ipv4_ranges[j].description);
    }
    for (size_t j = 0; j < p.ipv6_ranges.size(); ++j) {
      const std::string r = base + ".Ipv6Ranges." + std::to_string(j + 1);
      params.emplace_back(r + ".CidrIpv6", p.ipv6_ranges[j].cidr);
      if (!p.ipv6_ranges[j].description.empty())
        params.emplace_back(r + ".Description", p.ipv6_ranges[j].description);
    }
    for (size_t j = 0; j < p.groups.size(); ++j) {
      const std::string g = base + ".Groups." + std::to_string(j + 1);
      params.emplace_back(g + ".GroupId", p.groups[j].group_id);
      if (!p.groups[j].user_id.empty()) params.emplace_back(g + ".UserId", p.groups[j].user_id);
      if (!p.groups[j].description.empty())
        params.emplace_back(g + ".Description", p.groups[j].description);
    }
    for (size_t j = 0; j < p.prefix_list_ids.size(); ++j)
      params.emplace_back(base + ".PrefixListIds." + std::to_string(j + 1) + ".PrefixListId",
                          p.prefix_list_ids[j]);
  }
}

QueryParams describe_params(std::string_view id_param, const DescribeQuery& query,
                            const std::string& next_token, bool paginated) {
  QueryParams params;
  if (!id_param.empty()) add_list(params, id_param, query.ids);
  add_filters(params, query.filters);
  if (paginated && query.max_results > 0 && query.ids.empty())
    params.emplace_back("MaxResults", std::to_string(query.max_results));
  if (paginated && !next_token.empty()) params.emplace_back("NextToken", next_token);
  return params;
}

QueryParams create_vpc_params(const CreateVpcRequest& r) {
  QueryParams params{{"CidrBlock", r.cidr_block}};
  add_tag_specification(params, "vpc", r.tags);
  return params;
}

QueryParams modify_vpc_attribute_params(const std::string& vpc_id, VpcAttribute attribute,
                                        bool value) {
  return {{"VpcId", vpc_id},
          {std::string(attribute_param(attribute)) + ".Value", bool_text(value)}};
}

QueryParams describe_vpc_attribute_params(const std::string& vpc_id, VpcAttribute attribute) {
  return {{"VpcId", vpc_id}, {"Attribute", std::string(attribute_name(attribute))}};
}

QueryParams create_subnet_params(const CreateSubnetRequest& r) {
  QueryParams params{{"VpcId", r.vpc_id}, {"CidrBlock", r.cidr_block}};
  if (!r.availability_zone.empty()) params.emplace_back("AvailabilityZone", r.availability_zone);
  if (!r.availability_zone_id.empty())
    params.emplace_back("AvailabilityZoneId", r.availability_zone_id);
  add_tag_specification(params, "subnet", r.tags);
  return params;
}

QueryParams map_public_ip_on_launch_params(const std::string& subnet_id, bool value) {
  return {{"SubnetId", subnet_id}, {"MapPublicIpOnLaunch.Value", bool_text(value)}};
}

QueryParams create_internet_gateway_params(const Tags& tags) {
  QueryParams params;
  add_tag_specification(params, "internet-gateway", tags);
  return params;
}

QueryParams allocate_address_params(const Tags& tags) {
  QueryParams params{{"Domain", "vpc"}};
  add_tag_specification(params, "elastic-ip", tags);
  return params;
}

QueryParams create_nat_gateway_params(const CreateNatGatewayRequest& r) {
  QueryParams params{{"SubnetId", r.subnet_id}};
  if (!r.allocation_id.empty()) params.emplace_back("AllocationId", r.allocation_id);
  if (!r.connectivity_type.empty()) params.emplace_back("ConnectivityType", r.connectivity_type);
  if (!r.client_token.empty()) params.emplace_back("ClientToken", r.client_token);
  add_tag_specification(params, "natgateway", r.tags);
  return params;
}

QueryParams create_route_table_params(const CreateRouteTableRequest& r) {
  QueryParams params{{"VpcId", r.vpc_id}};
  if (!r.client_token.empty()) params.emplace_back("ClientToken", r.client_token);
  add_tag_specification(params, "route-table", r.tags);
  return params;
}

QueryParams create_route_params(const CreateRouteRequest& r) {
  QueryParams params{{"RouteTableId", r.route_table_id},
                     {"DestinationCidrBlock", r.destination_cidr_block}};
  if (!r.gateway_id.empty()) params.emplace_back("GatewayId", r.gateway_id);
  if (!r.nat_gateway_id.empty()) params.emplace_back("NatGatewayId", r.nat_gateway_id);
  return params;
}

QueryParams create_security_group_params(const CreateSecurityGroupRequest& r) {
  QueryParams params{
      {"GroupName", r.group_name}, {"GroupDescription", r.description}, {"VpcId", r.vpc_id}};
  add_tag_specification(params, "security-group", r.tags);
  return params;
}

QueryParams security_group_rules_params(const std::string& group_id,
                                        const std::vector<IpPermission>& permissions,
                                        const Tags& rule_tags) {
  QueryParams params{{"GroupId", group_id}};
  add_ip_permissions(params, permissions);
  add_tag_specification(params, "security-group-rule", rule_tags);
  return params;
}

QueryParams create_tags_params(const std::vector<std::string>& resource_ids, const Tags& tags) {
  QueryParams params;
  add_list(params, "ResourceId", resource_ids);
  int n = 0;
  for (const auto& [k, v] : tags) {
    const std::string tag = "Tag." + std::to_string(++n);
    params.emplace_back(tag + ".Key", k);
    params.emplace_back(tag + ".Value", v);
  }
  return params;
}

QueryParams delete_tags_params(const std::vector<std::string>& resource_ids,
                               const std::vector<std::string>& keys) {
  QueryParams params;
  add_list(params, "ResourceId", resource_ids);
  for (size_t i = 0; i < keys.size(); ++i)
    params.emplace_back("Tag." + std::to_string(i + 1) + ".Key", keys[i]);
  return params;
}

QueryParams describe_availability_zones_params(const DescribeAvailabilityZonesRequest& r) {
  QueryParams params;
  add_list(params, "ZoneName", r.zone_names);
  add_filters(params, r.filters);
  if (r.all_availability_zones) params.emplace_back("AllAvailabilityZones", "true");
  return params;
}

QueryParams create_launch_template_params(const CreateLaunchTemplateRequest& r) {
  QueryParams params{{"LaunchTemplateName", r.name}};
  if (!r.client_token.empty()) params.emplace_back("ClientToken", r.client_token);
  const std::string data = "LaunchTemplateData.";
  if (!r.image_id.empty()) params.emplace_back(data + "ImageId", r.image_id);
  if (!r.instance_type.empty()) params.emplace_back(data + "InstanceType", r.instance_type);
  if (!r.user_data.empty()) params.emplace_back(data + "UserData", r.user_data);
  add_list(params, data + "SecurityGroupId", r.security_group_ids);
  if (!r.iam_instance_profile_arn.empty())
    params.emplace_back(data + "IamInstanceProfile.Arn", r.iam_instance_profile_arn);
  if (!r.metadata_http_tokens.empty()) {
    params.emplace_back(data + "MetadataOptions.HttpTokens", r.metadata_http_tokens);
    params.emplace_back(data + "MetadataOptions.HttpPutResponseHopLimit",
                        std::to_string(r.metadata_hop_limit));
  }
  add_tag_specification(params, "instance", r.instance_tags, 1, data + "TagSpecification");
  add_tag_specification(params, "volume", r.instance_tags, 2, data + "TagSpecification");
  add_tag_specification(params, "launch-template", r.tags);
  return params;
}

QueryParams run_instances_params(const RunInstancesRequest& r) {
  QueryParams params;
  if (!r.image_id.empty()) params.emplace_back("ImageId", r.image_id);
  if (!r.instance_type.empty()) params.emplace_back("InstanceType", r.instance_type);
  params.emplace_back("MinCount", std::to_string(r.min_count));
  params.emplace_back("MaxCount", std::to_string(r.max_count));
  if (!r.subnet_id.empty()) params.emplace_back("SubnetId", r.subnet_id);
  add_list(params, "SecurityGroupId", r.security_group_ids);
  if (!r.launch_template_id.empty()) {
    params.emplace_back("LaunchTemplate.LaunchTemplateId", r.launch_template_id);
    if (!r.launch_template_version.empty())
      params.emplace_back("LaunchTemplate.Version", r.launch_template_version);
  }
  if (!r.user_data.empty()) params.emplace_back("UserData", r.user_data);
  if (!r.client_token.empty()) params.emplace_back("ClientToken", r.client_token);
  add_tag_specification(params, "instance", r.tags, 1);
  add_tag_specification(params, "volume", r.tags, 2);
  add_tag_specification(params, "network-interface", r.tags, 3);
  return params;
}

// --- parsers ----------------------------------------------------------------------------------

Result<Vpc> parse_create_vpc(const pugi::xml_document& doc) {
  return parse_created<Vpc>(doc, "CreateVpc", "vpc", &Vpc::id, "vpcId", parse_vpc);
}

Result<Page<Vpc>> parse_describe_vpcs(const pugi::xml_document& doc) {
  return parse_page<Vpc>(doc, "DescribeVpcs", "vpcSet", &Vpc::id, "vpcId", parse_vpc);
}

Result<bool> parse_describe_vpc_attribute(const pugi::xml_document& doc, VpcAttribute attribute) {
  constexpr std::string_view op = "DescribeVpcAttribute";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  auto attr = required(*root, op, attribute_name(attribute));
  if (!attr) return std::unexpected(attr.error());
  auto value = required(*attr, op, "value");
  if (!value) return std::unexpected(value.error());
  const std::string v = value->child_value();
  if (v != "true" && v != "false")
    return std::unexpected(
        malformed(op, "the attribute's value is \"" + v + "\"", text(*root, "requestId")));
  return v == "true";
}

Result<Subnet> parse_create_subnet(const pugi::xml_document& doc) {
  return parse_created<Subnet>(doc, "CreateSubnet", "subnet", &Subnet::id, "subnetId",
                               parse_subnet);
}

Result<Page<Subnet>> parse_describe_subnets(const pugi::xml_document& doc) {
  return parse_page<Subnet>(doc, "DescribeSubnets", "subnetSet", &Subnet::id, "subnetId",
                            parse_subnet);
}

Result<InternetGateway> parse_create_internet_gateway(const pugi::xml_document& doc) {
  return parse_created<InternetGateway>(doc, "CreateInternetGateway", "internetGateway",
                                        &InternetGateway::id, "internetGatewayId",
                                        parse_internet_gateway);
}

Result<Page<InternetGateway>> parse_describe_internet_gateways(const pugi::xml_document& doc) {
  return parse_page<InternetGateway>(doc, "DescribeInternetGateways", "internetGatewaySet",
                                     &InternetGateway::id, "internetGatewayId",
                                     parse_internet_gateway);
}

Result<Address> parse_allocate_address(const pugi::xml_document& doc) {
  constexpr std::string_view op = "AllocateAddress";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  // The answer is the address itself, flat under the root (no tags: AWS does not echo them).
  Address a = parse_address(*root);
  if (a.allocation_id.empty())
    return std::unexpected(
        malformed(op, "the answer has no <allocationId>", text(*root, "requestId")));
  return a;
}

Result<Page<Address>> parse_describe_addresses(const pugi::xml_document& doc) {
  return parse_page<Address>(doc, "DescribeAddresses", "addressesSet", &Address::public_ip,
                             "publicIp", parse_address);
}

Result<NatGateway> parse_create_nat_gateway(const pugi::xml_document& doc) {
  return parse_created<NatGateway>(doc, "CreateNatGateway", "natGateway", &NatGateway::id,
                                   "natGatewayId", parse_nat_gateway);
}

Result<Page<NatGateway>> parse_describe_nat_gateways(const pugi::xml_document& doc) {
  return parse_page<NatGateway>(doc, "DescribeNatGateways", "natGatewaySet", &NatGateway::id,
                                "natGatewayId", parse_nat_gateway);
}

Result<RouteTable> parse_create_route_table(const pugi::xml_document& doc) {
  return parse_created<RouteTable>(doc, "CreateRouteTable", "routeTable", &RouteTable::id,
                                   "routeTableId", parse_route_table);
}

Result<Page<RouteTable>> parse_describe_route_tables(const pugi::xml_document& doc) {
  return parse_page<RouteTable>(doc, "DescribeRouteTables", "routeTableSet", &RouteTable::id,
                                "routeTableId", parse_route_table);
}

Result<std::string> parse_associate_route_table(const pugi::xml_document& doc) {
  constexpr std::string_view op = "AssociateRouteTable";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  auto id = required(*root, op, "associationId");
  if (!id) return std::unexpected(id.error());
  if (std::strlen(id->child_value()) == 0)
    return std::unexpected(malformed(op, "the <associationId> is empty", text(*root, "requestId")));
  return std::string(id->child_value());
}

Result<std::string> parse_create_security_group(const pugi::xml_document& doc) {
  constexpr std::string_view op = "CreateSecurityGroup";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  const std::string id = text(*root, "groupId");
  if (id.empty())
    return std::unexpected(malformed(op, "the answer has no <groupId>", text(*root, "requestId")));
  return id;
}

Result<Page<SecurityGroup>> parse_describe_security_groups(const pugi::xml_document& doc) {
  return parse_page<SecurityGroup>(doc, "DescribeSecurityGroups", "securityGroupInfo",
                                   &SecurityGroup::id, "groupId", parse_security_group);
}

Result<Page<TagDescription>> parse_describe_tags(const pugi::xml_document& doc) {
  return parse_page<TagDescription>(doc, "DescribeTags", "tagSet", &TagDescription::resource_id,
                                    "resourceId", parse_tag_description);
}

Result<Page<AvailabilityZone>> parse_describe_availability_zones(const pugi::xml_document& doc) {
  return parse_page<AvailabilityZone>(doc, "DescribeAvailabilityZones", "availabilityZoneInfo",
                                      &AvailabilityZone::name, "zoneName", parse_availability_zone);
}

Result<Page<NetworkInterface>> parse_describe_network_interfaces(const pugi::xml_document& doc) {
  return parse_page<NetworkInterface>(doc, "DescribeNetworkInterfaces", "networkInterfaceSet",
                                      &NetworkInterface::id, "networkInterfaceId",
                                      parse_network_interface);
}

Result<LaunchTemplate> parse_create_launch_template(const pugi::xml_document& doc) {
  return parse_created<LaunchTemplate>(doc, "CreateLaunchTemplate", "launchTemplate",
                                       &LaunchTemplate::id, "launchTemplateId",
                                       parse_launch_template);
}

Result<Page<LaunchTemplate>> parse_describe_launch_templates(const pugi::xml_document& doc) {
  return parse_page<LaunchTemplate>(doc, "DescribeLaunchTemplates", "launchTemplates",
                                    &LaunchTemplate::id, "launchTemplateId", parse_launch_template);
}

namespace {

// Instances under one reservation (RunInstances' answer is one reservation, flat under the root).
Result<void> append_instances(std::vector<Instance>& out, const pugi::xml_node& reservation,
                              std::string_view op, const std::string& request_id) {
  if (!child(reservation, "instancesSet"))
    return std::unexpected(malformed(op, "a reservation has no <instancesSet>", request_id));
  const std::string reservation_id = text(reservation, "reservationId");
  for (auto item : items(reservation, "instancesSet")) {
    Instance i = parse_instance(item, reservation_id);
    if (i.id.empty())
      return std::unexpected(malformed(op, "an instance has no <instanceId>", request_id));
    out.push_back(std::move(i));
  }
  return {};
}

}  // namespace

Result<std::vector<Instance>> parse_run_instances(const pugi::xml_document& doc) {
  constexpr std::string_view op = "RunInstances";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  std::vector<Instance> out;
  if (auto r = append_instances(out, *root, op, text(*root, "requestId")); !r)
    return std::unexpected(r.error());
  return out;
}

Result<Page<Instance>> parse_describe_instances(const pugi::xml_document& doc) {
  constexpr std::string_view op = "DescribeInstances";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  auto set = required(*root, op, "reservationSet");
  if (!set) return std::unexpected(set.error());
  Page<Instance> page;
  for (auto reservation : items(*root, "reservationSet"))
    if (auto r = append_instances(page.items, reservation, op, text(*root, "requestId")); !r)
      return std::unexpected(r.error());
  page.next_token = text(*root, "nextToken");
  return page;
}

Result<std::vector<InstanceStateChange>> parse_terminate_instances(const pugi::xml_document& doc) {
  constexpr std::string_view op = "TerminateInstances";
  auto root = response_root(doc, op);
  if (!root) return std::unexpected(root.error());
  auto set = required(*root, op, "instancesSet");
  if (!set) return std::unexpected(set.error());
  std::vector<InstanceStateChange> out;
  for (auto item : items(*root, "instancesSet"))
    out.push_back({text(item, "instanceId"), text(child(item, "currentState"), "name"),
                   text(child(item, "previousState"), "name")});
  return out;
}

Result<Page<InstanceTypeInfo>> parse_describe_instance_types(const pugi::xml_document& doc) {
  return parse_page<InstanceTypeInfo>(doc, "DescribeInstanceTypes", "instanceTypeSet",
                                      &InstanceTypeInfo::instance_type, "instanceType",
                                      parse_instance_type);
}

Result<void> parse_return(const pugi::xml_document& doc, std::string_view operation) {
  auto root = response_root(doc, operation);
  if (!root) return std::unexpected(root.error());
  if (auto r = child(*root, "return"); r && std::string_view(r.child_value()) == "false")
    return std::unexpected(AwsError{"ec2", std::string(operation), 200, "OperationReturnedFalse",
                                    "AWS answered <return>false</return>", text(*root, "requestId"),
                                    false});
  return {};
}

// --- errors -----------------------------------------------------------------------------------

bool is_ec2_not_found(const AwsError& e) {
  return e.is_not_found() || e.code == "InvalidLaunchTemplateName.NotFoundException" ||
         e.code == "InvalidLaunchTemplateId.NotFound";
}

bool is_ec2_already_exists(const AwsError& e) {
  return e.is_already_exists() || e.code.ends_with(".AlreadyExistsException");
}

bool is_not_attached(const AwsError& e) {
  return e.code == "Gateway.NotAttached";
}

Result<void> ignore_not_found(Result<void> result) {
  if (!result && is_ec2_not_found(result.error())) return {};
  return result;
}

// --- client -----------------------------------------------------------------------------------

Result<void> Ec2Client::call(std::string_view operation, const QueryParams& params) {
  auto doc = client_->query(operation, kEc2Version, params);
  if (!doc) return std::unexpected(doc.error());
  return parse_return(**doc, operation);
}

namespace {

template <typename T>
Result<T> query_and_parse(AwsClient& client, std::string_view operation, const QueryParams& params,
                          Result<T> (*parse)(const pugi::xml_document&)) {
  auto doc = client.query(operation, kEc2Version, params);
  if (!doc) return std::unexpected(doc.error());
  return parse(**doc);
}

}  // namespace

Result<Vpc> Ec2Client::create_vpc(const CreateVpcRequest& r) {
  return query_and_parse(*client_, "CreateVpc", create_vpc_params(r), parse_create_vpc);
}

Result<std::vector<Vpc>> Ec2Client::describe_vpcs(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeVpcs", "VpcId", q, parse_describe_vpcs);
}

Result<void> Ec2Client::delete_vpc(const std::string& vpc_id) {
  return call("DeleteVpc", {{"VpcId", vpc_id}});
}

Result<void> Ec2Client::modify_vpc_attribute(const std::string& vpc_id, VpcAttribute attribute,
                                             bool value) {
  return call("ModifyVpcAttribute", modify_vpc_attribute_params(vpc_id, attribute, value));
}

Result<bool> Ec2Client::describe_vpc_attribute(const std::string& vpc_id, VpcAttribute attribute) {
  auto doc = client_->query("DescribeVpcAttribute", kEc2Version,
                            describe_vpc_attribute_params(vpc_id, attribute));
  if (!doc) return std::unexpected(doc.error());
  return parse_describe_vpc_attribute(**doc, attribute);
}

Result<Subnet> Ec2Client::create_subnet(const CreateSubnetRequest& r) {
  return query_and_parse(*client_, "CreateSubnet", create_subnet_params(r), parse_create_subnet);
}

Result<std::vector<Subnet>> Ec2Client::describe_subnets(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeSubnets", "SubnetId", q, parse_describe_subnets);
}

Result<void> Ec2Client::delete_subnet(const std::string& subnet_id) {
  return call("DeleteSubnet", {{"SubnetId", subnet_id}});
}

Result<void> Ec2Client::set_map_public_ip_on_launch(const std::string& subnet_id, bool value) {
  return call("ModifySubnetAttribute", map_public_ip_on_launch_params(subnet_id, value));
}

Result<InternetGateway> Ec2Client::create_internet_gateway(const Tags& tags) {
  return query_and_parse(*client_, "CreateInternetGateway", create_internet_gateway_params(tags),
                         parse_create_internet_gateway);
}

Result<void> Ec2Client::attach_internet_gateway(const std::string& internet_gateway_id,
                                                const std::string& vpc_id) {
  return call("AttachInternetGateway",
              {{"InternetGatewayId", internet_gateway_id}, {"VpcId", vpc_id}});
}

Result<void> Ec2Client::detach_internet_gateway(const std::string& internet_gateway_id,
                                                const std::string& vpc_id) {
  return call("DetachInternetGateway",
              {{"InternetGatewayId", internet_gateway_id}, {"VpcId", vpc_id}});
}

Result<void> Ec2Client::delete_internet_gateway(const std::string& internet_gateway_id) {
  return call("DeleteInternetGateway", {{"InternetGatewayId", internet_gateway_id}});
}

Result<std::vector<InternetGateway>> Ec2Client::describe_internet_gateways(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeInternetGateways", "InternetGatewayId", q,
                      parse_describe_internet_gateways);
}

Result<Address> Ec2Client::allocate_address(const Tags& tags) {
  return query_and_parse(*client_, "AllocateAddress", allocate_address_params(tags),
                         parse_allocate_address);
}

Result<void> Ec2Client::release_address(const std::string& allocation_id) {
  return call("ReleaseAddress", {{"AllocationId", allocation_id}});
}

Result<std::vector<Address>> Ec2Client::describe_addresses(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeAddresses", "AllocationId", q, parse_describe_addresses,
                      /*paginated=*/false);
}

Result<NatGateway> Ec2Client::create_nat_gateway(const CreateNatGatewayRequest& r) {
  return query_and_parse(*client_, "CreateNatGateway", create_nat_gateway_params(r),
                         parse_create_nat_gateway);
}

Result<std::vector<NatGateway>> Ec2Client::describe_nat_gateways(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeNatGateways", "NatGatewayId", q,
                      parse_describe_nat_gateways);
}

Result<void> Ec2Client::delete_nat_gateway(const std::string& nat_gateway_id) {
  // The answer carries the gateway's ID, no <return>.
  return call("DeleteNatGateway", {{"NatGatewayId", nat_gateway_id}});
}

Result<RouteTable> Ec2Client::create_route_table(const CreateRouteTableRequest& r) {
  return query_and_parse(*client_, "CreateRouteTable", create_route_table_params(r),
                         parse_create_route_table);
}

Result<void> Ec2Client::create_route(const CreateRouteRequest& r) {
  return call("CreateRoute", create_route_params(r));
}

Result<std::string> Ec2Client::associate_route_table(const std::string& route_table_id,
                                                     const std::string& subnet_id) {
  return query_and_parse(*client_, "AssociateRouteTable",
                         {{"RouteTableId", route_table_id}, {"SubnetId", subnet_id}},
                         parse_associate_route_table);
}

Result<void> Ec2Client::disassociate_route_table(const std::string& association_id) {
  return call("DisassociateRouteTable", {{"AssociationId", association_id}});
}

Result<void> Ec2Client::delete_route_table(const std::string& route_table_id) {
  return call("DeleteRouteTable", {{"RouteTableId", route_table_id}});
}

Result<std::vector<RouteTable>> Ec2Client::describe_route_tables(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeRouteTables", "RouteTableId", q,
                      parse_describe_route_tables);
}

Result<std::string> Ec2Client::create_security_group(const CreateSecurityGroupRequest& r) {
  return query_and_parse(*client_, "CreateSecurityGroup", create_security_group_params(r),
                         parse_create_security_group);
}

Result<void> Ec2Client::authorize_security_group_ingress(
    const std::string& group_id, const std::vector<IpPermission>& permissions,
    const Tags& rule_tags) {
  return call("AuthorizeSecurityGroupIngress",
              security_group_rules_params(group_id, permissions, rule_tags));
}

Result<void> Ec2Client::authorize_security_group_egress(
    const std::string& group_id, const std::vector<IpPermission>& permissions,
    const Tags& rule_tags) {
  return call("AuthorizeSecurityGroupEgress",
              security_group_rules_params(group_id, permissions, rule_tags));
}

Result<void> Ec2Client::revoke_security_group_ingress(
    const std::string& group_id, const std::vector<IpPermission>& permissions) {
  return call("RevokeSecurityGroupIngress", security_group_rules_params(group_id, permissions));
}

Result<void> Ec2Client::revoke_security_group_egress(const std::string& group_id,
                                                     const std::vector<IpPermission>& permissions) {
  return call("RevokeSecurityGroupEgress", security_group_rules_params(group_id, permissions));
}

Result<void> Ec2Client::delete_security_group(const std::string& group_id) {
  return call("DeleteSecurityGroup", {{"GroupId", group_id}});
}

Result<std::vector<SecurityGroup>> Ec2Client::describe_security_groups(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeSecurityGroups", "GroupId", q,
                      parse_describe_security_groups);
}

Result<void> Ec2Client::create_tags(const std::vector<std::string>& resource_ids,
                                    const Tags& tags) {
  return call("CreateTags", create_tags_params(resource_ids, tags));
}

Result<void> Ec2Client::delete_tags(const std::vector<std::string>& resource_ids,
                                    const std::vector<std::string>& keys) {
  return call("DeleteTags", delete_tags_params(resource_ids, keys));
}

Result<std::vector<TagDescription>> Ec2Client::describe_tags(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeTags", "", q, parse_describe_tags);
}

Result<std::vector<AvailabilityZone>> Ec2Client::describe_availability_zones(
    const DescribeAvailabilityZonesRequest& r) {
  auto page =
      query_and_parse(*client_, "DescribeAvailabilityZones", describe_availability_zones_params(r),
                      parse_describe_availability_zones);
  if (!page) return std::unexpected(page.error());
  return std::move(page->items);
}

Result<std::vector<NetworkInterface>> Ec2Client::describe_network_interfaces(
    const DescribeQuery& q) {
  return describe_all(*client_, "DescribeNetworkInterfaces", "NetworkInterfaceId", q,
                      parse_describe_network_interfaces);
}

Result<void> Ec2Client::detach_network_interface(const std::string& attachment_id, bool force) {
  QueryParams params{{"AttachmentId", attachment_id}};
  if (force) params.emplace_back("Force", "true");
  return call("DetachNetworkInterface", params);
}

Result<void> Ec2Client::delete_network_interface(const std::string& network_interface_id) {
  return call("DeleteNetworkInterface", {{"NetworkInterfaceId", network_interface_id}});
}

Result<LaunchTemplate> Ec2Client::create_launch_template(const CreateLaunchTemplateRequest& r) {
  return query_and_parse(*client_, "CreateLaunchTemplate", create_launch_template_params(r),
                         parse_create_launch_template);
}

Result<void> Ec2Client::delete_launch_template(const std::string& launch_template_id) {
  return call("DeleteLaunchTemplate", {{"LaunchTemplateId", launch_template_id}});
}

Result<void> Ec2Client::delete_launch_template_by_name(const std::string& name) {
  return call("DeleteLaunchTemplate", {{"LaunchTemplateName", name}});
}

Result<std::vector<LaunchTemplate>> Ec2Client::describe_launch_templates(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeLaunchTemplates", "LaunchTemplateId", q,
                      parse_describe_launch_templates);
}

Result<std::vector<Instance>> Ec2Client::run_instances(const RunInstancesRequest& r) {
  return query_and_parse(*client_, "RunInstances", run_instances_params(r), parse_run_instances);
}

Result<std::vector<Instance>> Ec2Client::describe_instances(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeInstances", "InstanceId", q, parse_describe_instances);
}

Result<std::vector<InstanceStateChange>> Ec2Client::terminate_instances(
    const std::vector<std::string>& instance_ids) {
  QueryParams params;
  add_list(params, "InstanceId", instance_ids);
  return query_and_parse(*client_, "TerminateInstances", params, parse_terminate_instances);
}

Result<std::vector<InstanceTypeInfo>> Ec2Client::describe_instance_types(const DescribeQuery& q) {
  return describe_all(*client_, "DescribeInstanceTypes", "InstanceType", q,
                      parse_describe_instance_types);
}

}  // namespace aura::aws
