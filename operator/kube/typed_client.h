#pragma once

#include <string>

#include "operator/api/resource.h"
#include "operator/kube/client.h"

namespace aura::kube {

// The ResourceType of a generated API kind.
template <api::Resource T>
ResourceType resource_type_of() {
  return ResourceType{std::string(T::kGroup), std::string(T::kVersion), std::string(T::kPlural),
                      std::string(T::kKind), T::kNamespaced};
}

// Typed access to one of our kinds over the dynamic client: objects go out through
// api::to_json and come back through api::decode, whose failure (a server object our types
// cannot read) is reported as an ApiError with the field path, never thrown.
template <api::Resource T>
class TypedClient {
 public:
  explicit TypedClient(ClientPtr client) : client_(std::move(client)), rt_(resource_type_of<T>()) {}

  Result<T> get(std::string_view ns, std::string_view name) {
    return decoded(client_->get(rt_, ns, name));
  }
  Result<T> create(const T& object) {
    return decoded(client_->create(rt_, object.metadata.namespace_, api::to_json(object)));
  }
  Result<T> update(const T& object) { return decoded(client_->update(rt_, api::to_json(object))); }
  Result<T> update_status(const T& object) {
    return decoded(client_->update_status(rt_, api::to_json(object)));
  }
  Result<void> remove(std::string_view ns, std::string_view name, const DeleteOptions& opts = {}) {
    auto r = client_->remove(rt_, ns, name, opts);
    if (!r) return std::unexpected(r.error());
    return {};
  }
  // Every object in a namespace (all namespaces when empty), page by page.
  Result<std::vector<T>> list(std::string_view ns, ListOptions opts = {}) {
    std::vector<T> out;
    std::optional<ApiError> bad;
    auto rv = client_->list_each(rt_, ns, opts, [&](Json&& item) {
      item["apiVersion"] = std::string(T::kApiVersion);
      item["kind"] = std::string(T::kKind);
      auto t = api::decode<T>(item);
      if (t) {
        out.push_back(std::move(*t));
      } else if (!bad) {
        bad = decode_error(t.error());
      }
    });
    if (!rv) return std::unexpected(rv.error());
    if (bad) return std::unexpected(*bad);
    return out;
  }

 private:
  static ApiError decode_error(const api::DecodeError& e) {
    return ApiError{0, "DecodeError", std::string(T::kKind) + ": " + e.to_string(), {}};
  }
  static Result<T> decoded(Result<Json> r) {
    if (!r) return std::unexpected(r.error());
    auto t = api::decode<T>(*r);
    if (!t) return std::unexpected(decode_error(t.error()));
    return *t;
  }

  ClientPtr client_;
  ResourceType rt_;
};

}  // namespace aura::kube
