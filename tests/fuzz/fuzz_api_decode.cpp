// libFuzzer target: JSON decoding of each kind. The input is parsed as JSON and decoded as an
// EphemeralCluster, a NodePool and an AIJob (api::decode, generated from crds/). Beyond "no
// crash, no leak, no sanitizer report, no exception escaping", it checks:
//   - a DecodeError renders as a JSON string (the webhook sends it to the apiserver);
//   - a decoded object survives to_json and decode again unchanged, and encodes the same twice;
//   - the webhook's checks of that kind run on it, their errors render and encode, and an update
//     check of a spec against itself finds nothing (an unchanged field is never "immutable").

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "operator/api/types.h"
#include "webhooks/admission.h"
#include "webhooks/validation/validation.h"

namespace {

using nlohmann::json;
using namespace aura;
using namespace aura::webhooks;

[[noreturn]] void fail(std::string_view kind, std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_api_decode: %.*s: %.*s: %.*s\n", static_cast<int>(kind.size()),
               kind.data(), static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Renders and encodes the result of a check as the webhook would answer it.
void encode_result(const validation::Result& result) {
  AdmissionResponse r = result.errors.empty()
                            ? AdmissionResponse::allow(result.warnings)
                            : AdmissionResponse::invalid(result.errors, result.warnings);
  (void)encode_review("uid", r).dump();
}

template <typename T, typename Check, typename CheckUpdate>
void fuzz_kind(const json& input, Check check, CheckUpdate check_update) {
  const std::string_view kind = T::kKind;
  auto decoded = api::decode<T>(input);
  if (!decoded) {
    (void)json(decoded.error().to_string()).dump();
    return;
  }
  const json encoded = api::to_json(*decoded);
  const std::string text = encoded.dump();
  auto again = api::decode<T>(encoded);
  if (!again) fail(kind, "its own encoding does not decode", again.error().to_string());
  if (!(*again == *decoded)) fail(kind, "decode(to_json(x)) != x", text);
  if (api::to_json(*again) != encoded) fail(kind, "to_json is not stable", text);

  validation::Result result;
  check(decoded->spec, result);
  encode_result(result);
  validation::Result update;
  check_update(decoded->spec, decoded->spec, update);
  if (!update.errors.empty())
    fail(kind, "an unchanged spec fails the update check", join_errors(update.errors));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json input = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;
  fuzz_kind<api::EphemeralCluster>(
      input,
      [](const auto& spec, validation::Result& out) {
        validation::check_cluster_spec(spec, "spec", out);
      },
      [](const auto& now, const auto& old, validation::Result& out) {
        validation::check_cluster_update(now, old, "spec", out);
      });
  fuzz_kind<api::NodePool>(
      input,
      [](const auto& spec, validation::Result& out) {
        validation::check_node_pool_spec(spec, "spec", out);
      },
      [](const auto& now, const auto& old, validation::Result& out) {
        validation::check_node_pool_update(now, old, "spec", out);
      });
  fuzz_kind<api::AIJob>(
      input,
      [](const auto& spec, validation::Result& out) {
        validation::check_ai_job_spec(spec, "spec", out);
      },
      [](const auto& now, const auto& old, validation::Result& out) {
        validation::check_ai_job_update(now, old, "spec", out);
      });
  return 0;
}
