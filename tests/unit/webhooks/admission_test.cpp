#include "webhooks/admission.h"

#include <gtest/gtest.h>

namespace aura::webhooks {
namespace {

using json = nlohmann::json;

json review(json request) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request", std::move(request)}};
}

json create_request() {
  return {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
          {"kind", {{"group", "aura.io"}, {"version", "v1alpha1"}, {"kind", "EphemeralCluster"}}},
          {"name", "c1"},
          {"namespace", "ns"},
          {"operation", "CREATE"},
          {"userInfo", {{"username", "alice"}}},
          {"object", {{"spec", json::object()}}}};
}

http::Request post(std::string body, std::string ct = "application/json") {
  return {"POST", "/validate", ct, std::move(body), {}};
}

TEST(AdmissionDecode, ReadsTheFieldsHandlersUse) {
  auto r = decode_review(review(create_request()).dump());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r->group, "aura.io");
  EXPECT_EQ(r->kind, "EphemeralCluster");
  EXPECT_EQ(r->operation, "CREATE");
  EXPECT_EQ(r->username, "alice");
  EXPECT_EQ(r->namespace_, "ns");
  EXPECT_TRUE(r->object.is_object());
  EXPECT_TRUE(r->old_object.is_null());
}

TEST(AdmissionDecode, RejectsMalformedInputWithAReason) {
  EXPECT_EQ(decode_review("{not json").error(), "malformed JSON");
  EXPECT_FALSE(decode_review("[]"));
  EXPECT_FALSE(
      decode_review(R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"})"));
  auto no_uid = create_request();
  no_uid.erase("uid");
  EXPECT_EQ(decode_review(review(no_uid).dump()).error(), "request.uid: Required value");
  auto update = create_request();
  update["operation"] = "UPDATE";
  EXPECT_EQ(decode_review(review(update).dump()).error(),
            "request.oldObject: Required value for UPDATE");
  auto bad_object = create_request();
  bad_object["object"] = 42;
  EXPECT_FALSE(decode_review(review(bad_object).dump()));
}

TEST(AdmissionEncode, AllowedEchoesUidAndWarnings) {
  auto j = encode_review("u1", AdmissionResponse::allow({"careful"}));
  EXPECT_EQ(j["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(j["kind"], "AdmissionReview");
  EXPECT_EQ(j["response"]["uid"], "u1");
  EXPECT_EQ(j["response"]["allowed"], true);
  EXPECT_EQ(j["response"]["warnings"], json::array({"careful"}));
  EXPECT_FALSE(j["response"].contains("status"));
  EXPECT_FALSE(j["response"].contains("patch"));
}

TEST(AdmissionEncode, DenialCarriesCodeReasonAndMessage) {
  FieldErrors errs = {{FieldError::Type::kInvalid, "spec.network.vpcCIDR", "10.0.0.0/33", "bad"}};
  auto j = encode_review("u2", AdmissionResponse::invalid(errs));
  EXPECT_EQ(j["response"]["allowed"], false);
  EXPECT_EQ(j["response"]["status"]["code"], 422);
  EXPECT_EQ(j["response"]["status"]["reason"], "Invalid");
  EXPECT_EQ(j["response"]["status"]["message"],
            "spec.network.vpcCIDR: Invalid value: \"10.0.0.0/33\": bad");
  auto b = encode_review("u3", AdmissionResponse::bad_request("nope"));
  EXPECT_EQ(b["response"]["status"]["code"], 400);
}

TEST(AdmissionEncode, PatchIsBase64JsonPatch) {
  json ops = json::array({{{"op", "add"}, {"path", "/spec/x"}, {"value", 1}}});
  auto j = encode_review("u", AdmissionResponse::patched(ops));
  EXPECT_EQ(j["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(j["response"]["patch"], base64_encode(ops.dump()));
  // An empty patch is no patch.
  auto none = encode_review("u", AdmissionResponse::patched(json::array()));
  EXPECT_FALSE(none["response"].contains("patchType"));
}

TEST(FieldErrorText, KubernetesStyle) {
  EXPECT_EQ((FieldError{FieldError::Type::kRequired, "spec.region", nullptr, ""}).to_string(),
            "spec.region: Required value");
  EXPECT_EQ((FieldError{FieldError::Type::kNotSupported, "spec.kubernetesVersion", "1.29",
                        "supported values: \"1.30\""})
                .to_string(),
            "spec.kubernetesVersion: Unsupported value: \"1.29\": supported values: \"1.30\"");
  EXPECT_EQ((FieldError{FieldError::Type::kInvalid, "spec.zoneCount", 9, "too many"}).to_string(),
            "spec.zoneCount: Invalid value: 9: too many");
  FieldErrors two = {{FieldError::Type::kForbidden, "a", nullptr, "x"},
                     {FieldError::Type::kDuplicate, "b[1]", "z", ""}};
  EXPECT_EQ(join_errors(two), "[a: Forbidden: x, b[1]: Duplicate value: \"z\"]");
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(json_pointer_escape("aura.io/x~y"), "aura.io~1x~0y");
}

TEST(ServeReview, HttpErrorsAreClear4xx) {
  const AdmissionHandler allow = [](const AdmissionRequest&) { return AdmissionResponse::allow(); };
  EXPECT_EQ(serve_review({"GET", "/v", "", "", {}}, allow).status, 405);
  auto wrong_ct = serve_review(post(review(create_request()).dump(), "text/plain"), allow);
  EXPECT_EQ(wrong_ct.status, 400);
  EXPECT_NE(wrong_ct.body.find("Content-Type"), std::string::npos);
  auto malformed = serve_review(post("{\"apiVersion\":"), allow);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("malformed JSON"), std::string::npos);
  auto ok =
      serve_review(post(review(create_request()).dump(), "application/json; charset=utf-8"), allow);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
}

TEST(ServeReview, HandlerExceptionBecomesDenialNotCrash) {
  const AdmissionHandler boom = [](const AdmissionRequest&) -> AdmissionResponse {
    throw std::runtime_error("boom");
  };
  auto r = serve_review(post(review(create_request()).dump()), boom);
  ASSERT_EQ(r.status, 200);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["response"]["allowed"], false);
  EXPECT_EQ(j["response"]["status"]["code"], 500);
}

}  // namespace
}  // namespace aura::webhooks

namespace aura::webhooks {
namespace {

// Deep nesting would overflow a server thread's stack when the parsed JSON is copied (found by
// tests/fuzz): such bodies are refused before parsing.
TEST(JsonNesting, DeepBodiesAreRefusedBeforeParsing) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_FALSE(json_nesting_exceeds(nested(kMaxJsonNesting)));
  EXPECT_TRUE(json_nesting_exceeds(nested(kMaxJsonNesting + 1)));
  // Brackets inside strings, escaped quotes included, do not count.
  EXPECT_FALSE(json_nesting_exceeds("{\"a\":\"" + std::string(5000, '[') + "\\\"\"}"));
  auto deep = decode_review(nested(50000));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error(), "JSON nested more than 1000 levels deep");
}

}  // namespace
}  // namespace aura::webhooks
