// The CPU cost of one review without TLS and HTTP: what the webhook server spends per
// AdmissionReview in the handler (parse, decode, validate, encode), step by step, on
// bench/webhooks/admission-review.json. Evidence for where bench/webhooks/run.sh's figures go.
//
//   build-bench-wh/bench/webhook_handler_bench [--benchmark_min_time=1]
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "operator/api/types.h"
#include "webhooks/admission.h"
#include "webhooks/validation/validation.h"

#ifndef AURA_BENCH_REVIEW
#error "AURA_BENCH_REVIEW must name bench/webhooks/admission-review.json"
#endif

namespace {

using namespace aura;

const std::string& review_body() {
  static const std::string body = [] {
    std::ifstream in(AURA_BENCH_REVIEW, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return body;
}

// json::parse of the whole review into a DOM (what decode_review starts with).
void BM_ParseReviewDom(benchmark::State& state) {
  const auto& body = review_body();
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseReviewDom);

// The same review without metadata.managedFields (a third of the bytes).
void BM_ParseReviewDomNoManagedFields(benchmark::State& state) {
  auto doc = nlohmann::json::parse(review_body());
  doc["request"]["object"]["metadata"].erase("managedFields");
  const std::string body = doc.dump();
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.counters["bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_ParseReviewDomNoManagedFields);

void BM_DecodeReview(benchmark::State& state) {
  const auto& body = review_body();
  for (auto _ : state) benchmark::DoNotOptimize(webhooks::decode_review(body));
}
BENCHMARK(BM_DecodeReview);

// api::decode of request.object into the generated EphemeralCluster type.
void BM_DecodeTyped(benchmark::State& state) {
  const auto req = webhooks::decode_review(review_body()).value();
  for (auto _ : state) benchmark::DoNotOptimize(api::decode<api::EphemeralCluster>(req.object));
}
BENCHMARK(BM_DecodeTyped);

void BM_Validate(benchmark::State& state) {
  const auto req = webhooks::decode_review(review_body()).value();
  for (auto _ : state) benchmark::DoNotOptimize(webhooks::validation::validate(req));
}
BENCHMARK(BM_Validate);

// Everything the route does: serve_review (content type, decode, validate, encode, dump).
void BM_ServeReview(benchmark::State& state) {
  http::Request r{"POST", "/validate-aura-io-v1alpha1", "application/json", review_body(), {}};
  for (auto _ : state)
    benchmark::DoNotOptimize(webhooks::serve_review(r, webhooks::validation::validate));
}
BENCHMARK(BM_ServeReview);

}  // namespace

BENCHMARK_MAIN();
