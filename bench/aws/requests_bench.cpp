// Requests per second against moto through AwsClient, for comparison with curl signing the same
// request on one connection (bench/aws/run.sh runs both in one go). Usage:
//   aws_requests_bench <endpoint> <access key> <secret> <count>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "operator/aws/client.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s ENDPOINT ACCESS_KEY SECRET COUNT\n", argv[0]);
    return 2;
  }
  const std::string endpoint = argv[1];
  const int count = std::atoi(argv[4]);
  aura::aws::AwsClientOptions opts;
  opts.env = [endpoint](std::string_view n) -> std::optional<std::string> {
    if (n == "AWS_ENDPOINT_URL") return endpoint;
    return std::nullopt;
  };
  opts.qps = 0;  // measure the client, not its rate limit
  aura::aws::AwsClient sts(aura::aws::services::kSts, "us-east-1",
                           std::make_shared<aura::aws::StaticCredentialsProvider>(
                               aura::aws::Credentials{argv[2], argv[3], "", std::nullopt, "bench"}),
                           std::make_shared<aura::http::CurlClient>(), opts);
  // Warm the connection, then measure.
  if (auto r = sts.query("GetCallerIdentity", "2011-06-15", {}); !r) {
    std::fprintf(stderr, "%s\n", r.error().str().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto r = sts.query("GetCallerIdentity", "2011-06-15", {});
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().str().c_str());
      return 1;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("aura_client requests=%d seconds=%.3f rps=%.1f\n", count, s, count / s);
  return 0;
}
