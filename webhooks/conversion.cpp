#include "webhooks/conversion.h"

#include "webhooks/admission.h"

namespace aura::webhooks::conversion {

namespace {

// "aura.io/v1alpha1" -> "v1alpha1"; empty when the group is not ours.
std::string version_of(std::string_view api_version) {
  const std::string prefix = std::string(kGroup) + "/";
  if (!api_version.starts_with(prefix)) return {};
  return std::string(api_version.substr(prefix.size()));
}

nlohmann::json failure(const nlohmann::json& uid, const std::string& message) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "ConversionReview"},
          {"response", {{"uid", uid}, {"result", {{"status", "Failure"}, {"message", message}}}}}};
}

}  // namespace

void Converters::add(const std::string& kind, const std::string& from, const std::string& to,
                     Converter converter) {
  converters_[{kind, from, to}] = std::move(converter);
}

void Converters::serve_version(const std::string& version) {
  versions_.insert(version);
}

std::expected<nlohmann::json, std::string> Converters::convert(
    nlohmann::json object, const std::string& desired_api_version) const {
  if (!object.is_object()) return std::unexpected("an object is not a JSON object");
  const auto to = version_of(desired_api_version);
  if (to.empty() || !versions_.contains(to))
    return std::unexpected("desiredAPIVersion \"" + desired_api_version + "\" is not served");
  const auto api_version = object.value("apiVersion", nlohmann::json()).is_string()
                               ? object["apiVersion"].get<std::string>()
                               : std::string();
  const auto from = version_of(api_version);
  if (from.empty() || !versions_.contains(from))
    return std::unexpected("apiVersion \"" + api_version + "\" is not served");
  if (from == to) return object;
  const auto kind =
      object.value("kind", nlohmann::json()).is_string() ? object["kind"].get<std::string>() : "";
  const auto it = converters_.find({kind, from, to});
  if (it == converters_.end())
    return std::unexpected("no conversion of " + kind + " from " + from + " to " + to);
  auto converted = it->second(std::move(object));
  if (converted) (*converted)["apiVersion"] = desired_api_version;
  return converted;
}

Converters aura_converters() {
  Converters c;
  c.serve_version("v1alpha1");
  return c;
}

std::expected<nlohmann::json, std::string> convert_review(std::string_view body,
                                                          const Converters& converters) {
  // Deep nesting would overflow the stack when the objects are copied and serialised.
  if (json_nesting_exceeds(body))
    return std::unexpected("JSON nested more than " + std::to_string(kMaxJsonNesting) +
                           " levels deep");
  auto review = nlohmann::json::parse(body, nullptr, false);
  if (review.is_discarded() || !review.is_object()) return std::unexpected("body is not JSON");
  if (review.value("apiVersion", nlohmann::json()) != "apiextensions.k8s.io/v1" ||
      review.value("kind", nlohmann::json()) != "ConversionReview")
    return std::unexpected("expected apiextensions.k8s.io/v1 ConversionReview");
  const auto request = review.find("request");
  if (request == review.end() || !request->is_object())
    return std::unexpected("request: Required value");
  const auto uid = request->value("uid", nlohmann::json());
  if (!uid.is_string() || uid.get<std::string>().empty())
    return std::unexpected("request.uid: Required value");
  const auto desired = request->value("desiredAPIVersion", nlohmann::json());
  if (!desired.is_string()) return std::unexpected("request.desiredAPIVersion: Required value");
  const auto objects = request->find("objects");
  if (objects == request->end() || !objects->is_array())
    return std::unexpected("request.objects: Required value");

  auto converted = nlohmann::json::array();
  for (std::size_t i = 0; i < objects->size(); ++i) {
    auto one = converters.convert(std::move((*objects)[i]), desired.get<std::string>());
    // One object that cannot convert fails the whole review, as the API requires.
    if (!one) return failure(uid, "request.objects[" + std::to_string(i) + "]: " + one.error());
    converted.push_back(std::move(*one));
  }
  return nlohmann::json{{"apiVersion", "apiextensions.k8s.io/v1"},
                        {"kind", "ConversionReview"},
                        {"response",
                         {{"uid", uid},
                          {"convertedObjects", std::move(converted)},
                          {"result", {{"status", "Success"}}}}}};
}

http::Handler conversion_endpoint(Converters converters) {
  return [converters = std::move(converters)](const http::Request& request) {
    if (auto rejected = reject_unless_json_post(request)) return std::move(*rejected);
    auto answer = convert_review(request.body, converters);
    if (!answer) return plain_text(400, "bad ConversionReview: " + answer.error());
    return http::Response{200, "application/json", answer->dump()};
  };
}

}  // namespace aura::webhooks::conversion
