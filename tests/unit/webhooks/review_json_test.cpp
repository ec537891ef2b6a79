// The simdjson front end of decode_review: it must read a review exactly as nlohmann's parser
// would, minus the object's metadata.managedFields.
#include "webhooks/review_json.h"

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
             "text": "caf\u00e9 \"quoted\" \\ tab\t"}})");
}

TEST(ReviewDocument, ObjectsMatchNlohmannWithoutManagedFields) {
  const json object = kubernetes_object();
  const json review = {{"request", {{"object", object}}}};
  auto doc = ReviewDocument::parse(review.dump(), kMaxJsonNesting);
  ASSERT_TRUE(doc) << doc.error();
  json expected = object;
  expected["metadata"].erase("managedFields");
  const json got = doc->kubernetes_object_at({"request", "object"});
  EXPECT_EQ(got, expected) << got.dump();
  EXPECT_TRUE(got["spec"]["big"].is_number_unsigned());
  EXPECT_TRUE(got["spec"]["neg"].is_number_integer());
  EXPECT_TRUE(got["spec"]["ratio"].is_number_float());
}

TEST(ReviewDocument, ManagedFieldsElsewhereAreKept) {
  const json review = {
      {"a", {{"managedFields", 1}, {"spec", {{"metadata", {{"managedFields", 2}}}}}}}};
  auto doc = ReviewDocument::parse(review.dump(), kMaxJsonNesting);
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->kubernetes_object_at({"a"}), review["a"]);
}

TEST(ReviewDocument, DuplicateKeysKeepTheLastValueAsNlohmannDoes) {
  const std::string body = R"({"o": {"k": 1, "k": 2}})";
  auto doc = ReviewDocument::parse(body, kMaxJsonNesting);
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->kubernetes_object_at({"o"}), json::parse(body)["o"]);
}

TEST(ReviewDocument, LookupsOfAbsentOrMistypedValuesAreEmpty) {
  auto doc = ReviewDocument::parse(R"({"a": {"s": "x", "n": 1, "b": true}})", kMaxJsonNesting);
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->string_at({"a", "s"}), "x");
  EXPECT_EQ(doc->string_at({"a", "n"}), "");
  EXPECT_EQ(doc->string_at({"a", "s", "deeper"}), "");
  EXPECT_EQ(doc->bool_at({"a", "b"}), true);
  EXPECT_EQ(doc->bool_at({"a", "s"}), std::nullopt);
  EXPECT_TRUE(doc->object_at({"a"}));
  EXPECT_FALSE(doc->object_at({"missing"}));
  EXPECT_TRUE(doc->kubernetes_object_at({"missing"}).is_null());
}

TEST(ReviewDocument, NestingUpToTheLimitParsesAndBeyondIsRefused) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_TRUE(ReviewDocument::parse(nested(kMaxJsonNesting), kMaxJsonNesting));
  auto deep = ReviewDocument::parse(nested(kMaxJsonNesting + 1), kMaxJsonNesting);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error(), "JSON nested more than 1000 levels deep");
}

TEST(ReviewDocument, MalformedInputIsRefused) {
  for (const char* body : {"", "{", "{\"a\":}", "[1,]", "nul", "\"\xff\"", "{} {}"}) {
    auto doc = ReviewDocument::parse(body, kMaxJsonNesting);
    ASSERT_FALSE(doc) << body;
    EXPECT_EQ(doc.error(), "malformed JSON") << body;
  }
}

}  // namespace
}  // namespace aura::webhooks
