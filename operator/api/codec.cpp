#include "operator/api/codec.h"

#include <cmath>
#include <limits>

namespace aura::api {

std::string DecodeError::to_string() const {
  if (path.empty()) return message;
  return path + ": " + message;
}

std::string FieldPath::str() const {
  switch (step_) {
    case Step::kRoot:
      return {};
    case Step::kField: {
      std::string parent = parent_->str();
      if (!parent.empty()) parent += '.';
      return parent.append(name_);
    }
    case Step::kIndex:
      return parent_->str() + "[" + std::to_string(index_) + "]";
    case Step::kKey:
      return parent_->str() + "[" + std::string(name_) + "]";
  }
  return {};
}

DecodeError make_decode_error(const FieldPath& path, std::string message) {
  return DecodeError{path.str(), std::move(message)};
}

namespace {

std::string_view json_type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    default:
      return "unknown";
  }
}

// Any JSON number that holds an integer in [lo, hi] (apiservers may hand out 3.0 for 3).
std::optional<DecodeError> decode_integer(const nlohmann::json& j, std::int64_t lo, std::int64_t hi,
                                          std::int64_t& out, const FieldPath& path) {
  std::int64_t v = 0;
  if (j.is_number_integer() && !j.is_number_unsigned()) {
    v = j.get<std::int64_t>();
  } else if (j.is_number_unsigned()) {
    auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return make_decode_error(path, "value " + std::to_string(u) + " is out of range");
    }
    v = static_cast<std::int64_t>(u);
  } else if (j.is_number_float()) {
    double d = j.get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d || d < -9.2e18 || d > 9.2e18) {
      return make_decode_error(path, "expected integer, got " + j.dump());
    }
    v = static_cast<std::int64_t>(d);
  } else {
    return type_error(path, "integer", j);
  }
  if (v < lo || v > hi) {
    return make_decode_error(path, "value " + std::to_string(v) + " is out of range");
  }
  out = v;
  return std::nullopt;
}

}  // namespace

DecodeError type_error(const FieldPath& path, std::string_view expected,
                       const nlohmann::json& got) {
  return make_decode_error(
      path, "expected " + std::string(expected) + ", got " + std::string(json_type_name(got)));
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, std::string& out,
                                       const FieldPath& path) {
  if (!j.is_string()) return type_error(path, "string", j);
  out = j.get_ref<const std::string&>();
  return std::nullopt;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, std::int64_t& out,
                                       const FieldPath& path) {
  return decode_integer(j, std::numeric_limits<std::int64_t>::min(),
                        std::numeric_limits<std::int64_t>::max(), out, path);
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, std::int32_t& out,
                                       const FieldPath& path) {
  std::int64_t v = 0;
  if (auto err = decode_integer(j, std::numeric_limits<std::int32_t>::min(),
                                std::numeric_limits<std::int32_t>::max(), v, path)) {
    return err;
  }
  out = static_cast<std::int32_t>(v);
  return std::nullopt;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, bool& out, const FieldPath& path) {
  if (!j.is_boolean()) return type_error(path, "boolean", j);
  out = j.get<bool>();
  return std::nullopt;
}

std::optional<DecodeError> decode_into(const nlohmann::json& j, nlohmann::json& out,
                                       const FieldPath&) {
  out = j;
  return std::nullopt;
}

namespace detail {

std::optional<DecodeError> check_type_meta(const nlohmann::json& j, std::string_view api_version,
                                           std::string_view kind, const FieldPath& path) {
  for (auto [key, expected] : {std::pair{"apiVersion", api_version}, std::pair{"kind", kind}}) {
    const nlohmann::json* v = find_field(j, key);
    if (v == nullptr) continue;
    if (!v->is_string()) return type_error(path.field(key), "string", *v);
    if (v->get_ref<const std::string&>() != expected) {
      return make_decode_error(path.field(key), "expected \"" + std::string(expected) +
                                                    "\", got \"" +
                                                    v->get_ref<const std::string&>() + "\"");
    }
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace aura::api
