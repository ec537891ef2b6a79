// decode_review (admission.h): reading an AdmissionReview body fast.
//
// nlohmann's parser was most of a review's cost: about 30 µs of the 39 µs serve_review spent on
// bench/webhooks/admission-review.json, 18 µs of it in its lexer alone. So the body is parsed by
// Boost.JSON into an arena on the stack, and only what the handlers read becomes nlohmann::json:
// the object and the old object, without metadata.managedFields, which no handler reads and which
// is a third of a typical object. Boost.JSON is compiled into this file (header-only mode): Boost
// is a dependency already, and a separately linked JSON library would load a second, shared
// libstdc++ into the operator, whose idle memory the static runtime keeps low.
#include <boost/json/src.hpp>

#include "webhooks/admission.h"

namespace aura::webhooks {

namespace bj = boost::json;
using nlohmann::json;

namespace {

// Depth is bounded by the parser's max_depth, so this recursion is too.
json to_nlohmann(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::object: {
      json out = json::object();
      auto& members = out.get_ref<json::object_t&>();
      // insert_or_assign: a repeated key keeps its last value, as nlohmann's parser does.
      for (const auto& member : v.get_object())
        members.insert_or_assign(std::string(member.key()), to_nlohmann(member.value()));
      return out;
    }
    case bj::kind::array: {
      json out = json::array();
      auto& items = out.get_ref<json::array_t&>();
      items.reserve(v.get_array().size());
      for (const auto& item : v.get_array()) items.push_back(to_nlohmann(item));
      return out;
    }
    case bj::kind::string:
      return std::string(v.get_string());
    case bj::kind::int64:
      return v.get_int64();
    case bj::kind::uint64:
      return v.get_uint64();
    case bj::kind::double_:
      return v.get_double();
    case bj::kind::bool_:
      return v.get_bool();
    case bj::kind::null:
      break;
  }
  return nullptr;
}

// A Kubernetes object (null when absent) without metadata.managedFields.
json object_without_managed_fields(const bj::value* v) {
  if (v == nullptr) return nullptr;
  if (!v->is_object()) return to_nlohmann(*v);
  json out = json::object();
  auto& members = out.get_ref<json::object_t&>();
  for (const auto& member : v->get_object()) {
    if (member.key() != "metadata" || !member.value().is_object()) {
      members.insert_or_assign(std::string(member.key()), to_nlohmann(member.value()));
      continue;
    }
    json metadata = json::object();
    auto& fields = metadata.get_ref<json::object_t&>();
    for (const auto& field : member.value().get_object())
      if (field.key() != "managedFields")
        fields.insert_or_assign(std::string(field.key()), to_nlohmann(field.value()));
    members.insert_or_assign("metadata", std::move(metadata));
  }
  return out;
}

// The value at a path of object keys, or nullptr when a step is missing or not an object.
const bj::value* at(const bj::value& root, std::initializer_list<std::string_view> path) {
  const bj::value* v = &root;
  for (std::string_view key : path) {
    const auto* object = v->if_object();
    if (object == nullptr) return nullptr;
    v = object->if_contains(key);
    if (v == nullptr) return nullptr;
  }
  return v;
}

std::string string_at(const bj::value& root, std::initializer_list<std::string_view> path) {
  const auto* v = at(root, path);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::expected<AdmissionRequest, std::string> decode_review(std::string_view body) {
  // Stack buffers: a typical review fits in them, so parsing touches the heap only for what
  // outlives this call. Heap blocks of this size would also make glibc consolidate its fast bins
  // on every request.
  unsigned char parser_stack[4096];
  unsigned char values[16384];
  bj::monotonic_resource arena(values, sizeof values);
  bj::parse_options options;
  options.max_depth = kMaxJsonNesting;
  bj::parser parser(bj::storage_ptr(), options, parser_stack, sizeof parser_stack);
  parser.reset(&arena);
  boost::system::error_code ec;
  parser.write(body.data(), body.size(), ec);
  if (ec == bj::error::too_deep)
    return std::unexpected("JSON nested more than " + std::to_string(kMaxJsonNesting) +
                           " levels deep");
  if (ec) return std::unexpected("malformed JSON");
  const bj::value doc = parser.release();

  if (!doc.is_object()) return std::unexpected("an AdmissionReview must be a JSON object");
  if (string_at(doc, {"apiVersion"}) != "admission.k8s.io/v1" ||
      string_at(doc, {"kind"}) != "AdmissionReview")
    return std::unexpected("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview");
  const bj::value* request = at(doc, {"request"});
  if (request == nullptr || !request->is_object())
    return std::unexpected("request: Required value");
  AdmissionRequest r;
  r.uid = string_at(*request, {"uid"});
  if (r.uid.empty()) return std::unexpected("request.uid: Required value");
  r.group = string_at(*request, {"kind", "group"});
  r.version = string_at(*request, {"kind", "version"});
  r.kind = string_at(*request, {"kind", "kind"});
  r.name = string_at(*request, {"name"});
  r.namespace_ = string_at(*request, {"namespace"});
  r.operation = string_at(*request, {"operation"});
  if (r.operation.empty()) return std::unexpected("request.operation: Required value");
  r.username = string_at(*request, {"userInfo", "username"});
  if (const auto* dry_run = at(*request, {"dryRun"}); dry_run != nullptr && dry_run->is_bool())
    r.dry_run = dry_run->get_bool();
  r.object = object_without_managed_fields(at(*request, {"object"}));
  r.old_object = object_without_managed_fields(at(*request, {"oldObject"}));
  if ((r.operation == "CREATE" || r.operation == "UPDATE") && !r.object.is_object())
    return std::unexpected("request.object: Required value for " + r.operation);
  if (r.operation == "UPDATE" && !r.old_object.is_object())
    return std::unexpected("request.oldObject: Required value for UPDATE");
  return r;
}

}  // namespace aura::webhooks
