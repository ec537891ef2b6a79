#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace aura::kube {

// A failed call to the kube-apiserver. status 0 means no HTTP answer (connection, TLS, timeout);
// otherwise `reason` and `message` come from the metav1.Status body when there is one.
struct ApiError {
  long status = 0;
  std::string reason;  // NotFound, Conflict, AlreadyExists, Gone, Invalid, Expired, ...
  std::string message;
  nlohmann::json details;  // metav1.Status.details when present (field causes for Invalid)

  bool is_transport() const { return status == 0; }
  bool is_not_found() const { return status == 404; }
  bool is_conflict() const { return status == 409 && reason != "AlreadyExists"; }
  bool is_already_exists() const { return status == 409 && reason == "AlreadyExists"; }
  // 410 Gone, or the Expired reason the apiserver uses for a too-old continue token.
  bool is_gone() const { return status == 410 || reason == "Expired"; }
  bool is_invalid() const { return status == 422; }
  bool is_forbidden() const { return status == 403; }
  // Worth retrying later without any change on our side.
  bool is_retryable() const {
    return status == 0 || status == 429 || status >= 500 || is_conflict();
  }
  std::string str() const;

  static ApiError from_response(long status, const std::string& body);
};

}  // namespace aura::kube
