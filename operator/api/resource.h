#pragma once

// What generic runtime code (caches, clients, controllers) may assume of an API kind:
//
//   template <api::Resource T>
//   class Cache { ... auto obj = api::decode<T>(event["object"]); ... T::kPlural ... };

#include <concepts>
#include <string>
#include <string_view>

#include "operator/api/codec.h"
#include "operator/api/object_meta.h"

namespace aura::api {

template <class T>
concept Resource = Decodable<T> && Encodable<T> && std::equality_comparable<T> && requires(T& obj) {
  { T::kGroup } -> std::convertible_to<std::string_view>;
  { T::kVersion } -> std::convertible_to<std::string_view>;
  { T::kApiVersion } -> std::convertible_to<std::string_view>;
  { T::kKind } -> std::convertible_to<std::string_view>;
  { T::kListKind } -> std::convertible_to<std::string_view>;
  { T::kPlural } -> std::convertible_to<std::string_view>;
  { T::kNamespaced } -> std::convertible_to<bool>;
  { obj.metadata } -> std::same_as<ObjectMeta&>;
  obj.spec;
  obj.status;
};

// The REST path of a collection or an object of kind T, as the apiserver serves it:
// /apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]. An empty namespace means all
// namespaces (for lists and watches).
template <Resource T>
std::string resource_path(std::string_view ns, std::string_view name = {}) {
  std::string path = "/apis/";
  path.append(T::kGroup).append("/").append(T::kVersion);
  if (T::kNamespaced && !ns.empty()) path.append("/namespaces/").append(ns);
  path.append("/").append(T::kPlural);
  if (!name.empty()) path.append("/").append(name);
  return path;
}

}  // namespace aura::api
