#include "operator/aws/endpoints.h"

#include <cstdlib>

namespace aura::aws {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

std::string_view partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

Endpoint resolve_endpoint(const ServiceInfo& service, std::string_view region,
                          const EnvLookup& env) {
  const std::string_view partition = partition_of(region);
  Endpoint e;
  e.signing_region = std::string(region);
  if (service.global) {
    e.signing_region = partition == "aws-cn"       ? "cn-north-1"
                       : partition == "aws-us-gov" ? "us-gov-west-1"
                                                   : "us-east-1";
  }
  auto strip = [](std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  };
  if (auto url = env("AWS_ENDPOINT_URL_" + std::string(service.env_id))) {
    e.url = strip(*url);
    e.custom = true;
    return e;
  }
  if (auto url = env("AWS_ENDPOINT_URL")) {
    e.url = strip(*url);
    e.custom = true;
    return e;
  }
  const std::string suffix = partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  if (service.global) {
    e.url = partition == "aws"      ? "https://iam.amazonaws.com"
            : partition == "aws-cn" ? "https://iam.cn-north-1.amazonaws.com.cn"
                                    : "https://iam.us-gov.amazonaws.com";
    return e;
  }
  e.url =
      "https://" + std::string(service.endpoint_prefix) + "." + std::string(region) + "." + suffix;
  return e;
}

}  // namespace aura::aws
