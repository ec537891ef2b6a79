// EC2 against moto with authentication on: the network Aura builds for a cluster, made with its
// tags in each create call, found again by tag, and torn down in reverse order until nothing
// carries the tag; the errors a reconciler acts on (DependencyViolation, not found, duplicate
// rules); ClientToken idempotency; pagination across pages; Karpenter-like instance clean-up.
//
// Every test tags what it makes with its own cluster UID, so tests never see each other's
// resources, and sweeps whatever it left (by that tag) when it ends, passed or failed.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <source_location>
#include <stdexcept>

#include "operator/aws/ec2.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/test_env.h"

namespace aura::aws {
namespace {

using testing::AwsTestEnv;

constexpr const char* kUidTag = "aura.io/cluster-uid";

// Unwraps a result; a failure fails the test where it happened and ends it (gtest reports the
// exception), so the sweep in TearDown still runs.
template <typename T>
T ok(Result<T> r, std::source_location where = std::source_location::current()) {
  if (!r) {
    ADD_FAILURE_AT(where.file_name(), where.line()) << r.error().str();
    throw std::runtime_error(r.error().str());
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

std::string random_hex(int n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s += kHex[rng() % 16];
  return s;
}

// The ownership tags every resource Aura creates carries (DESIGN.md, invariant 2).
Tags aura_tags(const std::string& uid) {
  return {{"aura.io/managed-by", "aura-operator"},
          {kUidTag, uid},
          {"aura.io/cluster", "ec2-test/c-" + uid.substr(0, 8)},
          {"kubernetes.io/cluster/aura-" + uid.substr(0, 8), "owned"}};
}

DescribeQuery by_tag(const std::string& uid) {
  return {{}, {tag_filter(kUidTag, uid)}, 0};
}

bool carries(const Tags& have, const Tags& want) {
  return std::ranges::all_of(want, [&](const auto& kv) {
    auto it = have.find(kv.first);
    return it != have.end() && it->second == kv.second;
  });
}

std::string describe_tags(const Tags& t) {
  std::string s;
  for (const auto& [k, v] : t) s += k + "=" + v + " ";
  return s;
}

// The DescribeImages answer's first x86_64 image: RunInstances needs a real AMI ID.
std::string some_image(AwsClient& client) {
  auto doc = ok(client.query("DescribeImages", kEc2Version,
                             {{"Filter.1.Name", "architecture"}, {"Filter.1.Value.1", "x86_64"}}));
  return xml_text(*doc, "imageId");
}

class Ec2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = AwsTestEnv::get().client(services::kEc2);
    ec2_ = std::make_unique<Ec2Client>(client_);
    uid_ = random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4);
    tags_ = aura_tags(uid_);
  }

  void TearDown() override {
    const auto left = sweep();
    EXPECT_TRUE(left.empty()) << "could not clean up: " << left;
  }

  // Best-effort removal of everything carrying this test's UID, in the teardown order; what
  // could not be removed, as text.
  std::string sweep() {
    std::string failed;
    auto note = [&](const Result<void>& r) {
      if (!r && !is_ec2_not_found(r.error()) && !is_not_attached(r.error()))
        failed += r.error().str() + "; ";
    };
    auto& ec2 = *ec2_;
    const auto q = by_tag(uid_);
    if (auto v = ec2.describe_instances(q)) {
      std::vector<std::string> ids;
      for (const auto& i : *v)
        if (i.state != "terminated") ids.push_back(i.id);
      if (auto r = ids.empty() ? Result<std::vector<InstanceStateChange>>{}
                               : ec2.terminate_instances(ids);
          !r)
        note(std::unexpected(r.error()));
    }
    if (auto v = ec2.describe_launch_templates(q))
      for (const auto& t : *v) note(ec2.delete_launch_template(t.id));
    if (auto v = ec2.describe_nat_gateways(q))
      for (const auto& n : *v)
        if (n.state != "deleted" && n.state != "deleting") note(ec2.delete_nat_gateway(n.id));
    if (auto v = ec2.describe_network_interfaces(q))
      for (const auto& e : *v) {
        if (e.attachment) note(ec2.detach_network_interface(e.attachment->id, true));
        note(ec2.delete_network_interface(e.id));
      }
    if (auto v = ec2.describe_route_tables(q))
      for (const auto& t : *v) {
        for (const auto& a : t.associations)
          if (!a.main) note(ec2.disassociate_route_table(a.id));
        note(ec2.delete_route_table(t.id));
      }
    if (auto v = ec2.describe_addresses(q))
      for (const auto& a : *v) note(ec2.release_address(a.allocation_id));
    if (auto v = ec2.describe_internet_gateways(q))
      for (const auto& g : *v) {
        for (const auto& a : g.attachments) note(ec2.detach_internet_gateway(g.id, a.vpc_id));
        note(ec2.delete_internet_gateway(g.id));
      }
    if (auto v = ec2.describe_security_groups(q))
      for (const auto& g : *v) note(ec2.delete_security_group(g.id));
    if (auto v = ec2.describe_subnets(q))
      for (const auto& s : *v) note(ec2.delete_subnet(s.id));
    if (auto v = ec2.describe_vpcs(q))
      for (const auto& v2 : *v) note(ec2.delete_vpc(v2.id));
    return failed;
  }

  Vpc make_vpc(const std::string& cidr = "10.20.0.0/16") {
    return ok(ec2_->create_vpc({cidr, tags_}));
  }
  Subnet make_subnet(const std::string& vpc_id, const std::string& cidr) {
    return ok(ec2_->create_subnet({vpc_id, cidr, AwsTestEnv::get().region + "a", "", tags_}));
  }

  AwsClientPtr client_;
  std::unique_ptr<Ec2Client> ec2_;
  std::string uid_;
  Tags tags_;
};

// --- the whole network ---------------------------------------------------------------------------

TEST_F(Ec2Test, BuildFindAndTearDownAWholeNetwork) {
  auto& ec2 = *ec2_;
  const auto& env = AwsTestEnv::get();

  // Zones nodes can use.
  auto zones = ok(ec2.describe_availability_zones({{}, usable_zone_filters(), false}));
  ASSERT_GE(zones.size(), 2u);
  if (zones.size() > 3) zones.resize(3);
  for (const auto& z : zones) {
    EXPECT_EQ(z.state, "available") << z.name;
    EXPECT_EQ(z.region, env.region) << z.name;
    EXPECT_FALSE(z.id.empty()) << z.name;
    EXPECT_EQ(z.zone_type, "availability-zone") << z.name;
  }

  // VPC with DNS support and hostnames (EKS needs both), one attribute per call.
  const Vpc vpc = ok(ec2.create_vpc({"10.20.0.0/16", tags_}));
  EXPECT_TRUE(vpc.id.starts_with("vpc-")) << vpc.id;
  EXPECT_TRUE(carries(vpc.tags, tags_))
      << "the create answer echoes the tags it was given: " << describe_tags(vpc.tags);
  ok(ec2.modify_vpc_attribute(vpc.id, VpcAttribute::kEnableDnsSupport, true));
  ok(ec2.modify_vpc_attribute(vpc.id, VpcAttribute::kEnableDnsHostnames, true));
  EXPECT_TRUE(ok(ec2.describe_vpc_attribute(vpc.id, VpcAttribute::kEnableDnsSupport)));
  EXPECT_TRUE(ok(ec2.describe_vpc_attribute(vpc.id, VpcAttribute::kEnableDnsHostnames)));

  // Internet gateway.
  const InternetGateway igw = ok(ec2.create_internet_gateway(tags_));
  EXPECT_TRUE(carries(igw.tags, tags_)) << describe_tags(igw.tags);
  ok(ec2.attach_internet_gateway(igw.id, vpc.id));

  // Public and private subnets, one of each per zone; subnet role tags for load balancers.
  Tags public_tags = tags_, private_tags = tags_;
  public_tags["kubernetes.io/role/elb"] = "1";
  private_tags["kubernetes.io/role/internal-elb"] = "1";
  std::vector<Subnet> public_subnets, private_subnets;
  for (size_t i = 0; i < zones.size(); ++i) {
    const std::string pub_cidr = "10.20." + std::to_string(i * 16) + ".0/20";
    const std::string priv_cidr = "10.20." + std::to_string(128 + i * 16) + ".0/20";
    public_subnets.push_back(
        ok(ec2.create_subnet({vpc.id, pub_cidr, zones[i].name, "", public_tags})));
    private_subnets.push_back(
        ok(ec2.create_subnet({vpc.id, priv_cidr, "", zones[i].id, private_tags})));
    ok(ec2.set_map_public_ip_on_launch(public_subnets.back().id, true));
    // Explicit for private subnets too: AWS's default is false, but moto 5.2.5 makes the first
    // subnet it sees in a zone "default for AZ", with public IPs on.
    ok(ec2.set_map_public_ip_on_launch(private_subnets.back().id, false));
    EXPECT_EQ(private_subnets.back().availability_zone, zones[i].name)
        << "a zone ID places the subnet in the same zone as its name";
  }

  // An elastic IP and a NAT gateway per zone, each NAT with a token derived from UID and zone.
  std::vector<Address> eips;
  std::vector<NatGateway> nats;
  for (size_t i = 0; i < zones.size(); ++i) {
    eips.push_back(ok(ec2.allocate_address(tags_)));
    EXPECT_TRUE(eips.back().allocation_id.starts_with("eipalloc-"));
    nats.push_back(ok(ec2.create_nat_gateway({public_subnets[i].id, eips.back().allocation_id,
                                              uid_ + "-nat-" + zones[i].name, "public", tags_})));
    EXPECT_TRUE(nats.back().state == "pending" || nats.back().state == "available")
        << nats.back().state;
    EXPECT_EQ(nats.back().subnet_id, public_subnets[i].id);
  }

  // Route tables: one public (default route to the internet gateway), one private per zone
  // (default route to the zone's NAT gateway).
  const RouteTable public_rt = ok(ec2.create_route_table({vpc.id, uid_ + "-rt-public", tags_}));
  ok(ec2.create_route({public_rt.id, "0.0.0.0/0", igw.id, ""}));
  std::set<std::string> associations;
  for (const auto& s : public_subnets)
    associations.insert(ok(ec2.associate_route_table(public_rt.id, s.id)));
  std::vector<RouteTable> private_rts;
  for (size_t i = 0; i < zones.size(); ++i) {
    private_rts.push_back(
        ok(ec2.create_route_table({vpc.id, uid_ + "-rt-" + zones[i].name, tags_})));
    ok(ec2.create_route({private_rts.back().id, "0.0.0.0/0", "", nats[i].id}));
    associations.insert(
        ok(ec2.associate_route_table(private_rts.back().id, private_subnets[i].id)));
  }
  EXPECT_EQ(associations.size(), 2 * zones.size());

  // A security group: HTTPS from the VPC, everything between members; DNS out to the VPC.
  const std::string sg =
      ok(ec2.create_security_group({"aura-" + uid_, "Aura test cluster " + uid_, vpc.id, tags_}));
  IpPermission https{"tcp", 443, 443, {{"10.20.0.0/16", "VPC"}}, {}, {}, {}};
  IpPermission members{"-1", std::nullopt, std::nullopt, {}, {}, {{sg, "", ""}}, {}};
  ok(ec2.authorize_security_group_ingress(sg, {https, members}));
  IpPermission dns{"udp", 53, 53, {{"10.20.0.0/16", ""}}, {}, {}, {}};
  ok(ec2.authorize_security_group_egress(sg, {dns}));
  auto dup = ec2.authorize_security_group_ingress(sg, {https});
  ASSERT_FALSE(dup) << "the same rule twice";
  EXPECT_TRUE(dup.error().is_already_exists()) << dup.error().str();

  // --- Found again by tag, each carrying the tags of its create call.
  const auto q = by_tag(uid_);
  auto vpcs = ok(ec2.describe_vpcs(q));
  ASSERT_EQ(vpcs.size(), 1u);
  EXPECT_EQ(vpcs[0].id, vpc.id);
  EXPECT_EQ(vpcs[0].cidr_block, "10.20.0.0/16");
  EXPECT_EQ(vpcs[0].state, "available");
  EXPECT_TRUE(carries(vpcs[0].tags, tags_)) << describe_tags(vpcs[0].tags);

  auto subnets = ok(ec2.describe_subnets(q));
  ASSERT_EQ(subnets.size(), 2 * zones.size());
  for (const auto& s : subnets) {
    EXPECT_EQ(s.vpc_id, vpc.id);
    const bool is_public =
        std::ranges::any_of(public_subnets, [&](auto& p) { return p.id == s.id; });
    EXPECT_TRUE(carries(s.tags, is_public ? public_tags : private_tags)) << describe_tags(s.tags);
    EXPECT_EQ(s.map_public_ip_on_launch, is_public) << s.id;
  }
  // Subnets by zone, as a reconciler lays them out.
  for (size_t i = 0; i < zones.size(); ++i) {
    auto in_zone = ok(ec2.describe_subnets(
        {{}, {tag_filter(kUidTag, uid_), {"availability-zone", {zones[i].name}}}, 0}));
    EXPECT_EQ(in_zone.size(), 2u) << zones[i].name;
  }

  auto igws = ok(ec2.describe_internet_gateways(q));
  ASSERT_EQ(igws.size(), 1u);
  EXPECT_TRUE(carries(igws[0].tags, tags_));
  ASSERT_EQ(igws[0].attachments.size(), 1u);
  EXPECT_EQ(igws[0].attachments[0].vpc_id, vpc.id);
  EXPECT_TRUE(igws[0].attachments[0].state == "available" ||
              igws[0].attachments[0].state == "attached")
      << igws[0].attachments[0].state;

  auto addresses = ok(ec2.describe_addresses(q));
  ASSERT_EQ(addresses.size(), zones.size());
  for (const auto& a : addresses) {
    EXPECT_EQ(a.domain, "vpc");
    EXPECT_TRUE(carries(a.tags, tags_)) << describe_tags(a.tags);
    EXPECT_FALSE(a.association_id.empty()) << "the NAT gateway holds " << a.allocation_id;
  }

  auto found_nats = ok(ec2.describe_nat_gateways(q));
  ASSERT_EQ(found_nats.size(), zones.size()) << "DescribeNatGateways honours tag filters";
  for (const auto& n : found_nats) {
    EXPECT_TRUE(carries(n.tags, tags_)) << describe_tags(n.tags);
    EXPECT_EQ(n.vpc_id, vpc.id);
    EXPECT_EQ(n.connectivity_type, "public");
    ASSERT_EQ(n.addresses.size(), 1u);
    EXPECT_TRUE(std::ranges::any_of(
        eips, [&](auto& e) { return e.allocation_id == n.addresses[0].allocation_id; }));
  }
  auto available = ok(ec2.describe_nat_gateways(
      {{}, {tag_filter(kUidTag, uid_), {"state", {"pending", "available"}}}, 0}));
  EXPECT_EQ(available.size(), zones.size());

  auto rts = ok(ec2.describe_route_tables(q));
  ASSERT_EQ(rts.size(), 1 + zones.size());
  for (const auto& t : rts) {
    EXPECT_TRUE(carries(t.tags, tags_)) << describe_tags(t.tags);
    const bool is_public = t.id == public_rt.id;
    auto local = std::ranges::find_if(t.routes, [](auto& r) { return r.gateway_id == "local"; });
    ASSERT_NE(local, t.routes.end()) << "every route table routes the VPC's own range";
    EXPECT_EQ(local->destination_cidr_block, "10.20.0.0/16");
    auto def = std::ranges::find_if(
        t.routes, [](auto& r) { return r.destination_cidr_block == "0.0.0.0/0"; });
    ASSERT_NE(def, t.routes.end()) << t.id;
    if (is_public)
      EXPECT_EQ(def->gateway_id, igw.id);
    else
      EXPECT_TRUE(def->nat_gateway_id.starts_with("nat-")) << def->nat_gateway_id;
    EXPECT_EQ(t.associations.size(), is_public ? zones.size() : 1u) << t.id;
    for (const auto& a : t.associations) {
      EXPECT_TRUE(associations.contains(a.id)) << a.id;
      EXPECT_FALSE(a.main);
      EXPECT_FALSE(a.subnet_id.empty());
    }
  }

  auto sgs = ok(ec2.describe_security_groups(q));
  ASSERT_EQ(sgs.size(), 1u);
  EXPECT_EQ(sgs[0].id, sg);
  EXPECT_EQ(sgs[0].name, "aura-" + uid_);
  EXPECT_EQ(sgs[0].vpc_id, vpc.id);
  EXPECT_TRUE(carries(sgs[0].tags, tags_)) << describe_tags(sgs[0].tags);
  auto has_https = std::ranges::any_of(sgs[0].ingress, [](auto& p) {
    return p.protocol == "tcp" && p.from_port == 443 && p.to_port == 443 &&
           p.ipv4_ranges.size() == 1 && p.ipv4_ranges[0].cidr == "10.20.0.0/16";
  });
  EXPECT_TRUE(has_https);
  auto has_members = std::ranges::any_of(sgs[0].ingress, [&](auto& p) {
    return p.protocol == "-1" && p.groups.size() == 1 && p.groups[0].group_id == sg;
  });
  EXPECT_TRUE(has_members);
  EXPECT_TRUE(std::ranges::any_of(
      sgs[0].egress, [](auto& p) { return p.protocol == "udp" && p.from_port == 53; }));

  // DescribeTags: the whole inventory in one listing.
  auto tagged = ok(ec2.describe_tags({{}, {{"key", {kUidTag}}, {"value", {uid_}}}, 0}));
  std::set<std::string> inventory;
  for (const auto& t : tagged) inventory.insert(t.resource_id);
  std::vector<std::string> made{vpc.id, igw.id, public_rt.id, sg};
  for (const auto& s : public_subnets) made.push_back(s.id);
  for (const auto& s : private_subnets) made.push_back(s.id);
  for (const auto& t : private_rts) made.push_back(t.id);
  for (const auto& id : made) EXPECT_TRUE(inventory.contains(id)) << id << " in DescribeTags";

  // --- Teardown, the same list reversed.
  ok(ec2.revoke_security_group_ingress(sg, {https}));
  ok(ec2.delete_security_group(sg));
  for (const auto& t : ok(ec2.describe_route_tables(q))) {
    for (const auto& a : t.associations) ok(ec2.disassociate_route_table(a.id));
    ok(ec2.delete_route_table(t.id));
  }
  for (const auto& n : nats) ok(ec2.delete_nat_gateway(n.id));
  // Waiting is polling: a reconciler requeues until DescribeNatGateways says deleted.
  std::vector<std::string> nat_ids;
  for (const auto& n : nats) nat_ids.push_back(n.id);
  EXPECT_TRUE(testing::eventually([&] {
    auto now = ec2.describe_nat_gateways({nat_ids, {}, 0});
    return now && std::ranges::all_of(*now, [](auto& n) { return n.state == "deleted"; });
  }));
  for (const auto& e : eips) ok(ec2.release_address(e.allocation_id));
  ok(ec2.detach_internet_gateway(igw.id, vpc.id));
  ok(ec2.delete_internet_gateway(igw.id));
  for (const auto& s : public_subnets) ok(ec2.delete_subnet(s.id));
  for (const auto& s : private_subnets) ok(ec2.delete_subnet(s.id));
  ok(ec2.delete_vpc(vpc.id));

  // --- Nothing remains by tag (deleted NAT gateways stay visible a while, as "deleted").
  EXPECT_TRUE(ok(ec2.describe_vpcs(q)).empty());
  EXPECT_TRUE(ok(ec2.describe_subnets(q)).empty());
  EXPECT_TRUE(ok(ec2.describe_internet_gateways(q)).empty());
  EXPECT_TRUE(ok(ec2.describe_addresses(q)).empty());
  EXPECT_TRUE(ok(ec2.describe_route_tables(q)).empty());
  EXPECT_TRUE(ok(ec2.describe_security_groups(q)).empty());
  for (const auto& n : ok(ec2.describe_nat_gateways(q))) EXPECT_EQ(n.state, "deleted") << n.id;
  // Not DescribeTags: moto 5.2.5 keeps the tags of deleted resources there, so an inventory
  // asks each kind's Describe.
}

// --- errors a reconciler acts on
// ------------------------------------------------------------------

TEST_F(Ec2Test, DeletingAVpcThatStillHasSubnetsIsADependencyViolation) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  auto blocked = ec2.delete_vpc(vpc.id);
  ASSERT_FALSE(blocked);
  EXPECT_TRUE(blocked.error().is_dependency_violation()) << blocked.error().str();
  EXPECT_FALSE(blocked.error().is_retryable()) << "retried by the reconciler, not the client";
  EXPECT_EQ(blocked.error().http_status, 400);

  ok(ec2.delete_subnet(subnet.id));
  ok(ec2.delete_vpc(vpc.id));
  // Gone: a second delete is not found, which a remove step counts as done.
  auto again = ec2.delete_vpc(vpc.id);
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is_not_found()) << again.error().str();
  EXPECT_EQ(again.error().code, "InvalidVpcID.NotFound");
  EXPECT_TRUE(ignore_not_found(std::move(again)));
}

TEST_F(Ec2Test, DeletingWhatDoesNotExistIsNotFound) {
  auto& ec2 = *ec2_;
  const std::pair<const char*, Result<void>> deletes[] = {
      {"subnet", ec2.delete_subnet("subnet-0123456789abcdef0")},
      {"internet gateway", ec2.delete_internet_gateway("igw-0123456789abcdef0")},
      {"elastic ip", ec2.release_address("eipalloc-0123456789abcdef0")},
      {"nat gateway", ec2.delete_nat_gateway("nat-0123456789abcdef0")},
      {"route table", ec2.delete_route_table("rtb-0123456789abcdef0")},
      {"route table association", ec2.disassociate_route_table("rtbassoc-0123456789abcdef0")},
      {"security group", ec2.delete_security_group("sg-0123456789abcdef0")},
      {"network interface", ec2.delete_network_interface("eni-0123456789abcdef0")},
      {"launch template", ec2.delete_launch_template("lt-0123456789abcdef0")},
      // (By an unknown name AWS answers InvalidLaunchTemplateName.NotFoundException; moto
      // 5.2.5 answers MissingParameter, so that case is left to the unit test.)
  };
  for (const auto& [what, r] : deletes) {
    ASSERT_FALSE(r) << what;
    EXPECT_TRUE(is_ec2_not_found(r.error())) << what << ": " << r.error().str();
  }
  // Describing an ID that does not exist is an error too, not an empty list.
  auto vpcs = ec2.describe_vpcs({{"vpc-0123456789abcdef0"}, {}, 0});
  ASSERT_FALSE(vpcs);
  EXPECT_EQ(vpcs.error().code, "InvalidVpcID.NotFound") << vpcs.error().str();
}

TEST_F(Ec2Test, DetachingAGatewayThatIsNotAttachedIsRecognised) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const InternetGateway igw = ok(ec2.create_internet_gateway(tags_));
  auto r = ec2.detach_internet_gateway(igw.id, vpc.id);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_not_attached(r.error())) << r.error().str();
}

// --- idempotency
// ----------------------------------------------------------------------------------

TEST_F(Ec2Test, NatGatewayClientTokenMakesARetryFindTheFirst) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  const Address eip = ok(ec2.allocate_address(tags_));
  const CreateNatGatewayRequest request{subnet.id, eip.allocation_id, uid_ + "-nat-a", "public",
                                        tags_};
  const NatGateway first = ok(ec2.create_nat_gateway(request));
  // The answer was lost (a crash, a timeout): the same call again.
  auto retry = ec2.create_nat_gateway(request);
  ASSERT_TRUE(retry) << retry.error().str();
  EXPECT_EQ(retry->id, first.id) << "same token, same gateway";
  EXPECT_EQ(ok(ec2.describe_nat_gateways(by_tag(uid_))).size(), 1u);

  // The same token for another request is a mistake AWS refuses.
  const Subnet other = make_subnet(vpc.id, "10.20.2.0/24");
  auto mismatch =
      ec2.create_nat_gateway({other.id, eip.allocation_id, request.client_token, "public", tags_});
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, "IdempotentParameterMismatch") << mismatch.error().str();
}

TEST_F(Ec2Test, NatGatewayDeletionIsWatchedNotAwaited) {
  // The environment scripts this account's gateway to stay "deleting" for two describes, as
  // AWS's take minutes; the caller sees each state and decides when to look again.
  const auto& env = AwsTestEnv::get();
  http::ClientRequest rule;
  rule.method = "POST";
  rule.url = env.endpoint + "/aura-env/states";
  rule.headers.emplace_back("Content-Type", "application/json");
  rule.body = nlohmann::json{{"kind", "nat-gateway"}, {"tags", {{kUidTag, uid_}}},
                             {"phase", "delete"},     {"state", "deleting"},
                             {"describes", 2},        {"then", "deleted"}}
                  .dump();
  auto posted = env.http()->send(rule);
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;

  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  const Address eip = ok(ec2.allocate_address(tags_));
  const NatGateway nat =
      ok(ec2.create_nat_gateway({subnet.id, eip.allocation_id, uid_ + "-nat", "public", tags_}));
  ok(ec2.delete_nat_gateway(nat.id));
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i)
    seen.push_back(ok(ec2.describe_nat_gateways({{nat.id}, {}, 0}))[0].state);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"deleting", "deleting", "deleted", "deleted", "deleted"}));
  // A second delete while deleting or deleted is harmless.
  ok(ec2.delete_nat_gateway(nat.id));
}

// --- instances: pagination, idempotency, Karpenter-like clean-up --------------------------------

TEST_F(Ec2Test, InstancesAcrossPagesFoundByTagAndTerminated) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  const std::string image = some_image(*client_);
  ASSERT_FALSE(image.empty());

  // Seven launches, seven reservations.
  constexpr int kCount = 7;
  std::set<std::string> launched;
  for (int i = 0; i < kCount; ++i) {
    RunInstancesRequest r;
    r.image_id = image;
    r.instance_type = "m5.large";
    r.subnet_id = subnet.id;
    r.client_token = uid_ + "-node-" + std::to_string(i);
    r.tags = tags_;
    r.tags["karpenter.sh/nodepool"] = "default";
    auto out = ok(ec2.run_instances(r));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(carries(out[0].tags, tags_)) << describe_tags(out[0].tags);
    EXPECT_EQ(out[0].client_token, r.client_token);
    launched.insert(out[0].id);
  }

  // Page by page with the pure builder and parser: MaxResults 5 needs more than one page.
  DescribeQuery q = by_tag(uid_);
  q.max_results = 5;
  int pages = 0;
  std::set<std::string> found;
  std::string token;
  do {
    auto doc = ok(
        client_->query("DescribeInstances", kEc2Version, describe_params("InstanceId", q, token)));
    auto page = ok(parse_describe_instances(*doc));
    EXPECT_LE(page.items.size(), 5u);
    for (const auto& i : page.items) found.insert(i.id);
    token = page.next_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_GE(pages, 2);
  EXPECT_EQ(found, launched);

  // The client walks the pages itself.
  auto all = ok(ec2.describe_instances(q));
  ASSERT_EQ(all.size(), static_cast<size_t>(kCount));
  for (const auto& i : all) {
    EXPECT_TRUE(i.state == "pending" || i.state == "running") << i.state;
    EXPECT_EQ(i.subnet_id, subnet.id);
    EXPECT_EQ(i.vpc_id, vpc.id);
    EXPECT_EQ(i.instance_type, "m5.large");
    EXPECT_FALSE(i.availability_zone.empty());
    EXPECT_TRUE(i.launch_time);
  }

  // Clean-up as Karpenter's garbage collection does: by tag, then until terminated.
  std::vector<std::string> ids(launched.begin(), launched.end());
  auto changes = ok(ec2.terminate_instances(ids));
  ASSERT_EQ(changes.size(), ids.size());
  for (const auto& c : changes)
    EXPECT_TRUE(c.current_state == "shutting-down" || c.current_state == "terminated")
        << c.current_state;
  EXPECT_TRUE(testing::eventually([&] {
    auto now = ec2.describe_instances(by_tag(uid_));
    return now && std::ranges::all_of(*now, [](auto& i) { return i.state == "terminated"; });
  }));
  auto running = ok(ec2.describe_instances(
      {{}, {tag_filter(kUidTag, uid_), {"instance-state-name", {"pending", "running"}}}, 0}));
  EXPECT_TRUE(running.empty());
}

TEST_F(Ec2Test, RunInstancesClientTokenMakesARetryFindTheFirst) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  RunInstancesRequest r;
  r.image_id = some_image(*client_);
  r.instance_type = "t3.micro";
  r.subnet_id = subnet.id;
  r.client_token = uid_ + "-node";
  r.tags = tags_;
  auto first = ok(ec2.run_instances(r));
  auto retry = ok(ec2.run_instances(r));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].id, first[0].id) << "same token, same instance";
  EXPECT_EQ(ok(ec2.describe_instances(by_tag(uid_))).size(), 1u);
  r.instance_type = "t3.small";
  auto mismatch = ec2.run_instances(r);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, "IdempotentParameterMismatch") << mismatch.error().str();
}

TEST_F(Ec2Test, RouteTableClientTokenMakesARetryFindTheFirst) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const CreateRouteTableRequest r{vpc.id, uid_ + "-rt-public", tags_};
  const RouteTable first = ok(ec2.create_route_table(r));
  const RouteTable retry = ok(ec2.create_route_table(r));
  EXPECT_EQ(retry.id, first.id);
  EXPECT_EQ(ok(ec2.describe_route_tables(by_tag(uid_))).size(), 1u);
}

// --- launch templates
// -----------------------------------------------------------------------------

TEST_F(Ec2Test, LaunchTemplatesCreateFindDelete) {
  auto& ec2 = *ec2_;
  CreateLaunchTemplateRequest r;
  r.name = "aura-" + uid_;
  r.client_token = uid_ + "-lt";
  r.image_id = some_image(*client_);
  r.instance_type = "g5.xlarge";
  r.tags = tags_;
  r.instance_tags = tags_;
  const LaunchTemplate lt = ok(ec2.create_launch_template(r));
  EXPECT_TRUE(lt.id.starts_with("lt-")) << lt.id;
  EXPECT_EQ(lt.name, r.name);
  EXPECT_EQ(lt.latest_version, 1);
  EXPECT_TRUE(carries(lt.tags, tags_)) << describe_tags(lt.tags);

  auto found = ok(ec2.describe_launch_templates(by_tag(uid_)));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, lt.id);
  auto by_id = ok(ec2.describe_launch_templates({{lt.id}, {}, 0}));
  ASSERT_EQ(by_id.size(), 1u);

  // An instance launched from it carries the template's instance tags.
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  RunInstancesRequest run;
  run.launch_template_id = lt.id;
  run.launch_template_version = "$Latest";
  run.subnet_id = subnet.id;
  auto instances = ok(ec2.run_instances(run));
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].instance_type, "g5.xlarge");
  EXPECT_TRUE(carries(instances[0].tags, tags_)) << describe_tags(instances[0].tags);

  ok(ec2.delete_launch_template_by_name(r.name));
  EXPECT_TRUE(ok(ec2.describe_launch_templates(by_tag(uid_))).empty());
  auto again = ec2.delete_launch_template(lt.id);
  ASSERT_FALSE(again);
  EXPECT_TRUE(is_ec2_not_found(again.error())) << again.error().str();
}

TEST_F(Ec2Test, LaunchTemplateClientTokenMakesARetryFindTheFirst) {
  auto& ec2 = *ec2_;
  CreateLaunchTemplateRequest r;
  r.name = "aura-" + uid_;
  r.client_token = uid_ + "-lt";
  r.image_id = some_image(*client_);
  r.instance_type = "m5.large";
  r.tags = tags_;
  const LaunchTemplate first = ok(ec2.create_launch_template(r));
  auto retry = ec2.create_launch_template(r);
  ASSERT_TRUE(retry) << retry.error().str();
  EXPECT_EQ(retry->id, first.id);
}

// --- network interfaces
// ---------------------------------------------------------------------------

TEST_F(Ec2Test, NetworkInterfacesLeftInTheVpcAreFoundDetachedAndDeleted) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  const Subnet subnet = make_subnet(vpc.id, "10.20.1.0/24");
  // What a load balancer controller or the VPC CNI leaves behind: an interface with the
  // cluster's tag (made here with the raw call; Aura never creates interfaces itself).
  QueryParams create{{"SubnetId", subnet.id}, {"Description", "left behind"}};
  add_tag_specification(create, "network-interface", tags_);
  auto created = ok(client_->query("CreateNetworkInterface", kEc2Version, create));
  const std::string eni = xml_text(*created, "networkInterfaceId");
  ASSERT_TRUE(eni.starts_with("eni-")) << eni;

  RunInstancesRequest run;
  run.image_id = some_image(*client_);
  run.instance_type = "t3.micro";
  run.subnet_id = subnet.id;
  run.tags = tags_;
  const auto instance = ok(ec2.run_instances(run)).at(0);
  auto attached = ok(client_->query(
      "AttachNetworkInterface", kEc2Version,
      {{"NetworkInterfaceId", eni}, {"InstanceId", instance.id}, {"DeviceIndex", "1"}}));
  ASSERT_FALSE(xml_text(*attached, "attachmentId").empty());

  auto found =
      ok(ec2.describe_network_interfaces({{}, {vpc_filter(vpc.id), tag_filter(kUidTag, uid_)}, 0}));
  auto it = std::ranges::find_if(found, [&](auto& e) { return e.id == eni; });
  ASSERT_NE(it, found.end());
  EXPECT_EQ(it->subnet_id, subnet.id);
  EXPECT_TRUE(carries(it->tags, tags_)) << describe_tags(it->tags);
  ASSERT_TRUE(it->attachment);
  EXPECT_EQ(it->attachment->instance_id, instance.id);
  EXPECT_EQ(it->attachment->device_index, 1);

  // (AWS refuses to delete an attached interface, InvalidNetworkInterface.InUse; moto 5.2.5
  // deletes it, so the order detach-then-delete is all this checks.)
  ok(ec2.detach_network_interface(it->attachment->id));
  auto after = ok(ec2.describe_network_interfaces({{eni}, {}, 0}));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].attachment && after[0].attachment->status == "attached");
  ok(ec2.delete_network_interface(eni));
  auto gone = ec2.describe_network_interfaces({{eni}, {}, 0});
  EXPECT_TRUE(!gone || gone->empty());
  EXPECT_TRUE(ignore_not_found(ec2.delete_network_interface(eni)));
}

// --- tags
// -----------------------------------------------------------------------------------------

TEST_F(Ec2Test, TagsAddedListedAndRemoved) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  ok(ec2.create_tags({vpc.id}, {{"aura.io/phase", "Deleting"}, {"Name", "demo"}}));
  auto listed = ok(ec2.describe_tags({{}, {{"resource-id", {vpc.id}}}, 0}));
  Tags on_vpc;
  for (const auto& t : listed) {
    EXPECT_EQ(t.resource_type, "vpc");
    on_vpc[t.key] = t.value;
  }
  EXPECT_TRUE(carries(on_vpc, tags_));
  EXPECT_EQ(on_vpc["aura.io/phase"], "Deleting");
  EXPECT_EQ(on_vpc["Name"], "demo");

  ok(ec2.delete_tags({vpc.id}, {"aura.io/phase", "Name"}));
  auto after = ok(ec2.describe_vpcs({{vpc.id}, {}, 0}));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].tags, tags_);
  EXPECT_TRUE(
      ok(ec2.describe_vpcs({{}, {tag_key_filter("aura.io/phase"), tag_filter(kUidTag, uid_)}, 0}))
          .empty());
}

TEST_F(Ec2Test, SecurityGroupsAcrossManyWithASmallPageSize) {
  auto& ec2 = *ec2_;
  const Vpc vpc = make_vpc();
  std::set<std::string> made;
  for (int i = 0; i < 7; ++i)
    made.insert(ok(ec2.create_security_group(
        {"aura-" + uid_ + "-" + std::to_string(i), "page test", vpc.id, tags_})));
  DescribeQuery q = by_tag(uid_);
  q.max_results = 5;
  std::set<std::string> found;
  for (const auto& g : ok(ec2.describe_security_groups(q))) found.insert(g.id);
  EXPECT_EQ(found, made);
  for (const auto& id : made) ok(ec2.delete_security_group(id));
}

// --- instance types
// -------------------------------------------------------------------------------

TEST_F(Ec2Test, InstanceTypesWithGpusAndArchitectures) {
  auto types = ok(ec2_->describe_instance_types({{"g5.xlarge", "m7g.large"}, {}, 0}));
  ASSERT_EQ(types.size(), 2u);
  auto g5 = std::ranges::find_if(types, [](auto& t) { return t.instance_type == "g5.xlarge"; });
  ASSERT_NE(g5, types.end());
  EXPECT_EQ(g5->vcpus, 4);
  EXPECT_EQ(g5->memory_mib, 16384);
  EXPECT_EQ(g5->architectures, std::vector<std::string>{"x86_64"});
  ASSERT_EQ(g5->gpus.size(), 1u);
  EXPECT_EQ(g5->gpus[0].manufacturer, "NVIDIA");
  EXPECT_EQ(g5->gpus[0].count, 1);
  EXPECT_GT(g5->total_gpu_memory_mib, 0);
  auto m7g = std::ranges::find_if(types, [](auto& t) { return t.instance_type == "m7g.large"; });
  ASSERT_NE(m7g, types.end());
  EXPECT_EQ(m7g->architectures, std::vector<std::string>{"arm64"});
  EXPECT_TRUE(m7g->gpus.empty());
}

}  // namespace
}  // namespace aura::aws
