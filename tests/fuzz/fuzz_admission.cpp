// libFuzzer target: the admission webhooks' whole request path. The input is the body of a POST
// with Content-Type application/json, sent to the validating and to the mutating handler as
// webhooks/routes.cpp wires them: decode_review (JSON parse), validation::validate (or the delete
// protection of an EphemeralCluster) and defaulting::mutate (typed decoding, checks, patches),
// encode_review and the serialisation.
//
// Beyond "no crash, no leak, no sanitizer report, no exception escaping", it checks what the
// apiserver relies on:
//   - a body decode_review accepts is answered 200 with an AdmissionReview for its uid; any other
//     body is answered 400 in plain text;
//   - a defaulting patch is base64 JSON Patch that applies to the object, and defaulting the
//     patched object again adds nothing (the apiserver may reinvoke mutating webhooks).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/base64.h"
#include "operator/http/server.h"
#include "webhooks/admission.h"
#include "webhooks/defaulting.h"
#include "webhooks/delete_protection.h"
#include "webhooks/validation/validation.h"

namespace {

using nlohmann::json;
using namespace aura;
using namespace aura::webhooks;

[[noreturn]] void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_admission: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

const defaulting::Options& defaulting_options() {
  static const defaulting::Options options;
  return options;
}

// Delete protection with a stand-in for the operator's cache: unsynced for a cluster without a
// name, two running jobs when the name has an odd length, none otherwise.
const DeleteProtectionOptions& protection() {
  static const DeleteProtectionOptions options{
      [](const std::string&,
         const std::string& cluster) -> std::optional<std::vector<std::string>> {
        if (cluster.empty()) return std::nullopt;
        if (cluster.size() % 2) return std::vector<std::string>{"train-" + cluster, "eval"};
        return std::vector<std::string>{};
      }};
  return options;
}

// The validating route, as register_routes (webhooks/routes.cpp) wires it.
AdmissionResponse validate_handler(const AdmissionRequest& r) {
  return validate_request(r, protection());
}

AdmissionResponse mutate_handler(const AdmissionRequest& r) {
  return defaulting::mutate(r, defaulting_options());
}

// The answer to one body, checked against decode_review's verdict; the response object of a 200.
json checked_answer(const http::Response& answer, bool accepted, const std::string& uid) {
  if (!accepted) {
    if (answer.status != 400 || !answer.content_type.starts_with("text/plain"))
      fail("rejected review not answered 400 text/plain", answer.body);
    return nullptr;
  }
  if (answer.status != 200 || answer.content_type != "application/json")
    fail("accepted review not answered 200 application/json", answer.body);
  json review = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (!review.is_object() || review.value("kind", "") != "AdmissionReview" ||
      review.value("apiVersion", "") != "admission.k8s.io/v1" || !review.contains("response"))
    fail("answer is not an AdmissionReview", answer.body);
  json& response = review["response"];
  if (!response.is_object() || response.value("uid", "") != uid || !response.contains("allowed") ||
      !response["allowed"].is_boolean())
    fail("response does not carry the request's uid and allowed", answer.body);
  if (!response["allowed"].get<bool>()) {
    const json& status = response.value("status", json());
    if (!status.is_object() || !status.contains("code") || !status["code"].is_number_integer() ||
        status["code"].get<int>() < 400)
      fail("a denial without an error status code", answer.body);
  }
  return std::move(response);
}

void check_patch(const json& response, const AdmissionRequest& request) {
  if (!response.contains("patch")) return;
  if (!response["allowed"].get<bool>()) fail("a patch on a denial", response.dump());
  if (response.value("patchType", "") != "JSONPatch") fail("patch without patchType", "");
  if (!response["patch"].is_string()) fail("patch is not a string", response.dump());
  auto bytes = base64_decode(response["patch"].get_ref<const std::string&>());
  if (!bytes) fail("patch is not base64", response.dump());
  json patch = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!patch.is_array() || patch.empty()) fail("patch is not a non-empty JSON Patch", *bytes);
  json patched;
  try {
    patched = request.object.patch(patch);
  } catch (const json::exception& e) {
    fail("patch does not apply to the object", std::string(e.what()) + "; patch " + *bytes);
  }
  AdmissionRequest again = request;
  again.object = std::move(patched);
  const AdmissionResponse second = defaulting::mutate(again, defaulting_options());
  if (second.patch) fail("defaulting is not idempotent: second patch", second.patch->dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::Request request;
  request.method = "POST";
  request.content_type = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data), size);

  const auto decoded = decode_review(request.body);
  const std::string uid = decoded ? decoded->uid : std::string();

  request.target = "/validate-aura-io-v1alpha1";
  checked_answer(serve_review(request, validate_handler), decoded.has_value(), uid);

  request.target = "/mutate-aura-io-v1alpha1";
  const json mutated =
      checked_answer(serve_review(request, mutate_handler), decoded.has_value(), uid);
  if (decoded) check_patch(mutated, *decoded);
  return 0;
}
