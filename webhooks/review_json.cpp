#include "webhooks/review_json.h"

#include <simdjson.h>

namespace aura::webhooks {

namespace dom = simdjson::dom;
using nlohmann::json;

namespace {

// Depth is bounded by the parser's max_depth, so this recursion is too.
json to_nlohmann(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      json out = json::object();
      auto& members = out.get_ref<json::object_t&>();
      // insert_or_assign: a duplicated key keeps its last value, as encoding/json and nlohmann's
      // own parser do.
      for (auto [key, value] : dom::object(e))
        members.insert_or_assign(std::string(key), to_nlohmann(value));
      return out;
    }
    case dom::element_type::ARRAY: {
      json out = json::array();
      auto& items = out.get_ref<json::array_t&>();
      const dom::array array(e);
      items.reserve(array.size());
      for (dom::element item : array) items.push_back(to_nlohmann(item));
      return out;
    }
    case dom::element_type::STRING:
      return std::string(std::string_view(e));
    case dom::element_type::INT64:
      return std::int64_t(e);
    case dom::element_type::UINT64:
      return std::uint64_t(e);
    case dom::element_type::DOUBLE:
      return double(e);
    case dom::element_type::BOOL:
      return bool(e);
    case dom::element_type::NULL_VALUE:
      break;
  }
  return nullptr;
}

// A Kubernetes object without metadata.managedFields.
json object_without_managed_fields(dom::element e) {
  if (!e.is_object()) return to_nlohmann(e);
  json out = json::object();
  auto& members = out.get_ref<json::object_t&>();
  for (auto [key, value] : dom::object(e)) {
    if (key != "metadata" || !value.is_object()) {
      members.insert_or_assign(std::string(key), to_nlohmann(value));
      continue;
    }
    json metadata = json::object();
    auto& fields = metadata.get_ref<json::object_t&>();
    for (auto [mkey, mvalue] : dom::object(value))
      if (mkey != "managedFields") fields.insert_or_assign(std::string(mkey), to_nlohmann(mvalue));
    members.insert_or_assign(std::string(key), std::move(metadata));
  }
  return out;
}

}  // namespace

struct ReviewDocument::State {
  dom::parser parser;
  dom::element root;

  // The value at a path of object keys, if every step is an object that has the key.
  std::optional<dom::element> at(std::initializer_list<std::string_view> path) const {
    dom::element e = root;
    for (std::string_view key : path) {
      if (!e.is_object()) return std::nullopt;
      auto next = dom::object(e).at_key(key);
      if (next.error()) return std::nullopt;
      e = next.value_unsafe();
    }
    return e;
  }
};

ReviewDocument::ReviewDocument(std::unique_ptr<State> state) : state_(std::move(state)) {}
ReviewDocument::ReviewDocument(ReviewDocument&&) noexcept = default;
ReviewDocument& ReviewDocument::operator=(ReviewDocument&&) noexcept = default;
ReviewDocument::~ReviewDocument() = default;

std::expected<ReviewDocument, std::string> ReviewDocument::parse(std::string_view body,
                                                                 std::size_t max_depth) {
  auto state = std::make_unique<State>();
  if (state->parser.allocate(body.size(), max_depth) != simdjson::SUCCESS)
    return std::unexpected("cannot allocate the JSON parser");
  auto root = state->parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true);
  if (root.error() == simdjson::DEPTH_ERROR)
    return std::unexpected("JSON nested more than " + std::to_string(max_depth) + " levels deep");
  if (root.error()) return std::unexpected("malformed JSON");
  state->root = root.value_unsafe();
  return ReviewDocument(std::move(state));
}

bool ReviewDocument::is_object() const {
  return state_->root.is_object();
}

std::string ReviewDocument::string_at(std::initializer_list<std::string_view> path) const {
  auto e = state_->at(path);
  if (!e || !e->is_string()) return {};
  return std::string(std::string_view(*e));
}

std::optional<bool> ReviewDocument::bool_at(std::initializer_list<std::string_view> path) const {
  auto e = state_->at(path);
  if (!e || !e->is_bool()) return std::nullopt;
  return bool(*e);
}

bool ReviewDocument::object_at(std::initializer_list<std::string_view> path) const {
  auto e = state_->at(path);
  return e && e->is_object();
}

json ReviewDocument::kubernetes_object_at(std::initializer_list<std::string_view> path) const {
  auto e = state_->at(path);
  return e ? object_without_managed_fields(*e) : json();
}

}  // namespace aura::webhooks
