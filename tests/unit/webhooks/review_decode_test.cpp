// decode_review's Boost.JSON front end: objects must come out exactly as nlohmann's parser would
// read them, minus metadata.managedFields.
#include <gtest/gtest.h>

#include "webhooks/admission.h"

namespace aura::webhooks {
namespace {

using json = nlohmann::json;

json kubernetes_object() {
  return json::parse(R"({
    "apiVersion": "aura.io/v1alpha1", "kind": "EphemeralCluster",
    "metadata": {"name": "c1", "labels": {"team": "ml"}, "generation": 3,
                 "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]},
    "spec": {"region": "us-east-1", "big": 18446744073709551615, "neg": -5, "ratio": 0.25,
             "on": true, "none": null, "list": [1, "two", [3], {"four": 4}],
             "text": "caf\u00e9 \"quoted\" \\ tab\t",
             "template": {"metadata": {"managedFields": "kept"}}}})");
}

json update_review(json object, json old_object) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "u1"},
            {"operation", "UPDATE"},
            {"dryRun", true},
            {"object", std::move(object)},
            {"oldObject", std::move(old_object)}}}};
}

TEST(ReviewDecode, ObjectsMatchNlohmannWithoutManagedFields) {
  const json object = kubernetes_object();
  auto r = decode_review(update_review(object, object).dump());
  ASSERT_TRUE(r) << r.error();
  json expected = object;
  expected["metadata"].erase("managedFields");
  EXPECT_EQ(r->object, expected) << r->object.dump();
  EXPECT_EQ(r->old_object, expected);
  EXPECT_TRUE(r->dry_run);
  EXPECT_TRUE(r->object["spec"]["big"].is_number_unsigned());
  EXPECT_TRUE(r->object["spec"]["neg"].is_number_integer());
  EXPECT_TRUE(r->object["spec"]["ratio"].is_number_float());
  // Only the object's own managedFields go.
  EXPECT_EQ(r->object["spec"]["template"]["metadata"]["managedFields"], "kept");
}

TEST(ReviewDecode, RepeatedKeysKeepTheLastValueAsNlohmannDoes) {
  const std::string object = R"({"spec": {"k": 1, "k": 2}})";
  const std::string body =
      R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request":
          {"uid": "u", "operation": "CREATE", "object": )" +
      object + "}}";
  auto r = decode_review(body);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->object, json::parse(object));
}

TEST(ReviewDecode, NestingUpToTheLimitParsesAndBeyondIsRefused) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  // Parsed, then refused for what it is.
  EXPECT_EQ(decode_review(nested(kMaxJsonNesting)).error(),
            "an AdmissionReview must be a JSON object");
  EXPECT_EQ(decode_review(nested(kMaxJsonNesting + 1)).error(),
            "JSON nested more than 1000 levels deep");
}

TEST(ReviewDecode, MalformedInputIsRefused) {
  for (const char* body : {"", "{", "{\"a\":}", "[1,]", "nul", "\"\xff\"", "{} {}"})
    EXPECT_EQ(decode_review(body).error(), "malformed JSON") << body;
}

TEST(ReviewDecode, BigReviewsOutgrowTheStackArena) {
  json object = kubernetes_object();
  for (int i = 0; i < 2000; ++i) object["spec"]["many"].push_back({{"i", i}, {"s", "value"}});
  auto r = decode_review(update_review(object, object).dump());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->object["spec"]["many"].size(), 2000u);
  EXPECT_EQ(r->object["spec"]["many"][1999]["i"], 1999);
}

}  // namespace
}  // namespace aura::webhooks
