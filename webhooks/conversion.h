#pragma once

#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "operator/http/server.h"

// CRD conversion (apiextensions.k8s.io/v1 ConversionReview). aura.io serves one version today,
// so the only conversion is the identity; the endpoint, the review handling and the registry of
// converters are here so that a second version needs only its functions and the CRD's
// spec.conversion (strategy Webhook, path /convert, the same caBundle as the admission webhooks).
namespace aura::webhooks::conversion {

inline constexpr const char* kConvertPath = "/convert";
inline constexpr const char* kGroup = "aura.io";

// Turns one object of a version into the next; the error message names what cannot convert.
using Converter = std::function<std::expected<nlohmann::json, std::string>(nlohmann::json)>;

class Converters {
 public:
  // Registers the conversion of `kind` from version `from` to version `to` (both in aura.io).
  void add(const std::string& kind, const std::string& from, const std::string& to,
           Converter converter);
  void serve_version(const std::string& version);
  // Converts one object to `desired_api_version` ("aura.io/v1alpha1"): the identity when it is
  // already there, else the registered converter.
  std::expected<nlohmann::json, std::string> convert(nlohmann::json object,
                                                     const std::string& desired_api_version) const;

 private:
  std::set<std::string> versions_;
  std::map<std::tuple<std::string, std::string, std::string>, Converter> converters_;
};

// The converters of this build: v1alpha1 only.
Converters aura_converters();

// Answers a ConversionReview body: the review with response.result Success and every object
// converted, or Failure with a message (the apiserver then fails the request that needed it).
// The error is for a body that is not a ConversionReview at all (a 400).
std::expected<nlohmann::json, std::string> convert_review(std::string_view body,
                                                          const Converters& converters);

http::Handler conversion_endpoint(Converters converters);

}  // namespace aura::webhooks::conversion
