#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/aws/client.h"
#include "operator/aws/paginate.h"

// EC2 (query protocol, API version 2016-11-15): the VPC network an EphemeralCluster stands in,
// and the instances, interfaces and launch templates its nodes leave behind.
//
// Three layers, each usable alone:
// - request builders (`*_params`): pure functions from a typed request to the exact query
//   parameters AWS documents, unit-tested without any network;
// - parsers (`parse_*`): from the XML answer to typed values, holding only what a reconciler
//   needs (IDs, states, tags, CIDRs, zones); a wrong or truncated answer is a MalformedResponse
//   error, never a crash and never a silently empty list;
// - Ec2Client: one method per operation, Describe calls following NextToken to the end.
//
// Aura's invariants show in the shapes: every create takes the tags and sends them in the create
// call itself (TagSpecification.1.*), so no resource exists untagged even for a moment; the
// operations that have it take a ClientToken, so a retried create after a crash finds the first.
namespace aura::aws {

inline constexpr std::string_view kEc2Version = "2016-11-15";

// Tags by key. Ordered, so that the parameters built from them are deterministic.
using Tags = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------------
// Resources, as the Describe calls report them.

struct Vpc {
  std::string id;
  std::string cidr_block;
  std::string state;  // pending | available
  std::string owner_id;
  bool is_default = false;
  Tags tags;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::string cidr_block;
  std::string availability_zone;
  std::string availability_zone_id;
  std::string state;  // pending | available
  bool map_public_ip_on_launch = false;
  int64_t available_ip_address_count = 0;
  Tags tags;
};

struct InternetGatewayAttachment {
  std::string vpc_id;
  std::string state;  // attaching | attached | detaching | detached; "available" when attached
};

struct InternetGateway {
  std::string id;
  std::vector<InternetGatewayAttachment> attachments;
  Tags tags;
};

// An elastic IP.
struct Address {
  std::string allocation_id;
  std::string public_ip;
  std::string domain;  // vpc
  std::string association_id;
  std::string network_interface_id;
  std::string instance_id;
  std::string private_ip;
  Tags tags;
};

struct NatGatewayAddress {
  std::string allocation_id;
  std::string network_interface_id;
  std::string private_ip;
  std::string public_ip;
};

struct NatGateway {
  std::string id;
  std::string vpc_id;
  std::string subnet_id;
  std::string state;              // pending | failed | available | deleting | deleted
  std::string connectivity_type;  // public | private
  std::string failure_code;
  std::string failure_message;
  std::optional<std::chrono::system_clock::time_point> create_time;
  std::optional<std::chrono::system_clock::time_point> delete_time;
  std::vector<NatGatewayAddress> addresses;
  Tags tags;
};

struct Route {
  std::string destination_cidr_block;
  std::string destination_ipv6_cidr_block;
  std::string gateway_id;  // "local" for the VPC's own range, igw-... for the internet
  std::string nat_gateway_id;
  std::string network_interface_id;
  std::string instance_id;
  std::string transit_gateway_id;
  std::string vpc_peering_connection_id;
  std::string state;   // active | blackhole
  std::string origin;  // CreateRouteTable | CreateRoute | EnableVgwRoutePropagation
};

struct RouteTableAssociation {
  std::string id;  // rtbassoc-...
  std::string route_table_id;
  std::string subnet_id;
  std::string gateway_id;
  bool main = false;
  std::string state;  // associating | associated | disassociating | disassociated | failed
};

struct RouteTable {
  std::string id;
  std::string vpc_id;
  std::vector<Route> routes;
  std::vector<RouteTableAssociation> associations;
  Tags tags;
};

// One security group rule set: a protocol and port range with its sources (ingress) or
// destinations (egress). Used both to send rules and to read them back.
struct IpRange {
  std::string cidr;
  std::string description;

  bool operator==(const IpRange&) const = default;
};
struct SecurityGroupPair {
  std::string group_id;
  std::string user_id;
  std::string description;

  bool operator==(const SecurityGroupPair&) const = default;
};
struct IpPermission {
  std::string protocol = "-1";   // tcp | udp | icmp | icmpv6 | -1 (all) | a protocol number
  std::optional<int> from_port;  // absent for "-1"; for icmp, the ICMP type
  std::optional<int> to_port;    // absent for "-1"; for icmp, the ICMP code
  std::vector<IpRange> ipv4_ranges;
  std::vector<IpRange> ipv6_ranges;
  std::vector<SecurityGroupPair> groups;
  std::vector<std::string> prefix_list_ids;

  bool operator==(const IpPermission&) const = default;
};

struct SecurityGroup {
  std::string id;
  std::string name;
  std::string description;
  std::string vpc_id;
  std::string owner_id;
  std::vector<IpPermission> ingress;
  std::vector<IpPermission> egress;
  Tags tags;
};

// One row of DescribeTags.
struct TagDescription {
  std::string resource_id;
  std::string resource_type;  // vpc, subnet, natgateway, elastic-ip, ...
  std::string key;
  std::string value;
};

struct AvailabilityZone {
  std::string name;           // us-east-1a: differs between accounts
  std::string id;             // use1-az1: the same physical zone in every account
  std::string state;          // available | information | impaired | unavailable | constrained
  std::string opt_in_status;  // opt-in-not-required | opted-in | not-opted-in
  std::string region;
  std::string zone_type;  // availability-zone | local-zone | wavelength-zone
  std::string group_name;
};

struct NetworkInterfaceAttachment {
  std::string id;  // eni-attach-...
  std::string instance_id;
  std::string status;  // attaching | attached | detaching | detached
  int device_index = 0;
  bool delete_on_termination = false;
};

struct NetworkInterface {
  std::string id;
  std::string vpc_id;
  std::string subnet_id;
  std::string availability_zone;
  std::string status;  // available | associated | attaching | in-use | detaching
  std::string interface_type;
  std::string description;
  std::string private_ip;
  std::string requester_id;  // who created it for us (ELB, EKS, Lambda...)
  bool requester_managed = false;
  std::optional<NetworkInterfaceAttachment> attachment;
  std::vector<std::string> security_group_ids;
  Tags tags;
};

struct LaunchTemplate {
  std::string id;
  std::string name;
  int64_t default_version = 0;
  int64_t latest_version = 0;
  std::optional<std::chrono::system_clock::time_point> create_time;
  Tags tags;
};

// DescribeInstances answers reservations of instances; the instances come out flattened, each
// with its reservation.
struct Instance {
  std::string id;
  std::string reservation_id;
  std::string instance_type;
  std::string image_id;
  std::string state;  // pending | running | shutting-down | terminated | stopping | stopped
  int state_code = 0;
  std::string vpc_id;
  std::string subnet_id;
  std::string availability_zone;
  std::string private_ip;
  std::string client_token;
  std::string architecture;
  std::optional<std::chrono::system_clock::time_point> launch_time;
  Tags tags;
};

struct InstanceStateChange {
  std::string instance_id;
  std::string current_state;
  std::string previous_state;
};

struct GpuInfo {
  std::string name;
  std::string manufacturer;
  int count = 0;
  int64_t memory_mib = 0;  // per GPU
};

struct InstanceTypeInfo {
  std::string instance_type;
  int vcpus = 0;
  int64_t memory_mib = 0;
  std::vector<std::string> architectures;  // x86_64 | arm64 | i386 | x86_64_mac | arm64_mac
  std::vector<std::string> usage_classes;  // on-demand | spot | capacity-block
  bool current_generation = false;
  std::vector<GpuInfo> gpus;
  int64_t total_gpu_memory_mib = 0;
};

// ---------------------------------------------------------------------------------------------
// Requests.

// What a Describe call selects: IDs (VpcId.N, SubnetId.N, ...) and filters (Filter.N). All the
// pages are read; max_results sets the page size (AWS refuses it together with IDs, so it is
// sent only without IDs; 0 leaves it to AWS).
struct DescribeQuery {
  std::vector<std::string> ids;
  std::vector<Filter> filters;
  int max_results = 0;
};

// Filters Aura uses to find what it made.
Filter tag_filter(const std::string& key, const std::string& value);  // tag:<key> = value
Filter tag_key_filter(const std::string& key);                        // tag-key = key
Filter vpc_filter(const std::string& vpc_id);                         // vpc-id = id
// One tag:<key> filter per tag: resources carrying all of them.
std::vector<Filter> tag_filters(const Tags& tags);

struct CreateVpcRequest {
  std::string cidr_block;
  Tags tags;
};

enum class VpcAttribute { kEnableDnsSupport, kEnableDnsHostnames };

struct CreateSubnetRequest {
  std::string vpc_id;
  std::string cidr_block;
  std::string availability_zone;     // a zone name, or
  std::string availability_zone_id;  // a zone ID (the same physical zone in every account)
  Tags tags;
};

struct CreateNatGatewayRequest {
  std::string subnet_id;
  std::string allocation_id;  // the elastic IP; none for a private NAT gateway
  std::string client_token;   // idempotency: at most 64 ASCII characters
  std::string connectivity_type = "public";
  Tags tags;
};

struct CreateRouteTableRequest {
  std::string vpc_id;
  std::string client_token;
  Tags tags;
};

// A route to exactly one target.
struct CreateRouteRequest {
  std::string route_table_id;
  std::string destination_cidr_block;
  std::string gateway_id;      // internet gateway
  std::string nat_gateway_id;  // NAT gateway
};

struct CreateSecurityGroupRequest {
  std::string group_name;
  std::string description;
  std::string vpc_id;
  Tags tags;
};

struct DescribeAvailabilityZonesRequest {
  std::vector<std::string> zone_names;
  std::vector<Filter> filters;
  // Include zones the account has not opted in to (local and wavelength zones).
  bool all_availability_zones = false;
};
// Zones nodes can go to: plain availability zones that are available and need no opt-in or are
// opted in.
std::vector<Filter> usable_zone_filters();

struct CreateLaunchTemplateRequest {
  std::string name;
  std::string client_token;
  std::string image_id;
  std::string instance_type;
  std::string user_data;  // already base64, as AWS wants it
  std::vector<std::string> security_group_ids;
  std::string iam_instance_profile_arn;
  // IMDSv2 only, with a hop limit of 2 so pods behind the node's network can reach it if allowed.
  std::string metadata_http_tokens = "required";
  int metadata_hop_limit = 2;
  Tags tags;           // on the launch template
  Tags instance_tags;  // on the instances and volumes it launches
};

struct RunInstancesRequest {
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  std::string launch_template_id;
  std::string launch_template_version;  // "$Latest", "$Default" or a number
  std::string user_data;                // base64
  int min_count = 1;
  int max_count = 1;
  std::string client_token;
  Tags tags;  // on the instances, their volumes and network interfaces
};

// ---------------------------------------------------------------------------------------------
// Pure request builders: the parameters after Action and Version.

// TagSpecification.<index>.ResourceType and TagSpecification.<index>.Tag.N.Key/Value, under
// `prefix` (LaunchTemplateData.TagSpecification for launch templates). Nothing for no tags: AWS
// refuses a TagSpecification without tags.
void add_tag_specification(QueryParams& params, std::string_view resource_type, const Tags& tags,
                           int index = 1, std::string_view prefix = "TagSpecification");
// <prefix>.N.IpProtocol, FromPort, ToPort, IpRanges.M.CidrIp, Ipv6Ranges.M.CidrIpv6,
// Groups.M.GroupId, PrefixListIds.M.PrefixListId, each with its Description.
void add_ip_permissions(QueryParams& params, const std::vector<IpPermission>& permissions,
                        std::string_view prefix = "IpPermissions");

// <id_param>.N for the IDs, Filter.N, MaxResults (only without IDs, and only for `paginated`
// operations) and NextToken.
QueryParams describe_params(std::string_view id_param, const DescribeQuery& query,
                            const std::string& next_token, bool paginated = true);
QueryParams create_vpc_params(const CreateVpcRequest& request);
QueryParams modify_vpc_attribute_params(const std::string& vpc_id, VpcAttribute attribute,
                                        bool value);
QueryParams describe_vpc_attribute_params(const std::string& vpc_id, VpcAttribute attribute);
QueryParams create_subnet_params(const CreateSubnetRequest& request);
QueryParams map_public_ip_on_launch_params(const std::string& subnet_id, bool value);
QueryParams create_internet_gateway_params(const Tags& tags);
QueryParams allocate_address_params(const Tags& tags);
QueryParams create_nat_gateway_params(const CreateNatGatewayRequest& request);
QueryParams create_route_table_params(const CreateRouteTableRequest& request);
QueryParams create_route_params(const CreateRouteRequest& request);
QueryParams create_security_group_params(const CreateSecurityGroupRequest& request);
// Authorize and revoke, ingress and egress. `rule_tags` tag the rules an authorize creates.
QueryParams security_group_rules_params(const std::string& group_id,
                                        const std::vector<IpPermission>& permissions,
                                        const Tags& rule_tags = {});
QueryParams create_tags_params(const std::vector<std::string>& resource_ids, const Tags& tags);
// Removes the keys whatever their values.
QueryParams delete_tags_params(const std::vector<std::string>& resource_ids,
                               const std::vector<std::string>& keys);
QueryParams describe_availability_zones_params(const DescribeAvailabilityZonesRequest& request);
QueryParams create_launch_template_params(const CreateLaunchTemplateRequest& request);
QueryParams run_instances_params(const RunInstancesRequest& request);

// ---------------------------------------------------------------------------------------------
// Parsers. Each checks the answer is the operation's (<OperationResponse>) and that what it must
// carry is there; otherwise AwsError{code "MalformedResponse"}.

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // empty on the last page
};

Result<Vpc> parse_create_vpc(const pugi::xml_document& doc);
Result<Page<Vpc>> parse_describe_vpcs(const pugi::xml_document& doc);
Result<bool> parse_describe_vpc_attribute(const pugi::xml_document& doc, VpcAttribute attribute);
Result<Subnet> parse_create_subnet(const pugi::xml_document& doc);
Result<Page<Subnet>> parse_describe_subnets(const pugi::xml_document& doc);
Result<InternetGateway> parse_create_internet_gateway(const pugi::xml_document& doc);
Result<Page<InternetGateway>> parse_describe_internet_gateways(const pugi::xml_document& doc);
Result<Address> parse_allocate_address(const pugi::xml_document& doc);
Result<Page<Address>> parse_describe_addresses(const pugi::xml_document& doc);
Result<NatGateway> parse_create_nat_gateway(const pugi::xml_document& doc);
Result<Page<NatGateway>> parse_describe_nat_gateways(const pugi::xml_document& doc);
Result<RouteTable> parse_create_route_table(const pugi::xml_document& doc);
Result<Page<RouteTable>> parse_describe_route_tables(const pugi::xml_document& doc);
// The new association's ID.
Result<std::string> parse_associate_route_table(const pugi::xml_document& doc);
// The new group's ID.
Result<std::string> parse_create_security_group(const pugi::xml_document& doc);
Result<Page<SecurityGroup>> parse_describe_security_groups(const pugi::xml_document& doc);
Result<Page<TagDescription>> parse_describe_tags(const pugi::xml_document& doc);
Result<Page<AvailabilityZone>> parse_describe_availability_zones(const pugi::xml_document& doc);
Result<Page<NetworkInterface>> parse_describe_network_interfaces(const pugi::xml_document& doc);
Result<LaunchTemplate> parse_create_launch_template(const pugi::xml_document& doc);
Result<Page<LaunchTemplate>> parse_describe_launch_templates(const pugi::xml_document& doc);
Result<std::vector<Instance>> parse_run_instances(const pugi::xml_document& doc);
Result<Page<Instance>> parse_describe_instances(const pugi::xml_document& doc);
Result<std::vector<InstanceStateChange>> parse_terminate_instances(const pugi::xml_document& doc);
Result<Page<InstanceTypeInfo>> parse_describe_instance_types(const pugi::xml_document& doc);
// The answer of an action that reports only success (<return>true</return>, or nothing):
// <operation>Response, and a <return> that is not false.
Result<void> parse_return(const pugi::xml_document& doc, std::string_view operation);

// ---------------------------------------------------------------------------------------------
// Errors. AwsClient parses EC2's error XML; AwsError classifies it (is_not_found covers
// InvalidVpcID.NotFound and the other *.NotFound, is_dependency_violation DependencyViolation).

// is_not_found, plus the EC2 codes that do not end in NotFound
// (InvalidLaunchTemplateName.NotFoundException).
bool is_ec2_not_found(const AwsError& e);
// is_already_exists, plus the EC2 codes that end in AlreadyExistsException
// (InvalidLaunchTemplateName.AlreadyExistsException: the name is taken).
bool is_ec2_already_exists(const AwsError& e);
// DetachInternetGateway of a gateway that is not attached to that VPC: already done.
bool is_not_attached(const AwsError& e);
// For deletes: not found counts as done.
Result<void> ignore_not_found(Result<void> result);

// ---------------------------------------------------------------------------------------------

class Ec2Client {
 public:
  explicit Ec2Client(AwsClientPtr client) : client_(std::move(client)) {}

  // VPCs.
  Result<Vpc> create_vpc(const CreateVpcRequest& request);
  Result<std::vector<Vpc>> describe_vpcs(const DescribeQuery& query = {});
  Result<void> delete_vpc(const std::string& vpc_id);
  // One attribute per call, as AWS requires.
  Result<void> modify_vpc_attribute(const std::string& vpc_id, VpcAttribute attribute, bool value);
  Result<bool> describe_vpc_attribute(const std::string& vpc_id, VpcAttribute attribute);

  // Subnets.
  Result<Subnet> create_subnet(const CreateSubnetRequest& request);
  Result<std::vector<Subnet>> describe_subnets(const DescribeQuery& query = {});
  Result<void> delete_subnet(const std::string& subnet_id);
  Result<void> set_map_public_ip_on_launch(const std::string& subnet_id, bool value);

  // Internet gateways.
  Result<InternetGateway> create_internet_gateway(const Tags& tags);
  Result<void> attach_internet_gateway(const std::string& internet_gateway_id,
                                       const std::string& vpc_id);
  Result<void> detach_internet_gateway(const std::string& internet_gateway_id,
                                       const std::string& vpc_id);
  Result<void> delete_internet_gateway(const std::string& internet_gateway_id);
  Result<std::vector<InternetGateway>> describe_internet_gateways(const DescribeQuery& query = {});

  // Elastic IPs (Domain=vpc). query.ids are allocation IDs.
  Result<Address> allocate_address(const Tags& tags);
  Result<void> release_address(const std::string& allocation_id);
  Result<std::vector<Address>> describe_addresses(const DescribeQuery& query = {});

  // NAT gateways. A deleted gateway stays visible for a while in state "deleted".
  Result<NatGateway> create_nat_gateway(const CreateNatGatewayRequest& request);
  Result<std::vector<NatGateway>> describe_nat_gateways(const DescribeQuery& query = {});
  Result<void> delete_nat_gateway(const std::string& nat_gateway_id);

  // Route tables.
  Result<RouteTable> create_route_table(const CreateRouteTableRequest& request);
  Result<void> create_route(const CreateRouteRequest& request);
  // Returns the association ID (rtbassoc-...).
  Result<std::string> associate_route_table(const std::string& route_table_id,
                                            const std::string& subnet_id);
  Result<void> disassociate_route_table(const std::string& association_id);
  Result<void> delete_route_table(const std::string& route_table_id);
  Result<std::vector<RouteTable>> describe_route_tables(const DescribeQuery& query = {});

  // Security groups. A rule that already exists fails with InvalidPermission.Duplicate
  // (is_already_exists).
  Result<std::string> create_security_group(const CreateSecurityGroupRequest& request);
  Result<void> authorize_security_group_ingress(const std::string& group_id,
                                                const std::vector<IpPermission>& permissions,
                                                const Tags& rule_tags = {});
  Result<void> authorize_security_group_egress(const std::string& group_id,
                                               const std::vector<IpPermission>& permissions,
                                               const Tags& rule_tags = {});
  Result<void> revoke_security_group_ingress(const std::string& group_id,
                                             const std::vector<IpPermission>& permissions);
  Result<void> revoke_security_group_egress(const std::string& group_id,
                                            const std::vector<IpPermission>& permissions);
  Result<void> delete_security_group(const std::string& group_id);
  Result<std::vector<SecurityGroup>> describe_security_groups(const DescribeQuery& query = {});

  // Tags. DescribeTags takes only filters (resource-id, resource-type, key, value).
  Result<void> create_tags(const std::vector<std::string>& resource_ids, const Tags& tags);
  Result<void> delete_tags(const std::vector<std::string>& resource_ids,
                           const std::vector<std::string>& keys);
  Result<std::vector<TagDescription>> describe_tags(const DescribeQuery& query);

  Result<std::vector<AvailabilityZone>> describe_availability_zones(
      const DescribeAvailabilityZonesRequest& request = {});

  // Network interfaces.
  Result<std::vector<NetworkInterface>> describe_network_interfaces(
      const DescribeQuery& query = {});
  Result<void> detach_network_interface(const std::string& attachment_id, bool force = false);
  Result<void> delete_network_interface(const std::string& network_interface_id);

  // Launch templates.
  Result<LaunchTemplate> create_launch_template(const CreateLaunchTemplateRequest& request);
  Result<void> delete_launch_template(const std::string& launch_template_id);
  Result<void> delete_launch_template_by_name(const std::string& name);
  Result<std::vector<LaunchTemplate>> describe_launch_templates(const DescribeQuery& query = {});

  // Instances.
  Result<std::vector<Instance>> run_instances(const RunInstancesRequest& request);
  Result<std::vector<Instance>> describe_instances(const DescribeQuery& query = {});
  Result<std::vector<InstanceStateChange>> terminate_instances(
      const std::vector<std::string>& instance_ids);
  // query.ids are instance types (InstanceType.N).
  Result<std::vector<InstanceTypeInfo>> describe_instance_types(const DescribeQuery& query = {});

  const AwsClientPtr& client() const { return client_; }

 private:
  Result<void> call(std::string_view operation, const QueryParams& params);

  AwsClientPtr client_;
};

}  // namespace aura::aws
