#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/base64.h"
#include "operator/http/server.h"

namespace aura::webhooks {

// The parts of an admission.k8s.io/v1 AdmissionRequest that the handlers read.
struct AdmissionRequest {
  std::string uid;
  std::string group, version, kind;  // request.kind
  std::string name, namespace_;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string username;   // request.userInfo.username
  bool dry_run = false;
  nlohmann::json object;      // null for DELETE
  nlohmann::json old_object;  // null for CREATE
};

// One field error, rendered as Kubernetes does: `spec.network.vpcCIDR: Invalid value:
// "10.0.0.0/33": must be ...`.
struct FieldError {
  enum class Type { kInvalid, kRequired, kForbidden, kNotSupported, kDuplicate };
  Type type = Type::kInvalid;
  std::string field;
  nlohmann::json value;  // rendered for kInvalid, kNotSupported and kDuplicate
  std::string detail;
  std::string to_string() const;
};
using FieldErrors = std::vector<FieldError>;

// "a" alone, or "[a, b]" for several (as Kubernetes' ErrorList aggregate).
std::string join_errors(const FieldErrors& errors);

struct AdmissionResponse {
  bool allowed = true;
  int code = 200;       // status.code when denied: 422 for invalid objects, 400 otherwise
  std::string reason;   // status.reason: Invalid, BadRequest, Forbidden
  std::string message;  // status.message
  std::vector<std::string> warnings;
  std::optional<nlohmann::json> patch;  // a JSON Patch (RFC 6902) array, sent base64

  static AdmissionResponse allow(std::vector<std::string> warnings = {});
  static AdmissionResponse invalid(const FieldErrors& errors,
                                   std::vector<std::string> warnings = {});
  static AdmissionResponse bad_request(std::string message);
  static AdmissionResponse forbidden(std::string message);
  static AdmissionResponse patched(nlohmann::json patch, std::vector<std::string> warnings = {});
};

// Review bodies whose arrays and objects nest deeper than this are refused (400) by the parser.
// Copying, comparing and serialising a nlohmann::json recurse once per level, so a body of a few
// hundred KiB of "[[[[..." would overflow a server thread's stack and kill the process (found with
// tests/fuzz: 8 MiB of stack lasts 50-100k levels in a release build, ~20k under ASan, 4-8k in a
// Debug ASan build). Real objects nest a few dozen levels.
inline constexpr std::size_t kMaxJsonNesting = 1000;
// True when `text` nests arrays and objects more than `limit` levels deep (brackets inside JSON
// strings do not count). Linear, allocation-free; meant to run before json::parse.
bool json_nesting_exceeds(std::string_view text, std::size_t limit = kMaxJsonNesting);

// Decodes an AdmissionReview v1 body; the error says what is wrong for a 400.
std::expected<AdmissionRequest, std::string> decode_review(std::string_view body);
// The AdmissionReview v1 answer for `uid`.
nlohmann::json encode_review(const std::string& uid, const AdmissionResponse& response);

using AdmissionHandler = std::function<AdmissionResponse(const AdmissionRequest&)>;

// The HTTP side: POST with Content-Type application/json only (400 otherwise, 405 for another
// method), a malformed review is answered 400 with a plain message, and any exception in the
// handler becomes a denial with code 500 (never a crash, never a dropped connection).
http::Response serve_review(const http::Request& request, const AdmissionHandler& handler);
// The checks every review endpoint makes first: 405 unless POST, 400 unless application/json.
std::optional<http::Response> reject_unless_json_post(const http::Request& request);
http::Response plain_text(int status, std::string body);
http::Handler review_endpoint(AdmissionHandler handler);

// JSON Pointer escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string json_pointer_escape(std::string_view token);

}  // namespace aura::webhooks
