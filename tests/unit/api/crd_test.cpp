// The CRDs themselves: kubectl explain has a description for every field, every string, list
// and map the CEL rules may touch is bounded (so the apiserver's cost estimate stays low), every
// rule has a message, and AIJob's copies of the EphemeralCluster and NodePool specs match the
// originals, validation included.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>
#include <string>

#include "tests/unit/api/yaml_json.h"

namespace aura::api {
namespace {

using nlohmann::json;

json load_crd(const std::string& plural) {
  return testing::load_yaml_documents(std::string(AURA_SOURCE_DIR) + "/crds/aura.io_" + plural +
                                      ".yaml")
      .at(0);
}

const json& schema_of(const json& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

// Calls f(path, schema) for every schema node below root.
void walk(const json& s, const std::string& path,
          const std::function<void(const std::string&, const json&)>& f) {
  f(path, s);
  if (s.contains("properties")) {
    for (const auto& [k, v] : s["properties"].items()) walk(v, path + "." + k, f);
  }
  if (s.contains("items")) walk(s["items"], path + "[]", f);
  if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
    walk(s["additionalProperties"], path + "{}", f);
  }
}

class CrdTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrdTest, EveryFieldIsDescribed) {
  walk(schema_of(load_crd(GetParam())), "", [](const std::string& path, const json& s) {
    if (path == ".metadata") return;  // the apiserver forbids anything there; it knows ObjectMeta
    EXPECT_TRUE(s.contains("description") && !s["description"].get<std::string>().empty())
        << path << " has no description";
  });
}

TEST_P(CrdTest, EveryStringListAndMapIsBounded) {
  walk(schema_of(load_crd(GetParam())), "", [](const std::string& path, const json& s) {
    const std::string type = s.value("type", "");
    if (path.empty() || path == ".apiVersion" || path == ".kind" || path == ".metadata") return;
    if (type == "string") {
      EXPECT_TRUE(s.contains("maxLength") || s.contains("enum") ||
                  s.value("format", "") == "date-time")
          << path << " is an unbounded string";
    }
    if (type == "array") {
      EXPECT_TRUE(s.contains("maxItems")) << path << " has no maxItems";
    }
    if (type == "object" && s.contains("additionalProperties")) {
      EXPECT_TRUE(s.contains("maxProperties")) << path << " has no maxProperties";
    }
  });
}

TEST_P(CrdTest, EveryRuleHasAMessage) {
  int rules = 0;
  walk(schema_of(load_crd(GetParam())), "", [&](const std::string& path, const json& s) {
    for (const auto& r : s.value("x-kubernetes-validations", json::array())) {
      ++rules;
      EXPECT_TRUE(r.contains("rule")) << path;
      EXPECT_FALSE(r.value("message", "").empty()) << path << ": " << r.dump();
    }
  });
  EXPECT_GT(rules, 0);
}

TEST_P(CrdTest, NamesSubresourcesAndColumns) {
  const json crd = load_crd(GetParam());
  EXPECT_EQ(crd["spec"]["group"], "aura.io");
  EXPECT_EQ(crd["spec"]["scope"], "Namespaced");
  EXPECT_EQ(crd["spec"]["names"]["categories"], json::array({"aura"}));
  EXPECT_FALSE(crd["spec"]["names"]["shortNames"].empty());
  ASSERT_EQ(crd["spec"]["versions"].size(), 1u);
  const json& v = crd["spec"]["versions"][0];
  EXPECT_EQ(v["name"], "v1alpha1");
  EXPECT_TRUE(v["subresources"].contains("status"));
  std::set<std::string> columns;
  for (const auto& c : v["additionalPrinterColumns"]) columns.insert(c["name"]);
  EXPECT_TRUE(columns.contains("Phase"));
  EXPECT_TRUE(columns.contains("Age"));
  EXPECT_EQ(schema_of(crd)["required"], json::array({"spec"}));
}

INSTANTIATE_TEST_SUITE_P(AllKinds, CrdTest,
                         ::testing::Values("ephemeralclusters", "nodepools", "aijobs"));

TEST(Crd, ClusterTemplateIsTheEphemeralClusterSpec) {
  const json cluster = load_crd("ephemeralclusters");
  const json job = load_crd("aijobs");
  const json& original = schema_of(cluster)["properties"]["spec"];
  const json& copy =
      schema_of(job)["properties"]["spec"]["properties"]["clusterTemplate"]["properties"]["spec"];
  EXPECT_EQ(copy, original) << "crds/aura.io_aijobs.yaml spec.clusterTemplate.spec must be a "
                               "copy of crds/aura.io_ephemeralclusters.yaml spec";
}

TEST(Crd, NodePoolTemplateIsTheNodePoolSpecWithoutClusterRef) {
  json original = schema_of(load_crd("nodepools"))["properties"]["spec"];
  json copy =
      schema_of(load_crd("aijobs"))["properties"]["spec"]["properties"]["clusterTemplate"]
                                   ["properties"]["nodePools"]["items"]["properties"]["spec"];
  original["properties"].erase("clusterRef");
  EXPECT_EQ(copy["properties"], original["properties"]);
  EXPECT_EQ(copy["x-kubernetes-validations"], original["x-kubernetes-validations"]);
  EXPECT_EQ(copy["required"], json::array({"mode"}));
  EXPECT_EQ(original["required"], json::array({"clusterRef", "mode"}));
}

}  // namespace
}  // namespace aura::api
