#include "webhooks/defaulting.h"

#include <gtest/gtest.h>

namespace aura::webhooks::defaulting {
namespace {

using json = nlohmann::json;

AdmissionRequest create(const std::string& kind, json object) {
  AdmissionRequest r;
  r.uid = "u";
  r.group = "aura.io";
  r.kind = kind;
  r.operation = "CREATE";
  r.object = std::move(object);
  return r;
}

json apply_patch(const json& obj, const AdmissionResponse& r) {
  return r.patch ? obj.patch(*r.patch) : obj;
}

TEST(Defaulting, VersionAndZonesFromZoneCount) {
  json obj = {
      {"spec",
       {{"region", "us-east-1"}, {"network", {{"vpcCIDR", "10.0.0.0/16"}, {"zoneCount", 2}}}}}};
  auto r = mutate(create("EphemeralCluster", obj), Options{});
  ASSERT_TRUE(r.allowed);
  ASSERT_TRUE(r.patch);
  auto out = apply_patch(obj, r);
  EXPECT_EQ(out["spec"]["kubernetesVersion"], "1.33");
  EXPECT_EQ(out["spec"]["network"]["zones"], json({"us-east-1a", "us-east-1b"}));
  EXPECT_FALSE(out["spec"]["network"].contains("zoneCount"));
}

TEST(Defaulting, ThreeZonesByDefaultAndNothingOverridden) {
  json obj = {{"spec",
               {{"region", "eu-west-1"},
                {"kubernetesVersion", "1.31"},
                {"network", {{"vpcCIDR", "10.0.0.0/16"}}}}}};
  auto out = apply_patch(obj, mutate(create("EphemeralCluster", obj), Options{}));
  EXPECT_EQ(out["spec"]["kubernetesVersion"], "1.31");
  EXPECT_EQ(out["spec"]["network"]["zones"].size(), 3u);

  json set = obj;
  set["spec"]["network"]["zones"] = {"eu-west-1b", "eu-west-1c"};
  EXPECT_FALSE(mutate(create("EphemeralCluster", set), Options{}).patch);
}

TEST(Defaulting, NoZonesForByoVpcUnknownRegionOrTooManyZones) {
  json byo = {{"spec",
               {{"region", "us-east-1"},
                {"kubernetesVersion", "1.31"},
                {"network", {{"vpcID", "vpc-1"}, {"subnetIDs", {"subnet-1"}}}}}}};
  EXPECT_FALSE(mutate(create("EphemeralCluster", byo), Options{}).patch);
  json unknown = {{"spec",
                   {{"region", "sa-east-1"},
                    {"kubernetesVersion", "1.31"},
                    {"network", {{"vpcCIDR", "10.0.0.0/16"}}}}}};
  EXPECT_FALSE(mutate(create("EphemeralCluster", unknown), Options{}).patch);
  json many = unknown;
  many["spec"]["region"] = "us-east-2";
  many["spec"]["network"]["zoneCount"] = 4;
  EXPECT_FALSE(mutate(create("EphemeralCluster", many), Options{}).patch);
}

TEST(Defaulting, AIJobTemplateAndOnlyOnCreate) {
  json job = {
      {"spec",
       {{"clusterTemplate",
         {{"spec", {{"region", "us-west-2"}, {"network", {{"vpcCIDR", "10.0.0.0/16"}}}}}}}}}};
  Options o;
  o.kubernetes_version = "1.32";
  auto out = apply_patch(job, mutate(create("AIJob", job), o));
  EXPECT_EQ(out["spec"]["clusterTemplate"]["spec"]["kubernetesVersion"], "1.32");
  EXPECT_EQ(out["spec"]["clusterTemplate"]["spec"]["network"]["zones"][0], "us-west-2a");

  auto update = create("AIJob", job);
  update.operation = "UPDATE";
  EXPECT_FALSE(mutate(update, o).patch);
  EXPECT_FALSE(mutate(create("NodePool", {{"spec", json::object()}}), o).patch);
}

}  // namespace
}  // namespace aura::webhooks::defaulting
