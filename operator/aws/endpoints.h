#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace aura::aws {

// A service as the SDKs name it: the endpoint prefix, the SigV4 signing name, and the
// identifier used in AWS_ENDPOINT_URL_<ID> (the SDKs' "services" configuration key, upper-cased
// with spaces as underscores).
struct ServiceInfo {
  std::string_view name;  // for errors and metrics: "ec2", "elasticloadbalancingv2"
  std::string_view endpoint_prefix;
  std::string_view signing_name;
  std::string_view env_id;  // EC2, IAM, EKS, STS, ELASTIC_LOAD_BALANCING_V2, ...
  bool global = false;      // one endpoint per partition (IAM)
};

namespace services {
inline constexpr ServiceInfo kEc2{"ec2", "ec2", "ec2", "EC2"};
inline constexpr ServiceInfo kIam{"iam", "iam", "iam", "IAM", true};
inline constexpr ServiceInfo kEks{"eks", "eks", "eks", "EKS"};
inline constexpr ServiceInfo kSts{"sts", "sts", "sts", "STS"};
inline constexpr ServiceInfo kElbV2{"elasticloadbalancingv2", "elasticloadbalancing",
                                    "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2"};
inline constexpr ServiceInfo kElb{"elasticloadbalancing", "elasticloadbalancing",
                                  "elasticloadbalancing", "ELASTIC_LOAD_BALANCING"};
inline constexpr ServiceInfo kSsm{"ssm", "ssm", "ssm", "SSM"};
inline constexpr ServiceInfo kS3{"s3", "s3", "s3", "S3"};
inline constexpr ServiceInfo kTagging{"tagging", "tagging", "tagging",
                                      "RESOURCE_GROUPS_TAGGING_API"};
}  // namespace services

// Reads an environment variable; injected so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_env();

struct Endpoint {
  std::string url;             // scheme://host[:port], no trailing slash
  std::string signing_region;  // IAM signs in its partition's home region
  bool custom = false;         // from AWS_ENDPOINT_URL*: path-style S3
};

// "aws", "aws-cn" or "aws-us-gov", from the region name.
std::string_view partition_of(std::string_view region);

// The SDK standard order: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the
// partition's default (https://<prefix>.<region>.<dns suffix>; global services at their
// partition endpoint).
Endpoint resolve_endpoint(const ServiceInfo& service, std::string_view region,
                          const EnvLookup& env);

}  // namespace aura::aws
