// Signatures per second: header signing of a typical EC2 query call and an EKS token presign.
#include <benchmark/benchmark.h>

#include "operator/aws/sigv4.h"

namespace {

const aura::aws::Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                                    std::nullopt, "bench"};

void BM_SignEc2Query(benchmark::State& state) {
  const aura::aws::SigningScope scope{"ec2", "us-east-1", std::chrono::system_clock::now()};
  for (auto _ : state) {
    aura::aws::SignableRequest req{
        "POST",
        "https://ec2.us-east-1.amazonaws.com/",
        {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
        "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3Aaura.io%2Fcluster-uid&"
        "Filter.1.Value.1=0b7c8a6e-2f0d-4b5e-9d1a-3c4f5e6a7b8c"};
    aura::aws::sign_request(req, kCreds, scope);
    benchmark::DoNotOptimize(req.headers);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignEc2Query);

void BM_PresignEksToken(benchmark::State& state) {
  const aura::aws::SigningScope scope{"sts", "us-east-1", std::chrono::system_clock::now()};
  for (auto _ : state) {
    auto url = aura::aws::presign_url(
        "GET", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        kCreds, scope, std::chrono::seconds(60), {{"x-k8s-aws-id", "aura-demo"}});
    benchmark::DoNotOptimize(url);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PresignEksToken);

}  // namespace

BENCHMARK_MAIN();
