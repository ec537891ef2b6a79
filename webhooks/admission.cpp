#include "webhooks/admission.h"

#include <array>

namespace aura::webhooks {

namespace {

using json = nlohmann::json;

std::string render_value(const json& v) {
  // Strings are quoted as Go's %q would; numbers and booleans bare, as Kubernetes prints them.
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string FieldError::to_string() const {
  switch (type) {
    case Type::kRequired:
      return field + ": Required value" + (detail.empty() ? "" : ": " + detail);
    case Type::kForbidden:
      return field + ": Forbidden" + (detail.empty() ? "" : ": " + detail);
    case Type::kNotSupported:
      return field + ": Unsupported value: " + render_value(value) +
             (detail.empty() ? "" : ": " + detail);
    case Type::kDuplicate:
      return field + ": Duplicate value: " + render_value(value);
    case Type::kInvalid:
      break;
  }
  return field + ": Invalid value: " + render_value(value) + (detail.empty() ? "" : ": " + detail);
}

std::string join_errors(const FieldErrors& errors) {
  if (errors.size() == 1) return errors.front().to_string();
  std::string out = "[";
  for (size_t i = 0; i < errors.size(); ++i) out += (i ? ", " : "") + errors[i].to_string();
  return out + "]";
}

AdmissionResponse AdmissionResponse::allow(std::vector<std::string> warnings) {
  AdmissionResponse r;
  r.warnings = std::move(warnings);
  return r;
}

AdmissionResponse AdmissionResponse::invalid(const FieldErrors& errors,
                                             std::vector<std::string> warnings) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 422;
  r.reason = "Invalid";
  r.message = join_errors(errors);
  r.warnings = std::move(warnings);
  return r;
}

AdmissionResponse AdmissionResponse::bad_request(std::string message) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 400;
  r.reason = "BadRequest";
  r.message = std::move(message);
  return r;
}

AdmissionResponse AdmissionResponse::forbidden(std::string message) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 403;
  r.reason = "Forbidden";
  r.message = std::move(message);
  return r;
}

AdmissionResponse AdmissionResponse::patched(nlohmann::json patch,
                                             std::vector<std::string> warnings) {
  AdmissionResponse r;
  if (patch.is_array() && !patch.empty()) r.patch = std::move(patch);
  r.warnings = std::move(warnings);
  return r;
}

bool json_nesting_exceeds(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

json encode_review(const std::string& uid, const AdmissionResponse& resp) {
  json response = {{"uid", uid}, {"allowed", resp.allowed}};
  if (!resp.allowed) {
    response["status"] = {{"code", resp.code}, {"message", resp.message}};
    if (!resp.reason.empty()) response["status"]["reason"] = resp.reason;
  }
  if (!resp.warnings.empty()) response["warnings"] = resp.warnings;
  if (resp.allowed && resp.patch) {
    response["patchType"] = "JSONPatch";
    response["patch"] = base64_encode(resp.patch->dump());
  }
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"response", std::move(response)}};
}

http::Response plain_text(int status, std::string body) {
  return http::Response{status, "text/plain; charset=utf-8", std::move(body) + "\n"};
}

std::optional<http::Response> reject_unless_json_post(const http::Request& request) {
  if (request.method != "POST") {
    auto r = plain_text(405, "method not allowed: use POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  const std::string_view ct = request.content_type;
  const std::string_view media = ct.substr(0, ct.find(';'));
  if (media != "application/json")
    return plain_text(
        400, "unsupported Content-Type \"" + std::string(ct) + "\": expected application/json");
  return std::nullopt;
}

http::Response serve_review(const http::Request& request, const AdmissionHandler& handler) {
  if (auto rejected = reject_unless_json_post(request)) return std::move(*rejected);
  auto review = decode_review(request.body);
  if (!review) return plain_text(400, "bad AdmissionReview: " + review.error());
  AdmissionResponse resp;
  try {
    resp = handler(*review);
  } catch (const std::exception& e) {
    resp = AdmissionResponse::bad_request(std::string("internal error: ") + e.what());
    resp.code = 500;
    resp.reason = "InternalError";
  }
  return {200, "application/json", encode_review(review->uid, resp).dump()};
}

http::Handler review_endpoint(AdmissionHandler handler) {
  return
      [handler = std::move(handler)](const http::Request& r) { return serve_review(r, handler); };
}

std::string json_pointer_escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

}  // namespace aura::webhooks
