#pragma once

#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// Reading an AdmissionReview body fast. nlohmann's parser is most of a review's cost (about 30 µs
// of the 39 µs the handler spends on bench/webhooks/admission-review.json; its lexer alone is
// 18 µs), so the body is parsed by simdjson (about 1 µs) and only what the handlers read becomes
// nlohmann::json: the object and old object, without metadata.managedFields, which no handler
// reads and which is a third of a typical object.
namespace aura::webhooks {

// One AdmissionReview body, parsed. Field lookups return empty strings for absent or non-string
// values, as the handlers want.
class ReviewDocument {
 public:
  // Errors: "malformed JSON", or too deep (arrays and objects nested more than `max_depth`).
  static std::expected<ReviewDocument, std::string> parse(std::string_view body,
                                                          std::size_t max_depth);
  ReviewDocument(ReviewDocument&&) noexcept;
  ReviewDocument& operator=(ReviewDocument&&) noexcept;
  ~ReviewDocument();

  bool is_object() const;
  // The string at a path of object keys from the root, or "" when absent or not a string.
  std::string string_at(std::initializer_list<std::string_view> path) const;
  // The boolean at a path; nullopt when absent or not a boolean.
  std::optional<bool> bool_at(std::initializer_list<std::string_view> path) const;
  // Whether the value at a path is a JSON object.
  bool object_at(std::initializer_list<std::string_view> path) const;
  // The value at a path as nlohmann::json (null when absent), with metadata.managedFields left
  // out of it when it is an object.
  nlohmann::json kubernetes_object_at(std::initializer_list<std::string_view> path) const;

 private:
  struct State;
  explicit ReviewDocument(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace aura::webhooks
