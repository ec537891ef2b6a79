// CRD conversion reviews and the protection of clusters that still run AIJobs.
#include <gtest/gtest.h>

#include "webhooks/conversion.h"
#include "webhooks/delete_protection.h"

namespace aura::webhooks {
namespace {

using json = nlohmann::json;

json review(const std::string& desired, json objects) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "ConversionReview"},
          {"request",
           {{"uid", "u-1"}, {"desiredAPIVersion", desired}, {"objects", std::move(objects)}}}};
}

json cluster(const std::string& api_version = "aura.io/v1alpha1") {
  return {{"apiVersion", api_version},
          {"kind", "EphemeralCluster"},
          {"metadata", {{"name", "c"}}},
          {"spec", {{"region", "us-east-1"}}}};
}

TEST(Conversion, SameVersionIsTheIdentity) {
  auto out = conversion::convert_review(review("aura.io/v1alpha1", {cluster()}).dump(),
                                        conversion::aura_converters());
  ASSERT_TRUE(out) << out.error();
  const auto& r = (*out)["response"];
  EXPECT_EQ(r["uid"], "u-1");
  EXPECT_EQ(r["result"]["status"], "Success");
  ASSERT_EQ(r["convertedObjects"].size(), 1u);
  EXPECT_EQ(r["convertedObjects"][0], cluster());
}

TEST(Conversion, RegisteredConvertersRunAndSetTheApiVersion) {
  auto c = conversion::aura_converters();
  c.serve_version("v1beta1");
  c.add("EphemeralCluster", "v1alpha1", "v1beta1", [](json o) {
    o["spec"]["location"] = o["spec"]["region"];
    o["spec"].erase("region");
    return std::expected<json, std::string>(std::move(o));
  });
  auto out = conversion::convert_review(review("aura.io/v1beta1", {cluster()}).dump(), c);
  ASSERT_TRUE(out);
  const auto& obj = (*out)["response"]["convertedObjects"][0];
  EXPECT_EQ(obj["apiVersion"], "aura.io/v1beta1");
  EXPECT_EQ(obj["spec"]["location"], "us-east-1");
}

TEST(Conversion, AnUnservedVersionFailsTheReviewNamingTheObject) {
  auto out = conversion::convert_review(
      review("aura.io/v1alpha1", {cluster(), cluster("aura.io/v9")}).dump(),
      conversion::aura_converters());
  ASSERT_TRUE(out);
  const auto& r = (*out)["response"];
  EXPECT_EQ(r["result"]["status"], "Failure");
  EXPECT_EQ(r["result"]["message"], "request.objects[1]: apiVersion \"aura.io/v9\" is not served");
  auto to = conversion::convert_review(review("aura.io/v2", {cluster()}).dump(),
                                       conversion::aura_converters());
  EXPECT_EQ((*to)["response"]["result"]["status"], "Failure");
}

TEST(Conversion, ABodyThatIsNotAReviewIsABadRequest) {
  const auto c = conversion::aura_converters();
  EXPECT_FALSE(conversion::convert_review("{", c));
  EXPECT_FALSE(conversion::convert_review(R"({"kind":"AdmissionReview"})", c));
  auto no_uid = review("aura.io/v1alpha1", json::array());
  no_uid["request"].erase("uid");
  EXPECT_EQ(conversion::convert_review(no_uid.dump(), c).error(), "request.uid: Required value");
  auto handler = conversion::conversion_endpoint(c);
  EXPECT_EQ(handler({"GET", "/convert", "", "", {}}).status, 405);
  EXPECT_EQ(handler({"POST", "/convert", "text/plain", "{}", {}}).status, 400);
  EXPECT_EQ(handler({"POST", "/convert", "application/json", "[]", {}}).status, 400);
  EXPECT_EQ(handler({"POST",
                     "/convert",
                     "application/json",
                     review("aura.io/v1alpha1", json::array()).dump(),
                     {}})
                .status,
            200);
}

AdmissionRequest delete_request(json annotations = json::object(), std::string user = "alice") {
  AdmissionRequest r;
  r.group = "aura.io";
  r.kind = "EphemeralCluster";
  r.operation = "DELETE";
  r.name = "gpu";
  r.namespace_ = "ml";
  r.username = std::move(user);
  r.old_object = {{"metadata", {{"name", "gpu"}, {"annotations", std::move(annotations)}}}};
  return r;
}

DeleteProtectionOptions with_jobs(std::optional<std::vector<std::string>> jobs) {
  DeleteProtectionOptions o;
  o.active_jobs = [jobs](const std::string& ns, const std::string& cluster) {
    EXPECT_EQ(ns, "ml");
    EXPECT_EQ(cluster, "gpu");
    return jobs;
  };
  return o;
}

TEST(DeleteProtection, RefusesWhileAiJobsRunAndSaysHowToForce) {
  auto r = check_cluster_delete(delete_request(), with_jobs(std::vector<std::string>{"train"}));
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.message,
            "EphemeralCluster \"gpu\" still runs 1 AIJob (train); wait for them to finish, or set "
            "the annotation aura.io/force-delete=true to delete it anyway");
  auto many = check_cluster_delete(
      delete_request(), with_jobs(std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_NE(many.message.find("7 AIJobs (a, b, c, d, e, and 2 more)"), std::string::npos);
}

TEST(DeleteProtection, AllowsWhenIdleForcedExemptOrOff) {
  EXPECT_TRUE(
      check_cluster_delete(delete_request(), with_jobs(std::vector<std::string>{})).allowed);
  auto forced = check_cluster_delete(delete_request({{"aura.io/force-delete", "true"}}),
                                     with_jobs(std::vector<std::string>{"train"}));
  EXPECT_TRUE(forced.allowed);
  ASSERT_EQ(forced.warnings.size(), 1u);
  EXPECT_FALSE(check_cluster_delete(delete_request({{"aura.io/force-delete", "yes"}}),
                                    with_jobs(std::vector<std::string>{"train"}))
                   .allowed);
  EXPECT_TRUE(check_cluster_delete(
                  delete_request({}, "system:serviceaccount:kube-system:generic-garbage-collector"),
                  with_jobs(std::vector<std::string>{"train"}))
                  .allowed);
  EXPECT_TRUE(check_cluster_delete(delete_request(), DeleteProtectionOptions{}).allowed);
}

TEST(DeleteProtection, RefusesWhileTheCacheCannotTell) {
  auto r = check_cluster_delete(delete_request(), with_jobs(std::nullopt));
  EXPECT_FALSE(r.allowed);
  EXPECT_NE(r.message.find("retry"), std::string::npos);
}

TEST(DeleteProtection, OnlyFinishedJobsAreInactive) {
  EXPECT_TRUE(ai_job_is_active(""));
  EXPECT_TRUE(ai_job_is_active("Pending"));
  EXPECT_TRUE(ai_job_is_active("WaitingForCluster"));
  EXPECT_TRUE(ai_job_is_active("Running"));
  EXPECT_FALSE(ai_job_is_active("Succeeded"));
  EXPECT_FALSE(ai_job_is_active("Failed"));
}

}  // namespace
}  // namespace aura::webhooks
