#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "operator/aws/credentials_provider.h"
#include "operator/aws/endpoints.h"
#include "operator/aws/error.h"
#include "operator/aws/fault_hook.h"
#include "operator/aws/retry.h"
#include "operator/common/clock.h"
#include "operator/common/token_bucket.h"
#include "operator/http/curl_client.h"
#include "operator/log/logger.h"
#include "operator/metrics/registry.h"

namespace aura::aws {

template <typename T>
using Result = std::expected<T, AwsError>;

// Ordered parameters of a query-protocol call (EC2, IAM, STS, ELB): Filter.1.Name=...
using QueryParams = std::vector<std::pair<std::string, std::string>>;
using XmlDocument = std::shared_ptr<const pugi::xml_document>;

struct AwsClientOptions {
  RetryOptions retry;
  // Client-side limit per service and region, below EC2's documented request-rate buckets so
  // many clusters reconciled at once do not provoke RequestLimitExceeded.
  double qps = 20;
  double burst = 40;
  std::chrono::milliseconds timeout{30000};
  EnvLookup env = process_env();
  ClockPtr clock = std::make_shared<SystemClock>();
  metrics::RegistryPtr metrics;
  log::Logger log = log::Logger::discard();
  // How the client waits between retries and for the rate limit; tests make it instant.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Test only (fault_hook.h): shared by every client of a session, told of each call's answer.
  FaultHookPtr fault_hook;
};

// One AWS service in one region: endpoint resolution, SigV4 signing (each attempt signed anew),
// the standard retry mode with its quota, clock-skew correction, a client-side rate limit, the
// wire protocols, and errors parsed in either XML or JSON shape (AWS front ends answer some
// failures, such as a 403, in the other one).
class AwsClient {
 public:
  // A null credentials provider sends unsigned requests (STS AssumeRoleWithWebIdentity).
  AwsClient(const ServiceInfo& service, std::string region, CredentialsProviderPtr credentials,
            std::shared_ptr<http::CurlClient> http, AwsClientOptions options = {});

  // query protocol: POST form Action=<operation>&Version=<version>&params; XML answer.
  Result<XmlDocument> query(std::string_view operation, std::string_view version,
                            const QueryParams& params);
  // rest-json (EKS): JSON body and answer; `path` is already percent-encoded.
  Result<nlohmann::json> rest_json(std::string_view operation, std::string_view method,
                                   const std::string& path, const nlohmann::json* body = nullptr);
  // json 1.1 (SSM, Resource Groups Tagging): POST / with X-Amz-Target.
  Result<nlohmann::json> json_rpc(std::string_view operation, std::string_view target_prefix,
                                  const nlohmann::json& body);
  // Raw REST (S3, rest-xml): the response as received.
  Result<http::ClientResponse> rest(std::string_view operation, std::string_view method,
                                    const std::string& path, const http::Headers& headers,
                                    const std::string& body);

  const Endpoint& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }
  const ServiceInfo& service() const { return service_; }
  // Who this client signs as, and its options: what an EKS bearer token for the same identity
  // needs (reconcilers/common/child_cluster.h).
  const CredentialsProviderPtr& credentials() const { return credentials_; }
  const AwsClientOptions& options() const { return options_; }
  // The correction applied to our clock after AWS reported skew.
  std::chrono::seconds clock_offset() const;
  int retry_quota() const { return retry_.quota(); }

 private:
  // One operation with its retries; tells the fault hook when the final answer is in.
  Result<http::ClientResponse> send(std::string_view operation, const std::string& method,
                                    const std::string& path, http::Headers headers,
                                    const std::string& body);
  Result<http::ClientResponse> send_with_retries(std::string_view operation,
                                                 const std::string& method, const std::string& path,
                                                 http::Headers headers, const std::string& body);
  AwsError parse_error(std::string_view operation, const http::ClientResponse& response) const;
  Result<nlohmann::json> json_body(std::string_view operation,
                                   const http::ClientResponse& response) const;
  void wait(std::chrono::milliseconds d) const;
  void note_clock_skew(const http::ClientResponse& response);

  ServiceInfo service_;
  std::string region_;
  CredentialsProviderPtr credentials_;
  std::shared_ptr<http::CurlClient> http_;
  AwsClientOptions options_;
  Endpoint endpoint_;
  RetryStrategy retry_;
  TokenBucket limiter_;
  std::atomic<int64_t> clock_offset_seconds_{0};
  std::shared_ptr<metrics::Counter> requests_;
  std::shared_ptr<metrics::Counter> retries_;
  std::shared_ptr<metrics::Histogram> latency_;
};

using AwsClientPtr = std::shared_ptr<AwsClient>;

// Form encoding of query-protocol parameters (RFC 3986, spaces as %20).
std::string form_encode(const QueryParams& params);
// The text of the first descendant element with that name (namespace-agnostic), or "".
std::string xml_text(const pugi::xml_node& node, const char* name);

}  // namespace aura::aws
