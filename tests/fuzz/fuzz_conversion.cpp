// libFuzzer target: the CRD conversion webhook (POST /convert). The input is the body of a POST
// with Content-Type application/json, answered by conversion::conversion_endpoint with this
// build's converters (v1alpha1 only). Beyond "no crash, no leak, no sanitizer report, no
// exception escaping", it checks what the apiserver relies on:
//   - a ConversionReview is answered 200 with a ConversionReview for its uid; any other body 400;
//   - on Success, every object comes back in order, at the desired apiVersion, otherwise
//     unchanged (the only conversion served is the identity).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "operator/http/server.h"
#include "webhooks/conversion.h"

namespace {

using nlohmann::json;
using namespace aura;
using namespace aura::webhooks;

[[noreturn]] void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_conversion: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

const http::Handler& endpoint() {
  static const http::Handler handler =
      conversion::conversion_endpoint(conversion::aura_converters());
  return handler;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::Request request;
  request.method = "POST";
  request.target = conversion::kConvertPath;
  request.content_type = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  const http::Response answer = endpoint()(request);
  if (answer.status == 400) {
    if (!answer.content_type.starts_with("text/plain"))
      fail("a 400 not in plain text", answer.body);
    return 0;
  }
  if (answer.status != 200 || answer.content_type != "application/json")
    fail("neither 200 application/json nor 400", answer.body);

  // A 200 answers a ConversionReview: parse the request again to compare.
  const json in = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  const json out = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object() || !in.contains("request")) fail("200 for a body that is no review", "");
  if (!out.is_object() || out.value("kind", "") != "ConversionReview" ||
      out.value("apiVersion", "") != "apiextensions.k8s.io/v1" || !out.contains("response"))
    fail("answer is not a ConversionReview", answer.body);
  const json& req = in.at("request");
  const json& resp = out["response"];
  if (!resp.is_object() || resp.value("uid", json()) != req.value("uid", json()))
    fail("response does not carry the request's uid", answer.body);
  const json result = resp.value("result", json());
  const std::string status = result.is_object() ? result.value("status", "") : "";
  if (status == "Failure") {
    if (!result.contains("message") || !result["message"].is_string())
      fail("a Failure without a message", answer.body);
    return 0;
  }
  if (status != "Success") fail("result.status is neither Success nor Failure", answer.body);
  const json& objects = req.at("objects");
  const json converted = resp.value("convertedObjects", json());
  if (!converted.is_array() || converted.size() != objects.size())
    fail("not one converted object per object", answer.body);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    json expected = objects[i];
    expected["apiVersion"] = req.at("desiredAPIVersion");
    if (converted[i] != expected) fail("an object changed in the identity conversion", answer.body);
  }
  return 0;
}
