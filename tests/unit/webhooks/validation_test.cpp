#include "webhooks/validation/validation.h"

#include <gtest/gtest.h>

#include "operator/common/ipv4_cidr.h"

namespace aura::webhooks::validation {
namespace {

using json = nlohmann::json;

json cluster_json() {
  return json::parse(R"({
    "apiVersion": "aura.io/v1alpha1", "kind": "EphemeralCluster",
    "metadata": {"name": "c1", "namespace": "ns"},
    "spec": {
      "region": "us-east-1", "kubernetesVersion": "1.31",
      "network": {"vpcCIDR": "10.42.0.0/16", "zones": ["us-east-1a", "us-east-1b"],
                  "publicSubnetCIDRs": ["10.42.0.0/20", "10.42.16.0/20"],
                  "privateSubnetCIDRs": ["10.42.128.0/18", "10.42.192.0/18"]},
      "endpointAccess": {"public": true, "private": true, "publicAccessCIDRs": ["203.0.113.0/24"]}
    }})");
}

json pool_json() {
  return json::parse(R"({
    "apiVersion": "aura.io/v1alpha1", "kind": "NodePool",
    "metadata": {"name": "gpu", "namespace": "ns"},
    "spec": {"clusterRef": {"name": "c1"}, "mode": "ManagedNodeGroup",
             "instanceTypes": ["g5.xlarge", "p4d.24xlarge"], "gpu": {"count": 1},
             "scaling": {"minSize": 0, "maxSize": 2}}})");
}

AdmissionRequest request(const std::string& kind, json object, json old = nullptr) {
  AdmissionRequest r;
  r.uid = "u";
  r.group = "aura.io";
  r.version = "v1alpha1";
  r.kind = kind;
  r.operation = old.is_null() ? "CREATE" : "UPDATE";
  r.object = std::move(object);
  r.old_object = std::move(old);
  return r;
}

std::string message(const AdmissionResponse& r) {
  return r.allowed ? "<allowed>" : r.message;
}

TEST(Cidr, ParsesStrictly) {
  auto ok = parse_ipv4_cidr("10.42.0.0/16");
  ASSERT_TRUE(ok.cidr);
  EXPECT_EQ(ok.cidr->prefix, 16);
  EXPECT_EQ(ok.cidr->network, 0x0A2A0000u);
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0", "10.0.0/16", "10.0.0.0.0/16", "256.0.0.0/8",
                          "010.0.0.0/8", "10.0.0.1/16", "a.b.c.d/8", "10.0.0.0/", "/16", ""})
    EXPECT_FALSE(parse_ipv4_cidr(bad).cidr) << bad;
  EXPECT_TRUE(parse_ipv4_cidr("0.0.0.0/0").cidr);
}

TEST(Cidr, ContainsAndOverlaps) {
  auto vpc = *parse_ipv4_cidr("10.0.0.0/16").cidr;
  auto a = *parse_ipv4_cidr("10.0.0.0/20").cidr;
  auto b = *parse_ipv4_cidr("10.0.8.0/24").cidr;
  auto c = *parse_ipv4_cidr("10.1.0.0/24").cidr;
  EXPECT_TRUE(vpc.contains(a));
  EXPECT_FALSE(vpc.contains(c));
  EXPECT_FALSE(a.contains(vpc));
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_FALSE(a.overlaps(c));
}

TEST(ValidateCluster, ValidSampleIsAllowedWithoutWarnings) {
  auto r = validate(request("EphemeralCluster", cluster_json()));
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_TRUE(r.warnings.empty());
}

struct ClusterCase {
  const char* name;
  const char* pointer;
  json value;
  const char* expected;
};

class ClusterDenials : public ::testing::TestWithParam<ClusterCase> {};

TEST_P(ClusterDenials, DeniedWithFieldPath) {
  const auto& c = GetParam();
  auto obj = cluster_json();
  obj[json::json_pointer(c.pointer)] = c.value;
  auto r = validate(request("EphemeralCluster", obj));
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(message(r), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClusterDenials,
    ::testing::Values(
        ClusterCase{"prefix33", "/spec/network/vpcCIDR", "10.0.0.0/33",
                    "spec.network.vpcCIDR: Invalid value: \"10.0.0.0/33\": the prefix length must "
                    "be a number from 0 to 32"},
        ClusterCase{"tooBig", "/spec/network/vpcCIDR", "10.0.0.0/8",
                    "spec.network.vpcCIDR: Invalid value: \"10.0.0.0/8\": the VPC block must be a "
                    "/16 to /24"},
        ClusterCase{"tooSmall", "/spec/network/vpcCIDR", "10.42.0.0/25",
                    "spec.network.vpcCIDR: Invalid value: \"10.42.0.0/25\": the VPC block must be "
                    "a /16 to /24"},
        ClusterCase{"hostBits", "/spec/network/vpcCIDR", "10.42.0.1/16",
                    "spec.network.vpcCIDR: Invalid value: \"10.42.0.1/16\": host bits must be "
                    "zero (not a network address)"},
        ClusterCase{"subnetOutside", "/spec/network/publicSubnetCIDRs/1", "10.43.0.0/20",
                    "spec.network.publicSubnetCIDRs[1]: Invalid value: \"10.43.0.0/20\": must be "
                    "inside the VPC block 10.42.0.0/16"},
        ClusterCase{"subnetOverlap", "/spec/network/privateSubnetCIDRs/0", "10.42.8.0/24",
                    "spec.network.privateSubnetCIDRs[0]: Invalid value: \"10.42.8.0/24\": "
                    "overlaps spec.network.publicSubnetCIDRs[0]"},
        ClusterCase{"subnetTiny", "/spec/network/publicSubnetCIDRs/0", "10.42.0.0/29",
                    "spec.network.publicSubnetCIDRs[0]: Invalid value: \"10.42.0.0/29\": a subnet "
                    "must be a /28 or larger"},
        ClusterCase{"oldVersion", "/spec/kubernetesVersion", "1.29",
                    "spec.kubernetesVersion: Unsupported value: \"1.29\": supported values: "
                    "\"1.30\", \"1.31\", \"1.32\", \"1.33\", \"1.34\""},
        ClusterCase{"zoneOtherRegion", "/spec/network/zones/1", "us-west-2b",
                    "spec.network.zones[1]: Invalid value: \"us-west-2b\": not an availability "
                    "zone of region us-east-1"},
        ClusterCase{"zoneTwice", "/spec/network/zones/1", "us-east-1a",
                    "spec.network.zones[1]: Duplicate value: \"us-east-1a\""},
        ClusterCase{"badPublicCidr", "/spec/endpointAccess/publicAccessCIDRs/0", "1.2.3.4",
                    "spec.endpointAccess.publicAccessCIDRs[0]: Invalid value: \"1.2.3.4\": must "
                    "be an IPv4 CIDR such as 10.0.0.0/16"},
        ClusterCase{"decodeError", "/spec/network/vpcCIDR", 42,
                    "spec.network.vpcCIDR: expected string, got integer"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ValidateCluster, SeveralErrorsAreAggregated) {
  auto obj = cluster_json();
  obj["spec"]["kubernetesVersion"] = "1.20";
  obj["spec"]["network"]["vpcCIDR"] = "10.0.0.0/8";
  auto r = validate(request("EphemeralCluster", obj));
  ASSERT_FALSE(r.allowed);
  EXPECT_TRUE(r.message.starts_with("[spec.kubernetesVersion: Unsupported value"));
  EXPECT_NE(r.message.find(", spec.network.vpcCIDR: Invalid value"), std::string::npos);
}

TEST(ValidateCluster, LocalZoneIsAZoneOfItsRegion) {
  auto obj = cluster_json();
  obj["spec"]["region"] = "us-west-2";
  obj["spec"]["network"]["zones"] = {"us-west-2a", "us-west-2-lax-1a"};
  EXPECT_TRUE(validate(request("EphemeralCluster", obj)).allowed);
}

TEST(ValidateCluster, WarnsWhenPublicEndpointIsOpenToEveryone) {
  auto open = cluster_json();
  open["spec"].erase("endpointAccess");
  auto r = validate(request("EphemeralCluster", open));
  EXPECT_TRUE(r.allowed);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("0.0.0.0/0"), std::string::npos);

  auto explicit_open = cluster_json();
  explicit_open["spec"]["endpointAccess"]["publicAccessCIDRs"] = {"0.0.0.0/0"};
  EXPECT_EQ(validate(request("EphemeralCluster", explicit_open)).warnings.size(), 1u);

  auto private_only = cluster_json();
  private_only["spec"]["endpointAccess"] = {{"public", false}, {"private", true}};
  EXPECT_TRUE(validate(request("EphemeralCluster", private_only)).warnings.empty());
}

TEST(ValidateCluster, WarnsWhenMaxLifetimeIsShorterThanACreation) {
  auto quick = cluster_json();
  quick["spec"]["lifecycle"] = {{"maxLifetime", "10m"}};
  auto r = validate(request("EphemeralCluster", quick));
  EXPECT_TRUE(r.allowed);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_TRUE(r.warnings[0].starts_with("spec.lifecycle.maxLifetime: 10m is shorter than"))
      << r.warnings[0];

  auto day = cluster_json();
  day["spec"]["lifecycle"] = {{"maxLifetime", "24h"}};
  EXPECT_TRUE(validate(request("EphemeralCluster", day)).warnings.empty());
}

TEST(ValidateCluster, ImmutableFieldsOnUpdate) {
  auto old = cluster_json();
  auto now = cluster_json();
  now["spec"]["region"] = "us-east-2";
  now["spec"]["network"]["zones"] = {"us-east-2a", "us-east-2b"};
  auto r = validate(request("EphemeralCluster", now, old));
  ASSERT_FALSE(r.allowed);
  EXPECT_NE(r.message.find("spec.region: Invalid value: \"us-east-2\": field is immutable"),
            std::string::npos);
  EXPECT_NE(r.message.find("spec.network: Invalid value: "), std::string::npos);

  auto tags_only = cluster_json();
  tags_only["spec"]["tags"] = {{"team", "ml"}};
  EXPECT_TRUE(validate(request("EphemeralCluster", tags_only, old)).allowed);

  auto enc_old = cluster_json();
  enc_old["spec"]["secretsEncryption"] = {{"kmsKeyARN", "arn:aws:kms:us-east-1:1:key/a"}};
  auto r2 = validate(request("EphemeralCluster", cluster_json(), enc_old));
  EXPECT_EQ(message(r2),
            "spec.secretsEncryption: Forbidden: cannot be changed or removed once set");
}

TEST(ValidateCluster, UnsupportedVersionStaysEditableWhenUnchanged) {
  auto old = cluster_json();
  old["spec"]["kubernetesVersion"] = "1.29";
  auto now = old;
  now["spec"]["tags"] = {{"team", "ml"}};
  EXPECT_TRUE(validate(request("EphemeralCluster", now, old)).allowed);
}

TEST(ValidateCluster, MetadataOnlyAndDeletingUpdatesAreNeverBlocked) {
  auto old = cluster_json();
  old["spec"]["network"]["vpcCIDR"] = "10.42.0.1/16";  // invalid by today's rules
  auto now = old;
  now["metadata"]["finalizers"] = {"aura.io/cleanup"};
  EXPECT_TRUE(validate(request("EphemeralCluster", now, old)).allowed);
  auto deleting = old;
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  deleting["spec"]["tags"] = {{"a", "b"}};
  EXPECT_TRUE(validate(request("EphemeralCluster", deleting, old)).allowed);
}

TEST(ValidateCluster, DeleteIsAllowed) {
  auto r = request("EphemeralCluster", nullptr);
  r.operation = "DELETE";
  EXPECT_TRUE(validate(r).allowed);
}

TEST(ValidateNodePool, GpuPoolsNeedGpuFamilies) {
  EXPECT_TRUE(validate(request("NodePool", pool_json())).allowed);
  auto cpu = pool_json();
  cpu["spec"]["instanceTypes"] = {"g5.xlarge", "m7g.large"};
  EXPECT_EQ(message(validate(request("NodePool", cpu))),
            "spec.instanceTypes[1]: Invalid value: \"m7g.large\": a GPU pool needs GPU instance "
            "families (g*, p*)");
  cpu["spec"].erase("gpu");
  EXPECT_TRUE(validate(request("NodePool", cpu)).allowed);
}

TEST(ValidateNodePool, InstanceTypesWellFormed) {
  auto p = pool_json();
  p["spec"].erase("gpu");
  p["spec"]["instanceTypes"] = {"G5.xlarge", "m5", "m5.", "u-6tb1.metal"};
  auto r = validate(request("NodePool", p));
  ASSERT_FALSE(r.allowed);
  EXPECT_NE(r.message.find("spec.instanceTypes[0]: Invalid value: \"G5.xlarge\""),
            std::string::npos);
  EXPECT_NE(r.message.find("spec.instanceTypes[1]"), std::string::npos);
  EXPECT_NE(r.message.find("spec.instanceTypes[2]"), std::string::npos);
  EXPECT_EQ(r.message.find("spec.instanceTypes[3]"), std::string::npos);
}

TEST(ValidateNodePool, KarpenterFamilyRequirementOnGpuPool) {
  auto p = pool_json();
  p["spec"] = json::parse(R"({"clusterRef": {"name": "c1"}, "mode": "Karpenter", "gpu": {},
    "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In",
                      "values": ["g6", "c7i"]}]})");
  EXPECT_EQ(message(validate(request("NodePool", p))),
            "spec.requirements[0].values[1]: Invalid value: \"c7i\": a GPU pool needs GPU "
            "instance families (g*, p*)");
}

TEST(ValidateNodePool, ImmutableFieldsOnUpdate) {
  auto old = pool_json();
  auto now = pool_json();
  now["spec"]["clusterRef"]["name"] = "other";
  EXPECT_EQ(message(validate(request("NodePool", now, old))),
            "spec.clusterRef.name: Invalid value: \"other\": field is immutable");
  auto types = pool_json();
  types["spec"]["instanceTypes"] = {"g5.xlarge"};
  EXPECT_FALSE(validate(request("NodePool", types, old)).allowed);
  auto scale = pool_json();
  scale["spec"]["scaling"]["maxSize"] = 5;
  EXPECT_TRUE(validate(request("NodePool", scale, old)).allowed);
}

TEST(ValidateAIJob, TemplateIsCheckedWithItsPath) {
  auto job = json::parse(R"({"apiVersion": "aura.io/v1alpha1", "kind": "AIJob",
    "metadata": {"name": "j", "namespace": "ns"},
    "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}],
                                   "restartPolicy": "Never"}}}})");
  job["spec"]["clusterTemplate"] = {{"spec", cluster_json()["spec"]}};
  job["spec"]["clusterTemplate"]["spec"]["network"]["vpcCIDR"] = "10.0.0.0/33";
  auto r = validate(request("AIJob", job));
  ASSERT_FALSE(r.allowed);
  EXPECT_NE(r.message.find("spec.clusterTemplate.spec.network.vpcCIDR: Invalid value: "
                           "\"10.0.0.0/33\""),
            std::string::npos)
      << r.message;
}

TEST(Validate, OtherKindsAreBadRequests) {
  auto r = request("Pod", json::object());
  EXPECT_EQ(validate(r).code, 400);
  r.group = "apps";
  EXPECT_FALSE(validate(r).allowed);
}

}  // namespace
}  // namespace aura::webhooks::validation
