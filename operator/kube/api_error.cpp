#include "operator/kube/api_error.h"

namespace aura::kube {

std::string ApiError::str() const {
  if (status == 0) return "transport: " + message;
  std::string out = std::to_string(status);
  if (!reason.empty()) out += " " + reason;
  if (!message.empty()) out += ": " + message;
  return out;
}

ApiError ApiError::from_response(long status, const std::string& body) {
  ApiError e;
  e.status = status;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "Status") {
    e.reason = j.value("reason", "");
    e.message = j.value("message", "");
    if (j.contains("details")) e.details = j["details"];
  } else {
    e.message = body.substr(0, 512);
  }
  if (e.reason.empty()) {
    switch (status) {
      case 404:
        e.reason = "NotFound";
        break;
      case 409:
        e.reason = "Conflict";
        break;
      case 410:
        e.reason = "Gone";
        break;
      case 422:
        e.reason = "Invalid";
        break;
      case 429:
        e.reason = "TooManyRequests";
        break;
      default:
        break;
    }
  }
  return e;
}

}  // namespace aura::kube
