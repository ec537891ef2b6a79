// Decoding errors carry the Kubernetes-style path of the field; encoding leaves unset optionals
// out; the generated names, enums and defaults are what a reader would guess.

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "operator/api/types.h"
#include "tests/unit/api/yaml_json.h"

namespace aura::api {
namespace {

nlohmann::json cluster_sample() {
  return testing::load_yaml_documents(std::string(AURA_SOURCE_DIR) +
                                      "/config/samples/aura_v1alpha1_ephemeralcluster.yaml")
      .at(0);
}

template <class T>
DecodeError decode_error(const nlohmann::json& j) {
  auto r = decode<T>(j);
  EXPECT_FALSE(r.has_value());
  return r.has_value() ? DecodeError{} : r.error();
}

TEST(Decode, WrongTypeNamesTheField) {
  auto j = cluster_sample();
  j["spec"]["network"]["vpcCIDR"] = 42;
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"spec.network.vpcCIDR", "expected string, got integer"}));
}

TEST(Decode, MissingRequiredField) {
  auto j = cluster_sample();
  j["spec"].erase("region");
  EXPECT_EQ(decode_error<EphemeralCluster>(j), (DecodeError{"spec.region", "Required value"}));
  j = cluster_sample();
  j["spec"]["region"] = nullptr;  // null is unset
  EXPECT_EQ(decode_error<EphemeralCluster>(j).path, "spec.region");
  j = cluster_sample();
  j.erase("spec");
  EXPECT_EQ(decode_error<EphemeralCluster>(j).path, "spec");
}

TEST(Decode, ListIndexAndMapKeyInPath) {
  auto j = cluster_sample();
  j["spec"]["accessEntries"][1]["principalARN"] = true;
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"spec.accessEntries[1].principalARN", "expected string, got boolean"}));
  j = cluster_sample();
  j["spec"]["accessEntries"][1]["accessPolicies"][0]["accessScope"]["namespaces"][0] = 7;
  EXPECT_EQ(decode_error<EphemeralCluster>(j).path,
            "spec.accessEntries[1].accessPolicies[0].accessScope.namespaces[0]");
  j = cluster_sample();
  j["spec"]["tags"]["owner"] = 5;
  EXPECT_EQ(decode_error<EphemeralCluster>(j).path, "spec.tags[owner]");
}

TEST(Decode, UnknownEnumValue) {
  auto j = cluster_sample();
  j["spec"]["network"]["natGateways"] = "Double";
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"spec.network.natGateways",
                         "Unsupported value: \"Double\": supported values: \"Single\", "
                         "\"PerZone\", \"None\""}));
  j["spec"]["network"]["natGateways"] = 1;
  EXPECT_EQ(decode_error<EphemeralCluster>(j).message, "expected string, got integer");
}

TEST(Decode, IntegerRanges) {
  auto j = cluster_sample();
  j["spec"]["network"]["zoneCount"] = 3000000000LL;  // int32 field
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"spec.network.zoneCount", "value 3000000000 is out of range"}));
  j["spec"]["network"]["zoneCount"] = 2.5;
  EXPECT_EQ(decode_error<EphemeralCluster>(j).message, "expected integer, got 2.5");
  j["spec"]["network"]["zoneCount"] = 3.0;  // an integral float is an integer
  auto c = decode<EphemeralCluster>(j);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->spec.network.zoneCount, 3);
  j["spec"]["lifecycle"]["ttlSecondsAfterIdle"] = 9000000000LL;  // int64 field
  EXPECT_TRUE(decode<EphemeralCluster>(j).has_value());
}

TEST(Decode, StatusAndConditions) {
  auto j = cluster_sample();
  j["status"] = {{"phase", "Ready"},
                 {"observedGeneration", 3},
                 {"conditions",
                  {{{"type", "Ready"},
                    {"status", "True"},
                    {"observedGeneration", 3},
                    {"lastTransitionTime", "2024-05-01T10:00:00Z"},
                    {"reason", "ClusterActive"},
                    {"message", ""}}}},
                 {"network",
                  {{"vpcID", "vpc-0abc"},
                   {"subnets", {{{"id", "subnet-1"}, {"zone", "us-east-1a"}, {"public", true}}}}}}};
  auto c = decode<EphemeralCluster>(j);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->status.phase, EphemeralClusterPhase::kReady);
  ASSERT_EQ(c->status.conditions.size(), 1u);
  EXPECT_EQ(c->status.conditions[0].status, kConditionTrue);
  EXPECT_EQ(c->status.conditions[0].observedGeneration, 3);
  ASSERT_TRUE(c->status.network.has_value());
  EXPECT_EQ(c->status.network->subnets.at(0).public_, true);
  EXPECT_EQ(to_json(*c), j);

  j["status"]["conditions"][0].erase("status");
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"status.conditions[0].status", "Required value"}));
}

TEST(Decode, DocumentLevelErrors) {
  EXPECT_EQ(decode_error<NodePool>(nlohmann::json::array()),
            (DecodeError{"", "expected object, got array"}));
  auto j = cluster_sample();
  j["kind"] = "NodePool";
  EXPECT_EQ(decode_error<EphemeralCluster>(j),
            (DecodeError{"kind", "expected \"EphemeralCluster\", got \"NodePool\""}));
  j = cluster_sample();
  j["apiVersion"] = "aura.io/v1";
  EXPECT_EQ(decode_error<EphemeralCluster>(j).path, "apiVersion");
  j = cluster_sample();
  j.erase("apiVersion");
  j.erase("kind");
  EXPECT_TRUE(decode<EphemeralCluster>(j).has_value());  // list items may omit them
  EXPECT_EQ(decode_error<EphemeralCluster>(j.dump()).message, "expected object, got string");
  EXPECT_EQ(decode_error<EphemeralClusterSpec>(j["spec"].dump()).to_string(),
            "expected object, got string");
}

TEST(Decode, UnknownFieldsAreIgnored) {
  auto j = cluster_sample();
  j["spec"]["network"]["futureField"] = {{"x", 1}};
  j["metadata"]["managedFields"] = nlohmann::json::array({{{"manager", "kubectl"}}});
  j["metadata"]["uid"] = "0d6c5f8e-1111-2222-3333-444455556666";
  j["metadata"]["generation"] = 4;
  j["metadata"]["resourceVersion"] = "1234";
  j["metadata"]["creationTimestamp"] = "2024-05-01T10:00:00Z";
  auto c = decode<EphemeralCluster>(j);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->metadata.namespace_, "ml-team");
  EXPECT_EQ(c->metadata.generation, 4);
  EXPECT_EQ(c->metadata.labels.at("team"), "ml-platform");
  const auto back = to_json(*c);
  EXPECT_FALSE(back["spec"]["network"].contains("futureField"));
  EXPECT_FALSE(back["metadata"].contains("managedFields"));
  EXPECT_EQ(back["metadata"]["uid"], j["metadata"]["uid"]);
}

TEST(Encode, UnsetOptionalsAreLeftOut) {
  NodePool pool;
  pool.metadata.name = "cpu";
  pool.metadata.namespace_ = "ml-team";
  pool.spec.clusterRef.name = "sandbox";
  pool.spec.mode = NodePoolMode::kManagedNodeGroup;
  pool.spec.instanceTypes = {"m7i.large"};
  pool.spec.scaling = NodeGroupScaling{.minSize = std::nullopt, .maxSize = 3, .desiredSize = {}};
  pool.spec.capacityType = CapacityType::kOnDemand;
  EXPECT_EQ(to_json(pool), nlohmann::json::parse(R"({
    "apiVersion": "aura.io/v1alpha1",
    "kind": "NodePool",
    "metadata": {"name": "cpu", "namespace": "ml-team"},
    "spec": {
      "clusterRef": {"name": "sandbox"},
      "mode": "ManagedNodeGroup",
      "instanceTypes": ["m7i.large"],
      "capacityType": "on-demand",
      "scaling": {"maxSize": 3}
    }
  })"));
  // The status appears once anything in it is set.
  pool.status.readyNodes = 0;
  EXPECT_EQ(to_json(pool)["status"], nlohmann::json({{"readyNodes", 0}}));
  // Parts encode on their own too (for status patches).
  EXPECT_EQ(to_json(pool.status), nlohmann::json({{"readyNodes", 0}}));
}

TEST(Types, NamesEnumsAndDefaults) {
  static_assert(std::is_same_v<decltype(ClusterTemplate::spec), EphemeralClusterSpec>);
  static_assert(std::is_same_v<decltype(NodePoolSpec::clusterRef), LocalObjectReference>);
  static_assert(
      std::is_same_v<decltype(AIJobSpec::nodePoolRef), std::optional<LocalObjectReference>>);
  static_assert(
      std::is_same_v<decltype(NodePoolTemplateSpec::requirements), std::vector<NodeRequirement>>);
  static_assert(std::is_same_v<decltype(AIJobSpec::template_), nlohmann::json>);
  static_assert(std::is_same_v<decltype(AIJobStatus::conditions), std::vector<Condition>>);
  static_assert(
      std::is_same_v<decltype(EphemeralClusterSpec::tags), std::map<std::string, std::string>>);
  static_assert(std::is_same_v<decltype(NodePoolStatus::readyNodes), std::optional<std::int32_t>>);
  static_assert(
      std::is_same_v<decltype(ClusterLifecycle::ttlSecondsAfterIdle), std::optional<std::int64_t>>);
  static_assert(std::is_same_v<decltype(EndpointAccess::public_), std::optional<bool>>);
  static_assert(std::is_same_v<decltype(NodeRequirement::operator_), RequirementOperator>);

  EXPECT_EQ(to_string(CapacityType::kOnDemand), "on-demand");
  EXPECT_EQ(to_string(ControlPlaneLogType::kControllerManager), "controllerManager");
  AMIFamily family{};
  EXPECT_TRUE(from_string("Bottlerocket", family));
  EXPECT_EQ(family, AMIFamily::kBottlerocket);
  EXPECT_FALSE(from_string("bottlerocket", family));
  EXPECT_EQ(kAIJobPhaseValues.size(), 5u);

  EXPECT_EQ(NodePoolSpec::kCapacityTypeDefault, CapacityType::kOnDemand);
  EXPECT_EQ(NodeDisk::kSizeGiBDefault, 100);
  EXPECT_EQ(Disruption::kExpireAfterDefault, "720h");
  EXPECT_TRUE(EndpointAccess::kPublicDefault);
  EXPECT_EQ(ClusterLifecycle::kDeletionPolicyDefault, DeletionPolicy::kDelete);
  EXPECT_EQ(ClusterTemplate::kWhenJobEndsDefault, JobEndClusterPolicy::kDelete);
  EXPECT_EQ(AIJobSpec::kBackoffLimitDefault, 6);
}

// What a generic cache or client does with any kind.
template <Resource T>
std::string describe(const nlohmann::json& j) {
  auto obj = decode<T>(j);
  if (!obj) return "error at " + obj.error().path;
  return std::string(T::kKind) + " " + obj->metadata.namespace_ + "/" + obj->metadata.name +
         " at " + resource_path<T>(obj->metadata.namespace_, obj->metadata.name);
}

TEST(Resource, GenericCodeWorksForEveryKind) {
  EXPECT_EQ(describe<EphemeralCluster>(cluster_sample()),
            "EphemeralCluster ml-team/ml-sandbox at "
            "/apis/aura.io/v1alpha1/namespaces/ml-team/ephemeralclusters/ml-sandbox");
  EXPECT_EQ(describe<AIJob>(nlohmann::json{{"metadata", {{"name", "x"}}}}), "error at spec");
  EXPECT_EQ(resource_path<NodePool>(""), "/apis/aura.io/v1alpha1/nodepools");
  EXPECT_EQ(std::tuple_size_v<AllKinds>, 3u);
  EXPECT_EQ(AIJob::kApiVersion, "aura.io/v1alpha1");
  EXPECT_EQ(AIJob::kPlural, "aijobs");
  EXPECT_TRUE(NodePool::kNamespaced);
}

}  // namespace
}  // namespace aura::api
