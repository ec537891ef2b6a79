#pragma once

// Encoding and decoding of the API types to and from JSON.
//
//   nlohmann::json j = api::to_json(cluster);              // unset optionals are left out
//   auto c = api::decode<api::EphemeralCluster>(j);        // std::expected<T, DecodeError>
//   if (!c) log(c.error().to_string());                    // "spec.network.vpcCIDR: expected
//   string, got number"
//
// decode never throws: a wrong type, a missing required field or an unknown enum value becomes a
// DecodeError with the Kubernetes-style path of the field. Unknown fields are ignored, as the
// apiserver's pruning would. Optional lists and maps are plain containers, left out when empty
// (Go's omitempty).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aura::api {

// Where and why a decode failed.
struct DecodeError {
  // Kubernetes-style field path: "spec.network.vpcCIDR", "spec.accessEntries[1].principalARN",
  // "spec.tags[team]". Empty for the document itself.
  std::string path;
  std::string message;

  // "spec.network.vpcCIDR: expected string, got number".
  std::string to_string() const;
  bool operator==(const DecodeError&) const = default;
};

// The path of the value being decoded, as a chain of frames on the decoder's stack: free to
// extend on the way down, rendered to a string only when an error is reported. A FieldPath must
// not outlive its parent (pass child paths as temporaries to the callee).
class FieldPath {
 public:
  FieldPath() = default;
  FieldPath field(std::string_view name) const { return {this, Step::kField, name, 0}; }
  FieldPath index(std::size_t i) const { return {this, Step::kIndex, {}, i}; }
  FieldPath key(std::string_view k) const { return {this, Step::kKey, k, 0}; }
  std::string str() const;

 private:
  enum class Step { kRoot, kField, kIndex, kKey };
  FieldPath(const FieldPath* parent, Step step, std::string_view name, std::size_t index)
      : parent_(parent), step_(step), name_(name), index_(index) {}

  const FieldPath* parent_ = nullptr;
  Step step_ = Step::kRoot;
  std::string_view name_;
  std::size_t index_ = 0;
};

DecodeError make_decode_error(const FieldPath& path, std::string message);
// "expected <expected>, got <JSON type of got>".
DecodeError type_error(const FieldPath& path, std::string_view expected, const nlohmann::json& got);

// Scalars.
inline nlohmann::json to_json(const std::string& v) {
  return v;
}
inline nlohmann::json to_json(std::int64_t v) {
  return v;
}
inline nlohmann::json to_json(std::int32_t v) {
  return v;
}
inline nlohmann::json to_json(bool v) {
  return v;
}
inline nlohmann::json to_json(const nlohmann::json& v) {
  return v;
}
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::string& out,
                                       const FieldPath& path);
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::int64_t& out,
                                       const FieldPath& path);
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::int32_t& out,
                                       const FieldPath& path);
std::optional<DecodeError> decode_into(const nlohmann::json& j, bool& out, const FieldPath& path);
std::optional<DecodeError> decode_into(const nlohmann::json& j, nlohmann::json& out,
                                       const FieldPath& path);

// Containers (declared first so that they nest in any order).
template <class T>
nlohmann::json to_json(const std::vector<T>& v);
template <class T>
nlohmann::json to_json(const std::map<std::string, T>& v);
template <class T>
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::vector<T>& out,
                                       const FieldPath& path);
template <class T>
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::map<std::string, T>& out,
                                       const FieldPath& path);

template <class T>
nlohmann::json to_json(const std::vector<T>& v) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : v) j.push_back(to_json(e));
  return j;
}

template <class T>
nlohmann::json to_json(const std::map<std::string, T>& v) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, e] : v) j[k] = to_json(e);
  return j;
}

template <class T>
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::vector<T>& out,
                                       const FieldPath& path) {
  if (!j.is_array()) return type_error(path, "array", j);
  out.clear();
  out.resize(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (auto err = decode_into(j[i], out[i], path.index(i))) return err;
  }
  return std::nullopt;
}

template <class T>
std::optional<DecodeError> decode_into(const nlohmann::json& j, std::map<std::string, T>& out,
                                       const FieldPath& path) {
  if (!j.is_object()) return type_error(path, "object", j);
  out.clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (auto err = decode_into(it.value(), out[it.key()], path.key(it.key()))) return err;
  }
  return std::nullopt;
}

template <class T>
concept Decodable = std::default_initializable<T> &&
    requires(const nlohmann::json& j, T& out, const FieldPath& path) {
  { decode_into(j, out, path) } -> std::same_as<std::optional<DecodeError>>;
};

template <class T>
concept Encodable = requires(const T& v) {
  { to_json(v) } -> std::same_as<nlohmann::json>;
};

// Decodes a whole document (an object, a spec, a list of conditions...). Never throws.
template <Decodable T>
std::expected<T, DecodeError> decode(const nlohmann::json& j) {
  T out{};
  if (auto err = decode_into(j, out, FieldPath{})) return std::unexpected(std::move(*err));
  return out;
}

// Helpers for generated code: one call per field of an object.
namespace detail {

template <class T>
void encode_required(nlohmann::json& j, const char* key, const T& v) {
  j[key] = to_json(v);
}
template <class T>
void encode_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = to_json(*v);
}
template <class T>
void encode_optional(nlohmann::json& j, const char* key, const std::vector<T>& v) {
  if (!v.empty()) j[key] = to_json(v);
}
template <class T>
void encode_optional(nlohmann::json& j, const char* key, const std::map<std::string, T>& v) {
  if (!v.empty()) j[key] = to_json(v);
}

// The value of key in object j, or nullptr when absent or null (null counts as unset).
inline const nlohmann::json* find_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

template <class T>
std::optional<DecodeError> decode_required(const nlohmann::json& j, const char* key, T& out,
                                           const FieldPath& path) {
  const nlohmann::json* v = find_field(j, key);
  if (v == nullptr) return make_decode_error(path.field(key), "Required value");
  return decode_into(*v, out, path.field(key));
}
template <class T>
std::optional<DecodeError> decode_optional(const nlohmann::json& j, const char* key,
                                           std::optional<T>& out, const FieldPath& path) {
  const nlohmann::json* v = find_field(j, key);
  if (v == nullptr) {
    out.reset();
    return std::nullopt;
  }
  out.emplace();
  return decode_into(*v, *out, path.field(key));
}
template <class T>
std::optional<DecodeError> decode_optional(const nlohmann::json& j, const char* key, T& out,
                                           const FieldPath& path) {
  const nlohmann::json* v = find_field(j, key);
  if (v == nullptr) {
    out = T{};
    return std::nullopt;
  }
  return decode_into(*v, out, path.field(key));
}

// apiVersion and kind of a kind's object: absent is fine (some list items omit them), another
// value is an error.
std::optional<DecodeError> check_type_meta(const nlohmann::json& j, std::string_view api_version,
                                           std::string_view kind, const FieldPath& path);

}  // namespace detail
}  // namespace aura::api
