// EC2 without a network: the request builders produce exactly the parameters the EC2 API
// reference and botocore's service model (ec2/2016-11-15) name, and the parsers read answers
// shaped like the API reference's examples, including pagination tokens, empty lists and
// broken answers (a clear MalformedResponse, never a crash and never a silently empty list).
#include <gtest/gtest.h>

#include <memory>

#include "operator/aws/ec2.h"

namespace aura::aws {
namespace {

using Params = QueryParams;

const Tags kTags{{"aura.io/cluster", "team-a/demo"}, {"aura.io/managed-by", "aura-operator"}};

// Loads XML as it comes, even when pugixml reports an error: a truncated document yields what
// was read, which the parsers must refuse rather than trust.
std::unique_ptr<pugi::xml_document> load(std::string_view xml) {
  auto doc = std::make_unique<pugi::xml_document>();
  doc->load_buffer(xml.data(), xml.size());
  return doc;
}

std::string value_of(const Params& params, const std::string& key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return "<absent>";
}

bool has_key_prefix(const Params& params, const std::string& prefix) {
  for (const auto& [k, v] : params)
    if (k.rfind(prefix, 0) == 0) return true;
  return false;
}

#define EC2_NS R"( xmlns="http://ec2.amazonaws.com/doc/2016-11-15/")"

// --- request builders ---------------------------------------------------------------------------

TEST(Ec2Request, CreateVpcSendsItsTagsInTheCreateCall) {
  EXPECT_EQ(create_vpc_params({"10.0.0.0/16", kTags}),
            (Params{{"CidrBlock", "10.0.0.0/16"},
                    {"TagSpecification.1.ResourceType", "vpc"},
                    {"TagSpecification.1.Tag.1.Key", "aura.io/cluster"},
                    {"TagSpecification.1.Tag.1.Value", "team-a/demo"},
                    {"TagSpecification.1.Tag.2.Key", "aura.io/managed-by"},
                    {"TagSpecification.1.Tag.2.Value", "aura-operator"}}));
}

TEST(Ec2Request, NoTagsMeansNoTagSpecificationAtAll) {
  // AWS refuses a TagSpecification without tags.
  EXPECT_EQ(create_vpc_params({"10.0.0.0/16", {}}), (Params{{"CidrBlock", "10.0.0.0/16"}}));
  EXPECT_EQ(create_internet_gateway_params({}), Params{});
}

TEST(Ec2Request, EveryCreateTagsItsOwnResourceType) {
  EXPECT_EQ(value_of(create_subnet_params({"vpc-1", "10.0.0.0/20", "us-east-1a", "", kTags}),
                     "TagSpecification.1.ResourceType"),
            "subnet");
  EXPECT_EQ(value_of(create_internet_gateway_params(kTags), "TagSpecification.1.ResourceType"),
            "internet-gateway");
  EXPECT_EQ(value_of(allocate_address_params(kTags), "TagSpecification.1.ResourceType"),
            "elastic-ip");
  EXPECT_EQ(value_of(create_nat_gateway_params({"subnet-1", "eipalloc-1", "t", "public", kTags}),
                     "TagSpecification.1.ResourceType"),
            "natgateway");
  EXPECT_EQ(
      value_of(create_route_table_params({"vpc-1", "", kTags}), "TagSpecification.1.ResourceType"),
      "route-table");
  EXPECT_EQ(value_of(create_security_group_params({"n", "d", "vpc-1", kTags}),
                     "TagSpecification.1.ResourceType"),
            "security-group");
}

TEST(Ec2Request, DescribeParamsIdsFiltersAndPages) {
  DescribeQuery q;
  q.filters = {tag_filter("aura.io/cluster-uid", "u-1"), {"state", {"pending", "available"}}};
  q.max_results = 5;
  EXPECT_EQ(describe_params("VpcId", q, "token-2"),
            (Params{{"Filter.1.Name", "tag:aura.io/cluster-uid"},
                    {"Filter.1.Value.1", "u-1"},
                    {"Filter.2.Name", "state"},
                    {"Filter.2.Value.1", "pending"},
                    {"Filter.2.Value.2", "available"},
                    {"MaxResults", "5"},
                    {"NextToken", "token-2"}}));

  // AWS refuses MaxResults together with IDs.
  DescribeQuery by_id{{"vpc-1", "vpc-2"}, {}, 5};
  EXPECT_EQ(describe_params("VpcId", by_id, ""),
            (Params{{"VpcId.1", "vpc-1"}, {"VpcId.2", "vpc-2"}}));
  // Operations without pagination (DescribeAddresses) get neither MaxResults nor NextToken.
  DescribeQuery addresses{{}, {}, 10};
  EXPECT_EQ(describe_params("AllocationId", addresses, "x", /*paginated=*/false), Params{});
}

TEST(Ec2Request, TagFilters) {
  EXPECT_EQ(tag_key_filter("kubernetes.io/cluster/demo").name, "tag-key");
  EXPECT_EQ(vpc_filter("vpc-1").name, "vpc-id");
  auto filters = tag_filters(kTags);
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0].name, "tag:aura.io/cluster");
  EXPECT_EQ(filters[0].values, std::vector<std::string>{"team-a/demo"});
}

TEST(Ec2Request, VpcAttributesOnePerCall) {
  EXPECT_EQ(modify_vpc_attribute_params("vpc-1", VpcAttribute::kEnableDnsHostnames, true),
            (Params{{"VpcId", "vpc-1"}, {"EnableDnsHostnames.Value", "true"}}));
  EXPECT_EQ(modify_vpc_attribute_params("vpc-1", VpcAttribute::kEnableDnsSupport, false),
            (Params{{"VpcId", "vpc-1"}, {"EnableDnsSupport.Value", "false"}}));
  EXPECT_EQ(describe_vpc_attribute_params("vpc-1", VpcAttribute::kEnableDnsSupport),
            (Params{{"VpcId", "vpc-1"}, {"Attribute", "enableDnsSupport"}}));
}

TEST(Ec2Request, SubnetParams) {
  EXPECT_EQ(
      create_subnet_params({"vpc-1", "10.0.0.0/20", "us-east-1a", "", {}}),
      (Params{
          {"VpcId", "vpc-1"}, {"CidrBlock", "10.0.0.0/20"}, {"AvailabilityZone", "us-east-1a"}}));
  EXPECT_EQ(value_of(create_subnet_params({"vpc-1", "10.0.0.0/20", "", "use1-az1", {}}),
                     "AvailabilityZoneId"),
            "use1-az1");
  EXPECT_EQ(map_public_ip_on_launch_params("subnet-1", true),
            (Params{{"SubnetId", "subnet-1"}, {"MapPublicIpOnLaunch.Value", "true"}}));
}

TEST(Ec2Request, NatGatewayCarriesItsClientToken) {
  const auto p = create_nat_gateway_params(
      {"subnet-1", "eipalloc-1", "uid-1234-nat-us-east-1a", "public", {{"k", "v"}}});
  EXPECT_EQ(p, (Params{{"SubnetId", "subnet-1"},
                       {"AllocationId", "eipalloc-1"},
                       {"ConnectivityType", "public"},
                       {"ClientToken", "uid-1234-nat-us-east-1a"},
                       {"TagSpecification.1.ResourceType", "natgateway"},
                       {"TagSpecification.1.Tag.1.Key", "k"},
                       {"TagSpecification.1.Tag.1.Value", "v"}}));
  // A private NAT gateway has no elastic IP.
  const auto priv = create_nat_gateway_params({"subnet-1", "", "t", "private", {}});
  EXPECT_EQ(value_of(priv, "AllocationId"), "<absent>");
  EXPECT_EQ(value_of(priv, "ConnectivityType"), "private");
}

TEST(Ec2Request, AddressIsForTheVpc) {
  EXPECT_EQ(allocate_address_params({}), (Params{{"Domain", "vpc"}}));
}

TEST(Ec2Request, RoutesToOneTarget) {
  EXPECT_EQ(create_route_params({"rtb-1", "0.0.0.0/0", "igw-1", ""}),
            (Params{{"RouteTableId", "rtb-1"},
                    {"DestinationCidrBlock", "0.0.0.0/0"},
                    {"GatewayId", "igw-1"}}));
  EXPECT_EQ(create_route_params({"rtb-1", "0.0.0.0/0", "", "nat-1"}),
            (Params{{"RouteTableId", "rtb-1"},
                    {"DestinationCidrBlock", "0.0.0.0/0"},
                    {"NatGatewayId", "nat-1"}}));
  EXPECT_EQ(value_of(create_route_table_params({"vpc-1", "tok", {}}), "ClientToken"), "tok");
}

TEST(Ec2Request, IpPermissionsNestedLists) {
  IpPermission https;
  https.protocol = "tcp";
  https.from_port = 443;
  https.to_port = 443;
  https.ipv4_ranges = {{"10.0.0.0/16", "cluster"}, {"192.168.0.0/16", ""}};
  https.ipv6_ranges = {{"::/0", ""}};
  https.groups = {{"sg-peer", "", "nodes"}};
  https.prefix_list_ids = {"pl-1"};
  IpPermission all;  // protocol -1: no ports
  all.ipv4_ranges = {{"0.0.0.0/0", ""}};
  EXPECT_EQ(security_group_rules_params("sg-1", {https, all}),
            (Params{{"GroupId", "sg-1"},
                    {"IpPermissions.1.IpProtocol", "tcp"},
                    {"IpPermissions.1.FromPort", "443"},
                    {"IpPermissions.1.ToPort", "443"},
                    {"IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/16"},
                    {"IpPermissions.1.IpRanges.1.Description", "cluster"},
                    {"IpPermissions.1.IpRanges.2.CidrIp", "192.168.0.0/16"},
                    {"IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"},
                    {"IpPermissions.1.Groups.1.GroupId", "sg-peer"},
                    {"IpPermissions.1.Groups.1.Description", "nodes"},
                    {"IpPermissions.1.PrefixListIds.1.PrefixListId", "pl-1"},
                    {"IpPermissions.2.IpProtocol", "-1"},
                    {"IpPermissions.2.IpRanges.1.CidrIp", "0.0.0.0/0"}}));
  EXPECT_EQ(value_of(security_group_rules_params("sg-1", {all}, {{"k", "v"}}),
                     "TagSpecification.1.ResourceType"),
            "security-group-rule");
}

TEST(Ec2Request, SecurityGroupParams) {
  EXPECT_EQ(create_security_group_params({"aura-demo", "Aura cluster demo", "vpc-1", {}}),
            (Params{{"GroupName", "aura-demo"},
                    {"GroupDescription", "Aura cluster demo"},
                    {"VpcId", "vpc-1"}}));
}

TEST(Ec2Request, TagsParams) {
  EXPECT_EQ(create_tags_params({"vpc-1", "subnet-1"}, {{"a", "1"}}),
            (Params{{"ResourceId.1", "vpc-1"},
                    {"ResourceId.2", "subnet-1"},
                    {"Tag.1.Key", "a"},
                    {"Tag.1.Value", "1"}}));
  // No Value: the key goes whatever its value.
  EXPECT_EQ(delete_tags_params({"vpc-1"}, {"a", "b"}),
            (Params{{"ResourceId.1", "vpc-1"}, {"Tag.1.Key", "a"}, {"Tag.2.Key", "b"}}));
}

TEST(Ec2Request, AvailabilityZonesParams) {
  DescribeAvailabilityZonesRequest r;
  r.filters = usable_zone_filters();
  const auto p = describe_availability_zones_params(r);
  EXPECT_EQ(value_of(p, "Filter.1.Name"), "zone-type");
  EXPECT_EQ(value_of(p, "Filter.3.Name"), "opt-in-status");
  EXPECT_EQ(value_of(p, "Filter.3.Value.1"), "opt-in-not-required");
  EXPECT_EQ(value_of(p, "Filter.3.Value.2"), "opted-in");
  EXPECT_EQ(value_of(p, "AllAvailabilityZones"), "<absent>");
  r = {{"us-east-1a"}, {}, true};
  EXPECT_EQ(describe_availability_zones_params(r),
            (Params{{"ZoneName.1", "us-east-1a"}, {"AllAvailabilityZones", "true"}}));
}

TEST(Ec2Request, LaunchTemplateTagsTheTemplateAndWhatItLaunches) {
  CreateLaunchTemplateRequest r;
  r.name = "aura-demo-gpu";
  r.client_token = "uid-lt-gpu";
  r.image_id = "ami-1";
  r.instance_type = "g5.xlarge";
  r.security_group_ids = {"sg-1", "sg-2"};
  r.iam_instance_profile_arn = "arn:aws:iam::123456789012:instance-profile/aura";
  r.tags = {{"t", "1"}};
  r.instance_tags = {{"i", "2"}};
  EXPECT_EQ(create_launch_template_params(r),
            (Params{{"LaunchTemplateName", "aura-demo-gpu"},
                    {"ClientToken", "uid-lt-gpu"},
                    {"LaunchTemplateData.ImageId", "ami-1"},
                    {"LaunchTemplateData.InstanceType", "g5.xlarge"},
                    {"LaunchTemplateData.SecurityGroupId.1", "sg-1"},
                    {"LaunchTemplateData.SecurityGroupId.2", "sg-2"},
                    {"LaunchTemplateData.IamInstanceProfile.Arn",
                     "arn:aws:iam::123456789012:instance-profile/aura"},
                    {"LaunchTemplateData.MetadataOptions.HttpTokens", "required"},
                    {"LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit", "2"},
                    {"LaunchTemplateData.TagSpecification.1.ResourceType", "instance"},
                    {"LaunchTemplateData.TagSpecification.1.Tag.1.Key", "i"},
                    {"LaunchTemplateData.TagSpecification.1.Tag.1.Value", "2"},
                    {"LaunchTemplateData.TagSpecification.2.ResourceType", "volume"},
                    {"LaunchTemplateData.TagSpecification.2.Tag.1.Key", "i"},
                    {"LaunchTemplateData.TagSpecification.2.Tag.1.Value", "2"},
                    {"TagSpecification.1.ResourceType", "launch-template"},
                    {"TagSpecification.1.Tag.1.Key", "t"},
                    {"TagSpecification.1.Tag.1.Value", "1"}}));
}

TEST(Ec2Request, RunInstancesMinimal) {
  RunInstancesRequest r;
  r.image_id = "ami-1";
  r.instance_type = "m5.large";
  r.subnet_id = "subnet-1";
  r.security_group_ids = {"sg-1"};
  r.client_token = "uid-node-1";
  r.tags = {{"k", "v"}};
  EXPECT_EQ(run_instances_params(r),
            (Params{{"ImageId", "ami-1"},
                    {"InstanceType", "m5.large"},
                    {"MinCount", "1"},
                    {"MaxCount", "1"},
                    {"SubnetId", "subnet-1"},
                    {"SecurityGroupId.1", "sg-1"},
                    {"ClientToken", "uid-node-1"},
                    {"TagSpecification.1.ResourceType", "instance"},
                    {"TagSpecification.1.Tag.1.Key", "k"},
                    {"TagSpecification.1.Tag.1.Value", "v"},
                    {"TagSpecification.2.ResourceType", "volume"},
                    {"TagSpecification.2.Tag.1.Key", "k"},
                    {"TagSpecification.2.Tag.1.Value", "v"},
                    {"TagSpecification.3.ResourceType", "network-interface"},
                    {"TagSpecification.3.Tag.1.Key", "k"},
                    {"TagSpecification.3.Tag.1.Value", "v"}}));
  RunInstancesRequest from_template;
  from_template.launch_template_id = "lt-1";
  from_template.launch_template_version = "$Latest";
  const auto p = run_instances_params(from_template);
  EXPECT_EQ(value_of(p, "LaunchTemplate.LaunchTemplateId"), "lt-1");
  EXPECT_EQ(value_of(p, "LaunchTemplate.Version"), "$Latest");
  EXPECT_FALSE(has_key_prefix(p, "TagSpecification"));
  EXPECT_FALSE(has_key_prefix(p, "ImageId"));
}

// --- parsers
// --------------------------------------------------------------------------------------

// The API reference's DescribeVpcs example; the CIDR association (whose nested <state> says
// "associated") comes before the VPC's own <state>, so a first-descendant search would misread
// the VPC as "associated".
constexpr std::string_view kDescribeVpcs = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse)" EC2_NS R"(>
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <vpcSet>
    <item>
      <vpcId>vpc-0a60eb65b4EXAMPLE</vpcId>
      <ownerId>111122223333</ownerId>
      <cidrBlockAssociationSet>
        <item>
          <cidrBlock>10.0.0.0/16</cidrBlock>
          <associationId>vpc-cidr-assoc-0e6a4aa1e2EXAMPLE</associationId>
          <cidrBlockState><state>associated</state></cidrBlockState>
        </item>
      </cidrBlockAssociationSet>
      <state>available</state>
      <cidrBlock>10.0.0.0/16</cidrBlock>
      <dhcpOptionsId>dopt-19edf471</dhcpOptionsId>
      <tagSet>
        <item><key>aura.io/cluster</key><value>team-a/demo</value></item>
        <item><key>Name</key><value></value></item>
      </tagSet>
      <instanceTenancy>default</instanceTenancy>
      <isDefault>false</isDefault>
    </item>
    <item>
      <vpcId>vpc-default</vpcId>
      <state>pending</state>
      <cidrBlock>172.31.0.0/16</cidrBlock>
      <isDefault>true</isDefault>
    </item>
  </vpcSet>
  <nextToken>eyJ2IjoiMiJ9</nextToken>
</DescribeVpcsResponse>)";

TEST(Ec2Parse, DescribeVpcsWithTagsAndNextToken) {
  auto page = parse_describe_vpcs(*load(kDescribeVpcs));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  const auto& v = page->items[0];
  EXPECT_EQ(v.id, "vpc-0a60eb65b4EXAMPLE");
  EXPECT_EQ(v.state, "available");
  EXPECT_EQ(v.cidr_block, "10.0.0.0/16");
  EXPECT_EQ(v.owner_id, "111122223333");
  EXPECT_FALSE(v.is_default);
  EXPECT_EQ(v.tags, (Tags{{"aura.io/cluster", "team-a/demo"}, {"Name", ""}}));
  EXPECT_TRUE(page->items[1].is_default);
  EXPECT_TRUE(page->items[1].tags.empty());
  EXPECT_EQ(page->next_token, "eyJ2IjoiMiJ9");
}

TEST(Ec2Parse, EmptyListIsNoItemsAndNoToken) {
  auto page = parse_describe_vpcs(*load(R"(<DescribeVpcsResponse)" EC2_NS R"(>
      <requestId>r</requestId><vpcSet/></DescribeVpcsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_token.empty());
}

TEST(Ec2Parse, CreateVpc) {
  auto vpc = parse_create_vpc(*load(R"(<CreateVpcResponse)" EC2_NS R"(>
    <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
    <vpc>
      <vpcId>vpc-1a2b3c4d</vpcId>
      <state>pending</state>
      <cidrBlock>10.32.0.0/16</cidrBlock>
      <cidrBlockAssociationSet><item><cidrBlock>10.32.0.0/16</cidrBlock>
        <associationId>vpc-cidr-assoc-1</associationId>
        <cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet>
      <dhcpOptionsId>dopt-1a2b3c4d2</dhcpOptionsId>
      <instanceTenancy>default</instanceTenancy>
      <tagSet><item><key>aura.io/cluster-uid</key><value>u-1</value></item></tagSet>
    </vpc>
  </CreateVpcResponse>)"));
  ASSERT_TRUE(vpc) << vpc.error().str();
  EXPECT_EQ(vpc->id, "vpc-1a2b3c4d");
  EXPECT_EQ(vpc->state, "pending");
  EXPECT_EQ(vpc->tags.at("aura.io/cluster-uid"), "u-1");
}

TEST(Ec2Parse, DescribeVpcAttribute) {
  auto doc = load(R"(<DescribeVpcAttributeResponse)" EC2_NS R"(>
    <requestId>r</requestId><vpcId>vpc-1</vpcId>
    <enableDnsHostnames><value>true</value></enableDnsHostnames>
  </DescribeVpcAttributeResponse>)");
  auto v = parse_describe_vpc_attribute(*doc, VpcAttribute::kEnableDnsHostnames);
  ASSERT_TRUE(v) << v.error().str();
  EXPECT_TRUE(*v);
  // The other attribute is not in this answer: broken, not false.
  auto other = parse_describe_vpc_attribute(*doc, VpcAttribute::kEnableDnsSupport);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, "MalformedResponse");
  EXPECT_EQ(other.error().request_id, "r");
}

TEST(Ec2Parse, Subnets) {
  auto page = parse_describe_subnets(*load(R"(<DescribeSubnetsResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <subnetSet>
      <item>
        <subnetId>subnet-0bb1c79de3EXAMPLE</subnetId>
        <subnetArn>arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0bb1c79de3EXAMPLE</subnetArn>
        <state>available</state>
        <ownerId>111122223333</ownerId>
        <vpcId>vpc-0ee975135dEXAMPLE</vpcId>
        <cidrBlock>10.0.2.0/24</cidrBlock>
        <ipv6CidrBlockAssociationSet/>
        <availableIpAddressCount>251</availableIpAddressCount>
        <availabilityZone>us-east-1c</availabilityZone>
        <availabilityZoneId>use1-az4</availabilityZoneId>
        <defaultForAz>false</defaultForAz>
        <mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>
        <tagSet><item><key>kubernetes.io/role/elb</key><value>1</value></item></tagSet>
      </item>
    </subnetSet>
  </DescribeSubnetsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  const auto& s = page->items[0];
  EXPECT_EQ(s.id, "subnet-0bb1c79de3EXAMPLE");
  EXPECT_EQ(s.vpc_id, "vpc-0ee975135dEXAMPLE");
  EXPECT_EQ(s.cidr_block, "10.0.2.0/24");
  EXPECT_EQ(s.availability_zone, "us-east-1c");
  EXPECT_EQ(s.availability_zone_id, "use1-az4");
  EXPECT_TRUE(s.map_public_ip_on_launch);
  EXPECT_EQ(s.available_ip_address_count, 251);
  EXPECT_EQ(s.tags.at("kubernetes.io/role/elb"), "1");
}

TEST(Ec2Parse, InternetGatewayAttachments) {
  auto page =
      parse_describe_internet_gateways(*load(R"(<DescribeInternetGatewaysResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <internetGatewaySet>
      <item>
        <internetGatewayId>igw-036dde5c85EXAMPLE</internetGatewayId>
        <ownerId>111122223333</ownerId>
        <attachmentSet><item><vpcId>vpc-0a60eb65b4EXAMPLE</vpcId><state>available</state></item></attachmentSet>
        <tagSet/>
      </item>
      <item><internetGatewayId>igw-2</internetGatewayId><attachmentSet/></item>
    </internetGatewaySet>
  </DescribeInternetGatewaysResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  ASSERT_EQ(page->items[0].attachments.size(), 1u);
  EXPECT_EQ(page->items[0].attachments[0].vpc_id, "vpc-0a60eb65b4EXAMPLE");
  EXPECT_EQ(page->items[0].attachments[0].state, "available");
  EXPECT_TRUE(page->items[1].attachments.empty());

  auto created = parse_create_internet_gateway(*load(R"(<CreateInternetGatewayResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <internetGateway><internetGatewayId>igw-eaad4883</internetGatewayId><attachmentSet/>
      <tagSet><item><key>a</key><value>b</value></item></tagSet></internetGateway>
  </CreateInternetGatewayResponse>)"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(created->id, "igw-eaad4883");
  EXPECT_EQ(created->tags.at("a"), "b");
}

TEST(Ec2Parse, ElasticIps) {
  auto a = parse_allocate_address(*load(R"(<AllocateAddressResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <publicIp>198.51.100.0</publicIp>
    <domain>vpc</domain>
    <allocationId>eipalloc-5723d13e</allocationId>
  </AllocateAddressResponse>)"));
  ASSERT_TRUE(a) << a.error().str();
  EXPECT_EQ(a->allocation_id, "eipalloc-5723d13e");
  EXPECT_EQ(a->public_ip, "198.51.100.0");
  EXPECT_EQ(a->domain, "vpc");

  auto page = parse_describe_addresses(*load(R"(<DescribeAddressesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <addressesSet>
      <item>
        <publicIp>203.0.113.41</publicIp>
        <allocationId>eipalloc-08229861</allocationId>
        <domain>vpc</domain>
        <instanceId>i-0598c7d356eba48d7</instanceId>
        <associationId>eipassoc-f0229899</associationId>
        <networkInterfaceId>eni-ef229886</networkInterfaceId>
        <privateIpAddress>10.0.0.228</privateIpAddress>
        <tagSet><item><key>aura.io/cluster-uid</key><value>u</value></item></tagSet>
      </item>
    </addressesSet>
  </DescribeAddressesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].association_id, "eipassoc-f0229899");
  EXPECT_EQ(page->items[0].network_interface_id, "eni-ef229886");
  EXPECT_EQ(page->items[0].tags.at("aura.io/cluster-uid"), "u");
}

TEST(Ec2Parse, NatGateways) {
  auto page = parse_describe_nat_gateways(*load(R"(<DescribeNatGatewaysResponse)" EC2_NS R"(>
    <requestId>bfed02c6-dae9-47c0-86a2-example</requestId>
    <natGatewaySet>
      <item>
        <natGatewayId>nat-04e77a5e9c34432f9</natGatewayId>
        <subnetId>subnet-1a2a3a4a</subnetId>
        <vpcId>vpc-1a2b3c4d</vpcId>
        <state>available</state>
        <connectivityType>public</connectivityType>
        <createTime>2019-11-25T14:00:55.416Z</createTime>
        <natGatewayAddressSet>
          <item>
            <allocationId>eipalloc-89c620ec</allocationId>
            <networkInterfaceId>eni-9dec76cd</networkInterfaceId>
            <privateIp>10.0.0.149</privateIp>
            <publicIp>198.18.125.129</publicIp>
            <status>succeeded</status>
          </item>
        </natGatewayAddressSet>
        <tagSet><item><key>aura.io/cluster-uid</key><value>u</value></item></tagSet>
      </item>
      <item>
        <natGatewayId>nat-deleted</natGatewayId>
        <state>deleted</state>
        <deleteTime>2019-11-25T15:00:00.000Z</deleteTime>
        <failureCode>Gateway.NotAttached</failureCode>
        <failureMessage>Network vpc-1 has no Internet gateway attached</failureMessage>
        <natGatewayAddressSet/>
      </item>
    </natGatewaySet>
    <nextToken>next</nextToken>
  </DescribeNatGatewaysResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  const auto& g = page->items[0];
  EXPECT_EQ(g.id, "nat-04e77a5e9c34432f9");
  EXPECT_EQ(g.state, "available");
  EXPECT_EQ(g.connectivity_type, "public");
  ASSERT_TRUE(g.create_time);
  EXPECT_FALSE(g.delete_time);
  ASSERT_EQ(g.addresses.size(), 1u);
  EXPECT_EQ(g.addresses[0].allocation_id, "eipalloc-89c620ec");
  EXPECT_EQ(g.addresses[0].public_ip, "198.18.125.129");
  EXPECT_EQ(page->items[1].state, "deleted");
  EXPECT_EQ(page->items[1].failure_code, "Gateway.NotAttached");
  EXPECT_TRUE(page->items[1].delete_time);
  EXPECT_EQ(page->next_token, "next");

  auto created = parse_create_nat_gateway(*load(R"(<CreateNatGatewayResponse)" EC2_NS R"(>
    <requestId>r</requestId><clientToken>tok</clientToken>
    <natGateway><natGatewayId>nat-1</natGatewayId><subnetId>subnet-1</subnetId>
      <vpcId>vpc-1</vpcId><state>pending</state><natGatewayAddressSet/></natGateway>
  </CreateNatGatewayResponse>)"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(created->id, "nat-1");
  EXPECT_EQ(created->state, "pending");
}

TEST(Ec2Parse, RouteTablesWithRoutesAndAssociations) {
  auto page = parse_describe_route_tables(*load(R"(<DescribeRouteTablesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <routeTableSet>
      <item>
        <routeTableId>rtb-1f382e7d</routeTableId>
        <vpcId>vpc-88dc2ab3</vpcId>
        <ownerId>111122223333</ownerId>
        <routeSet>
          <item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId>
            <state>active</state><origin>CreateRouteTable</origin></item>
          <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-1</natGatewayId>
            <state>blackhole</state><origin>CreateRoute</origin></item>
        </routeSet>
        <associationSet>
          <item>
            <routeTableAssociationId>rtbassoc-main</routeTableAssociationId>
            <routeTableId>rtb-1f382e7d</routeTableId>
            <main>true</main>
            <associationState><state>associated</state></associationState>
          </item>
          <item>
            <routeTableAssociationId>rtbassoc-faad4893</routeTableAssociationId>
            <routeTableId>rtb-1f382e7d</routeTableId>
            <subnetId>subnet-15ad487c</subnetId>
            <main>false</main>
            <associationState><state>associated</state></associationState>
          </item>
        </associationSet>
        <propagatingVgwSet/>
        <tagSet/>
      </item>
    </routeTableSet>
  </DescribeRouteTablesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  const auto& t = page->items[0];
  EXPECT_EQ(t.id, "rtb-1f382e7d");
  EXPECT_EQ(t.vpc_id, "vpc-88dc2ab3");
  ASSERT_EQ(t.routes.size(), 2u);
  EXPECT_EQ(t.routes[0].gateway_id, "local");
  EXPECT_EQ(t.routes[1].nat_gateway_id, "nat-1");
  EXPECT_EQ(t.routes[1].state, "blackhole");
  ASSERT_EQ(t.associations.size(), 2u);
  EXPECT_TRUE(t.associations[0].main);
  EXPECT_TRUE(t.associations[0].subnet_id.empty());
  EXPECT_EQ(t.associations[1].id, "rtbassoc-faad4893");
  EXPECT_EQ(t.associations[1].subnet_id, "subnet-15ad487c");
  EXPECT_EQ(t.associations[1].state, "associated");

  auto assoc = parse_associate_route_table(*load(R"(<AssociateRouteTableResponse)" EC2_NS R"(>
    <requestId>r</requestId><associationId>rtbassoc-f8ad4891</associationId>
    <associationState><state>associated</state></associationState>
  </AssociateRouteTableResponse>)"));
  ASSERT_TRUE(assoc) << assoc.error().str();
  EXPECT_EQ(*assoc, "rtbassoc-f8ad4891");
}

TEST(Ec2Parse, SecurityGroupsReadTheirOwnIdNotAReferencedGroup) {
  // The ingress rule references another group; its <groupId> comes before the group's own.
  auto page = parse_describe_security_groups(*load(R"(<DescribeSecurityGroupsResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <securityGroupInfo>
      <item>
        <ownerId>123456789012</ownerId>
        <ipPermissions>
          <item>
            <ipProtocol>tcp</ipProtocol>
            <fromPort>443</fromPort>
            <toPort>443</toPort>
            <groups><item><userId>123456789012</userId><groupId>sg-peer</groupId></item></groups>
            <ipRanges><item><cidrIp>10.0.0.0/16</cidrIp><description>vpc</description></item></ipRanges>
            <ipv6Ranges/>
            <prefixListIds/>
          </item>
        </ipPermissions>
        <ipPermissionsEgress>
          <item>
            <ipProtocol>-1</ipProtocol>
            <groups/>
            <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
          </item>
        </ipPermissionsEgress>
        <groupId>sg-1a2b3c4d</groupId>
        <groupName>aura-demo</groupName>
        <groupDescription>Aura cluster demo</groupDescription>
        <vpcId>vpc-1a2b3c4d</vpcId>
        <tagSet><item><key>aura.io/cluster-uid</key><value>u</value></item></tagSet>
      </item>
    </securityGroupInfo>
  </DescribeSecurityGroupsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  const auto& g = page->items[0];
  EXPECT_EQ(g.id, "sg-1a2b3c4d");
  EXPECT_EQ(g.name, "aura-demo");
  EXPECT_EQ(g.description, "Aura cluster demo");
  EXPECT_EQ(g.vpc_id, "vpc-1a2b3c4d");
  ASSERT_EQ(g.ingress.size(), 1u);
  EXPECT_EQ(g.ingress[0].protocol, "tcp");
  EXPECT_EQ(g.ingress[0].from_port, 443);
  EXPECT_EQ(g.ingress[0].to_port, 443);
  ASSERT_EQ(g.ingress[0].groups.size(), 1u);
  EXPECT_EQ(g.ingress[0].groups[0].group_id, "sg-peer");
  EXPECT_EQ(g.ingress[0].ipv4_ranges, (std::vector<IpRange>{{"10.0.0.0/16", "vpc"}}));
  ASSERT_EQ(g.egress.size(), 1u);
  EXPECT_EQ(g.egress[0].protocol, "-1");
  EXPECT_FALSE(g.egress[0].from_port);
  EXPECT_EQ(g.tags.at("aura.io/cluster-uid"), "u");

  auto created = parse_create_security_group(*load(R"(<CreateSecurityGroupResponse)" EC2_NS R"(>
    <requestId>r</requestId><return>true</return><groupId>sg-0a42d66a</groupId>
  </CreateSecurityGroupResponse>)"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(*created, "sg-0a42d66a");
}

TEST(Ec2Parse, DescribeTags) {
  auto page = parse_describe_tags(*load(R"(<DescribeTagsResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <tagSet>
      <item><resourceId>vpc-1</resourceId><resourceType>vpc</resourceType>
        <key>aura.io/cluster-uid</key><value>u</value></item>
      <item><resourceId>eipalloc-1</resourceId><resourceType>elastic-ip</resourceType>
        <key>aura.io/cluster-uid</key><value>u</value></item>
    </tagSet>
    <nextToken>t2</nextToken>
  </DescribeTagsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1].resource_id, "eipalloc-1");
  EXPECT_EQ(page->items[1].resource_type, "elastic-ip");
  EXPECT_EQ(page->items[1].key, "aura.io/cluster-uid");
  EXPECT_EQ(page->next_token, "t2");
}

TEST(Ec2Parse, AvailabilityZones) {
  auto page =
      parse_describe_availability_zones(*load(R"(<DescribeAvailabilityZonesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <availabilityZoneInfo>
      <item>
        <zoneName>us-east-1a</zoneName>
        <zoneState>available</zoneState>
        <optInStatus>opt-in-not-required</optInStatus>
        <messageSet/>
        <regionName>us-east-1</regionName>
        <zoneId>use1-az6</zoneId>
        <groupName>us-east-1</groupName>
        <networkBorderGroup>us-east-1</networkBorderGroup>
        <zoneType>availability-zone</zoneType>
      </item>
      <item>
        <zoneName>us-east-1-bos-1a</zoneName>
        <zoneState>available</zoneState>
        <optInStatus>not-opted-in</optInStatus>
        <zoneId>use1-bos1-az1</zoneId>
        <zoneType>local-zone</zoneType>
      </item>
    </availabilityZoneInfo>
  </DescribeAvailabilityZonesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].name, "us-east-1a");
  EXPECT_EQ(page->items[0].id, "use1-az6");
  EXPECT_EQ(page->items[0].state, "available");
  EXPECT_EQ(page->items[0].region, "us-east-1");
  EXPECT_EQ(page->items[1].opt_in_status, "not-opted-in");
  EXPECT_EQ(page->items[1].zone_type, "local-zone");
}

TEST(Ec2Parse, NetworkInterfaces) {
  auto page =
      parse_describe_network_interfaces(*load(R"(<DescribeNetworkInterfacesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <networkInterfaceSet>
      <item>
        <networkInterfaceId>eni-0f782d88</networkInterfaceId>
        <subnetId>subnet-c53c87ac</subnetId>
        <vpcId>vpc-cc3c87a5</vpcId>
        <availabilityZone>us-east-1d</availabilityZone>
        <description>ELB app/k8s-default-web/50dc6c495c0c9188</description>
        <ownerId>053230519467</ownerId>
        <requesterId>amazon-elb</requesterId>
        <requesterManaged>true</requesterManaged>
        <status>in-use</status>
        <privateIpAddress>10.0.0.146</privateIpAddress>
        <groupSet><item><groupId>sg-3f4b5653</groupId><groupName>default</groupName></item></groupSet>
        <attachment>
          <attachmentId>eni-attach-6537fc0c</attachmentId>
          <instanceOwnerId>amazon-elb</instanceOwnerId>
          <deviceIndex>1</deviceIndex>
          <status>attached</status>
          <deleteOnTermination>false</deleteOnTermination>
        </attachment>
        <interfaceType>interface</interfaceType>
        <tagSet/>
      </item>
      <item><networkInterfaceId>eni-free</networkInterfaceId><status>available</status></item>
    </networkInterfaceSet>
  </DescribeNetworkInterfacesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  const auto& e = page->items[0];
  EXPECT_EQ(e.id, "eni-0f782d88");
  EXPECT_EQ(e.status, "in-use");
  EXPECT_TRUE(e.requester_managed);
  EXPECT_EQ(e.requester_id, "amazon-elb");
  EXPECT_EQ(e.security_group_ids, std::vector<std::string>{"sg-3f4b5653"});
  ASSERT_TRUE(e.attachment);
  EXPECT_EQ(e.attachment->id, "eni-attach-6537fc0c");
  EXPECT_EQ(e.attachment->device_index, 1);
  EXPECT_EQ(e.attachment->status, "attached");
  EXPECT_FALSE(page->items[1].attachment);
}

TEST(Ec2Parse, LaunchTemplates) {
  auto created = parse_create_launch_template(*load(R"(<CreateLaunchTemplateResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <launchTemplate>
      <createTime>2017-10-31T11:38:52.000Z</createTime>
      <createdBy>arn:aws:iam::123456789012:root</createdBy>
      <defaultVersionNumber>1</defaultVersionNumber>
      <latestVersionNumber>1</latestVersionNumber>
      <launchTemplateId>lt-0a20c965061f64abc</launchTemplateId>
      <launchTemplateName>MyLaunchTemplate</launchTemplateName>
      <tagSet><item><key>k</key><value>v</value></item></tagSet>
    </launchTemplate>
  </CreateLaunchTemplateResponse>)"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(created->id, "lt-0a20c965061f64abc");
  EXPECT_EQ(created->name, "MyLaunchTemplate");
  EXPECT_EQ(created->latest_version, 1);
  EXPECT_TRUE(created->create_time);
  EXPECT_EQ(created->tags.at("k"), "v");

  auto page =
      parse_describe_launch_templates(*load(R"(<DescribeLaunchTemplatesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <launchTemplates>
      <item><launchTemplateId>lt-1</launchTemplateId><launchTemplateName>a</launchTemplateName>
        <defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>3</latestVersionNumber></item>
    </launchTemplates>
    <nextToken>n</nextToken>
  </DescribeLaunchTemplatesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].latest_version, 3);
  EXPECT_EQ(page->next_token, "n");
}

// Two reservations of instances, the way DescribeInstances answers; the instance's placement,
// group set and state each hold names that also occur elsewhere.
constexpr std::string_view kDescribeInstances = R"(<DescribeInstancesResponse)" EC2_NS R"(>
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><groupName></groupName>
            <tenancy>default</tenancy></placement>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
          <architecture>x86_64</architecture>
          <clientToken>uid-node-1</clientToken>
          <tagSet><item><key>karpenter.sh/nodepool</key><value>default</value></item></tagSet>
        </item>
      </instancesSet>
    </item>
    <item>
      <reservationId>r-2</reservationId>
      <instancesSet>
        <item><instanceId>i-2</instanceId><instanceState><code>48</code><name>terminated</name></instanceState></item>
        <item><instanceId>i-3</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>r-2</nextToken>
</DescribeInstancesResponse>)";

TEST(Ec2Parse, DescribeInstancesFlattensReservations) {
  auto page = parse_describe_instances(*load(kDescribeInstances));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 3u);
  const auto& i = page->items[0];
  EXPECT_EQ(i.id, "i-1234567890abcdef0");
  EXPECT_EQ(i.reservation_id, "r-1234567890abcdef0");
  EXPECT_EQ(i.state, "running");
  EXPECT_EQ(i.state_code, 16);
  EXPECT_EQ(i.instance_type, "t2.micro");
  EXPECT_EQ(i.availability_zone, "eu-west-1c");
  EXPECT_EQ(i.subnet_id, "subnet-56f5f633");
  EXPECT_EQ(i.client_token, "uid-node-1");
  EXPECT_TRUE(i.launch_time);
  EXPECT_EQ(i.tags.at("karpenter.sh/nodepool"), "default");
  EXPECT_EQ(page->items[1].reservation_id, "r-2");
  EXPECT_EQ(page->items[1].state, "terminated");
  EXPECT_EQ(page->items[2].state, "pending");
  EXPECT_EQ(page->next_token, "r-2");
}

TEST(Ec2Parse, RunAndTerminateInstances) {
  auto run = parse_run_instances(*load(R"(<RunInstancesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <reservationId>r-1</reservationId>
    <ownerId>123456789012</ownerId>
    <groupSet/>
    <instancesSet>
      <item><instanceId>i-1</instanceId><instanceState><code>0</code><name>pending</name></instanceState>
        <clientToken>tok</clientToken></item>
    </instancesSet>
  </RunInstancesResponse>)"));
  ASSERT_TRUE(run) << run.error().str();
  ASSERT_EQ(run->size(), 1u);
  EXPECT_EQ((*run)[0].id, "i-1");
  EXPECT_EQ((*run)[0].reservation_id, "r-1");
  EXPECT_EQ((*run)[0].state, "pending");

  auto term = parse_terminate_instances(*load(R"(<TerminateInstancesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <instancesSet>
      <item>
        <instanceId>i-1234567890abcdef0</instanceId>
        <currentState><code>32</code><name>shutting-down</name></currentState>
        <previousState><code>16</code><name>running</name></previousState>
      </item>
    </instancesSet>
  </TerminateInstancesResponse>)"));
  ASSERT_TRUE(term) << term.error().str();
  ASSERT_EQ(term->size(), 1u);
  EXPECT_EQ((*term)[0].instance_id, "i-1234567890abcdef0");
  EXPECT_EQ((*term)[0].current_state, "shutting-down");
  EXPECT_EQ((*term)[0].previous_state, "running");
}

TEST(Ec2Parse, InstanceTypesWithGpus) {
  auto page = parse_describe_instance_types(*load(R"(<DescribeInstanceTypesResponse)" EC2_NS R"(>
    <requestId>r</requestId>
    <instanceTypeSet>
      <item>
        <instanceType>g5.xlarge</instanceType>
        <currentGeneration>true</currentGeneration>
        <supportedUsageClasses><item>on-demand</item><item>spot</item></supportedUsageClasses>
        <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures>
          <sustainedClockSpeedInGhz>3.3</sustainedClockSpeedInGhz></processorInfo>
        <vCpuInfo><defaultVCpus>4</defaultVCpus><defaultCores>2</defaultCores>
          <validCores><item>1</item><item>2</item></validCores></vCpuInfo>
        <memoryInfo><sizeInMiB>16384</sizeInMiB></memoryInfo>
        <gpuInfo>
          <gpus><item><name>A10G</name><manufacturer>NVIDIA</manufacturer><count>1</count>
            <memoryInfo><sizeInMiB>22888</sizeInMiB></memoryInfo></item></gpus>
          <totalGpuMemoryInMiB>22888</totalGpuMemoryInMiB>
        </gpuInfo>
      </item>
      <item>
        <instanceType>m7g.large</instanceType>
        <processorInfo><supportedArchitectures><item>arm64</item></supportedArchitectures></processorInfo>
        <vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo>
        <memoryInfo><sizeInMiB>8192</sizeInMiB></memoryInfo>
      </item>
    </instanceTypeSet>
    <nextToken>p2</nextToken>
  </DescribeInstanceTypesResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 2u);
  const auto& g5 = page->items[0];
  EXPECT_EQ(g5.instance_type, "g5.xlarge");
  EXPECT_EQ(g5.vcpus, 4);
  EXPECT_EQ(g5.memory_mib, 16384);
  EXPECT_EQ(g5.architectures, std::vector<std::string>{"x86_64"});
  EXPECT_EQ(g5.usage_classes, (std::vector<std::string>{"on-demand", "spot"}));
  EXPECT_TRUE(g5.current_generation);
  ASSERT_EQ(g5.gpus.size(), 1u);
  EXPECT_EQ(g5.gpus[0].name, "A10G");
  EXPECT_EQ(g5.gpus[0].manufacturer, "NVIDIA");
  EXPECT_EQ(g5.gpus[0].count, 1);
  EXPECT_EQ(g5.gpus[0].memory_mib, 22888);
  EXPECT_EQ(g5.total_gpu_memory_mib, 22888);
  EXPECT_EQ(page->items[1].architectures, std::vector<std::string>{"arm64"});
  EXPECT_TRUE(page->items[1].gpus.empty());
  EXPECT_EQ(page->next_token, "p2");
}

TEST(Ec2Parse, ReturnTrueFalseOrAbsent) {
  EXPECT_TRUE(parse_return(*load(R"(<DeleteVpcResponse)" EC2_NS R"(><requestId>r</requestId>
      <return>true</return></DeleteVpcResponse>)"),
                           "DeleteVpc"));
  // DeleteNatGateway answers with the gateway's ID and no <return>.
  EXPECT_TRUE(parse_return(*load(R"(<DeleteNatGatewayResponse)" EC2_NS R"(>
      <requestId>r</requestId><natGatewayId>nat-1</natGatewayId></DeleteNatGatewayResponse>)"),
                           "DeleteNatGateway"));
  auto no = parse_return(*load(R"(<CreateRouteResponse)" EC2_NS R"(><requestId>r-9</requestId>
      <return>false</return></CreateRouteResponse>)"),
                         "CreateRoute");
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().code, "OperationReturnedFalse");
  EXPECT_EQ(no.error().request_id, "r-9");
  EXPECT_FALSE(no.error().is_retryable());
}

// --- broken answers
// -------------------------------------------------------------------------------

void expect_malformed(const Result<Page<Vpc>>& r, std::string_view fragment) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "MalformedResponse");
  EXPECT_EQ(r.error().service, "ec2");
  EXPECT_EQ(r.error().operation, "DescribeVpcs");
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().is_not_found()) << "a broken answer must not read as 'gone'";
}

TEST(Ec2Parse, MalformedAnswersAreClearErrors) {
  expect_malformed(parse_describe_vpcs(*load("")), "empty");
  expect_malformed(parse_describe_vpcs(*load("not xml at all \x01\xff")), "empty");
  expect_malformed(parse_describe_vpcs(*load("<html><body>502 Bad Gateway</body></html>")),
                   "<html>");
  // Another operation's answer, and EC2's error shape arriving with a 2xx.
  expect_malformed(parse_describe_vpcs(*load(R"(<DescribeSubnetsResponse)" EC2_NS
                                             R"(><subnetSet/></DescribeSubnetsResponse>)")),
                   "expected <DescribeVpcsResponse>");
  expect_malformed(parse_describe_vpcs(*load("<Response><Errors><Error><Code>InternalError</Code>"
                                             "</Error></Errors></Response>")),
                   "<Response>");
  // No list at all is not "nothing exists".
  expect_malformed(
      parse_describe_vpcs(*load(R"(<DescribeVpcsResponse)" EC2_NS
                                R"(><requestId>r</requestId></DescribeVpcsResponse>)")),
      "<vpcSet>");
  // An item without its ID.
  expect_malformed(parse_describe_vpcs(*load(R"(<DescribeVpcsResponse)" EC2_NS R"(>
      <vpcSet><item><state>available</state></item></vpcSet></DescribeVpcsResponse>)")),
                   "<vpcId>");
}

TEST(Ec2Parse, TruncatedAnswersNeverCrash) {
  // Every prefix of real answers: each parser either refuses it or reads what is there, and
  // never crashes or throws.
  for (std::string_view full : {kDescribeVpcs, kDescribeInstances}) {
    for (size_t n = 0; n <= full.size(); n += 7) {
      auto doc = load(full.substr(0, n));
      (void)parse_describe_vpcs(*doc);
      (void)parse_describe_instances(*doc);
      (void)parse_create_vpc(*doc);
      (void)parse_describe_vpc_attribute(*doc, VpcAttribute::kEnableDnsSupport);
      (void)parse_run_instances(*doc);
      (void)parse_terminate_instances(*doc);
      (void)parse_return(*doc, "DeleteVpc");
    }
  }
  // A cut before the list ends: refused (the list or the item's ID is missing).
  auto cut = load(kDescribeVpcs.substr(0, kDescribeVpcs.find("<vpcId>") + 3));
  EXPECT_FALSE(parse_describe_vpcs(*cut));
}

TEST(Ec2Parse, CreatesWithoutTheirIdAreRefused) {
  auto vpc = parse_create_vpc(*load(R"(<CreateVpcResponse)" EC2_NS R"(><requestId>req-7</requestId>
      <vpc><state>pending</state></vpc></CreateVpcResponse>)"));
  ASSERT_FALSE(vpc);
  EXPECT_EQ(vpc.error().code, "MalformedResponse");
  EXPECT_EQ(vpc.error().request_id, "req-7");
  EXPECT_FALSE(parse_create_vpc(*load(R"(<CreateVpcResponse)" EC2_NS R"(/>)")));
  EXPECT_FALSE(
      parse_allocate_address(*load(R"(<AllocateAddressResponse)" EC2_NS
                                   R"(><publicIp>1.2.3.4</publicIp></AllocateAddressResponse>)")));
  EXPECT_FALSE(parse_create_security_group(
      *load(R"(<CreateSecurityGroupResponse)" EC2_NS
            R"(><return>true</return></CreateSecurityGroupResponse>)")));
  EXPECT_FALSE(
      parse_associate_route_table(*load(R"(<AssociateRouteTableResponse)" EC2_NS
                                        R"(><associationId/></AssociateRouteTableResponse>)")));
  EXPECT_FALSE(parse_describe_instances(*load(R"(<DescribeInstancesResponse)" EC2_NS R"(>
      <reservationSet><item><reservationId>r-1</reservationId></item></reservationSet>
      </DescribeInstancesResponse>)")));
}

TEST(Ec2Parse, OddValuesDoNotThrow) {
  auto page = parse_describe_subnets(*load(R"(<DescribeSubnetsResponse)" EC2_NS R"(>
    <subnetSet><item><subnetId>subnet-1</subnetId>
      <availableIpAddressCount>99999999999999999999999</availableIpAddressCount>
      <mapPublicIpOnLaunch>maybe</mapPublicIpOnLaunch></item></subnetSet>
  </DescribeSubnetsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  EXPECT_EQ(page->items[0].available_ip_address_count, 0);
  EXPECT_FALSE(page->items[0].map_public_ip_on_launch);
  auto sg = parse_describe_security_groups(*load(R"(<DescribeSecurityGroupsResponse)" EC2_NS R"(>
    <securityGroupInfo><item><groupId>sg-1</groupId><ipPermissions><item>
      <ipProtocol>tcp</ipProtocol><fromPort>eighty</fromPort><toPort>80x</toPort>
    </item></ipPermissions></item></securityGroupInfo></DescribeSecurityGroupsResponse>)"));
  ASSERT_TRUE(sg) << sg.error().str();
  EXPECT_FALSE(sg->items[0].ingress[0].from_port);
  EXPECT_FALSE(sg->items[0].ingress[0].to_port);
}

TEST(Ec2Parse, NamespacePrefixesAreIgnored) {
  auto page = parse_describe_vpcs(*load(R"(<ec2:DescribeVpcsResponse
      xmlns:ec2="http://ec2.amazonaws.com/doc/2016-11-15/"><ec2:vpcSet><ec2:item>
      <ec2:vpcId>vpc-1</ec2:vpcId><ec2:state>available</ec2:state></ec2:item></ec2:vpcSet>
      </ec2:DescribeVpcsResponse>)"));
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].state, "available");
}

// --- errors
// ---------------------------------------------------------------------------------------

AwsError ec2_error(std::string code) {
  return AwsError{"ec2", "Op", 400, std::move(code), "m", "r", false};
}

TEST(Ec2Errors, Classification) {
  EXPECT_TRUE(is_ec2_not_found(ec2_error("InvalidVpcID.NotFound")));
  EXPECT_TRUE(is_ec2_not_found(ec2_error("InvalidSubnetID.NotFound")));
  EXPECT_TRUE(is_ec2_not_found(ec2_error("NatGatewayNotFound")));
  EXPECT_TRUE(is_ec2_not_found(ec2_error("InvalidAllocationID.NotFound")));
  EXPECT_TRUE(is_ec2_not_found(ec2_error("InvalidLaunchTemplateName.NotFoundException")));
  EXPECT_FALSE(is_ec2_not_found(ec2_error("DependencyViolation")));
  EXPECT_TRUE(ec2_error("DependencyViolation").is_dependency_violation());
  EXPECT_TRUE(ec2_error("InvalidPermission.Duplicate").is_already_exists());
  EXPECT_TRUE(is_not_attached(ec2_error("Gateway.NotAttached")));
  EXPECT_TRUE(is_ec2_already_exists(ec2_error("InvalidLaunchTemplateName.AlreadyExistsException")));
  EXPECT_TRUE(is_ec2_already_exists(ec2_error("InvalidPermission.Duplicate")));
  EXPECT_FALSE(is_ec2_already_exists(ec2_error("InvalidVpcID.NotFound")));

  EXPECT_TRUE(ignore_not_found(std::unexpected(ec2_error("InvalidGroup.NotFound"))));
  EXPECT_TRUE(ignore_not_found({}));
  auto kept = ignore_not_found(std::unexpected(ec2_error("DependencyViolation")));
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, "DependencyViolation");
}

}  // namespace
}  // namespace aura::aws
