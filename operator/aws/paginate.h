#pragma once

#include <functional>
#include <string>

#include "operator/aws/client.h"

namespace aura::aws {

// Walks a paginated AWS listing. `page` fetches one page for the given token (empty for the
// first), consumes its items, and returns the next token (NextToken, Marker, nextToken,
// ContinuationToken: whatever the operation calls it), empty when done. A token that repeats
// is an error, not an endless loop.
inline Result<void> for_each_page(
    const std::function<Result<std::string>(const std::string&)>& page, int max_pages = 10000) {
  std::string token;
  for (int i = 0; i < max_pages; ++i) {
    auto next = page(token);
    if (!next) return std::unexpected(next.error());
    if (next->empty()) return {};
    if (*next == token)
      return std::unexpected(AwsError{"", "pagination", 0, "RepeatedToken",
                                      "the service returned the same pagination token twice", "",
                                      false});
    token = std::move(*next);
  }
  return std::unexpected(AwsError{"", "pagination", 0, "TooManyPages",
                                  "gave up after " + std::to_string(max_pages) + " pages", "",
                                  false});
}

// The query-protocol Filter.N.Name / Filter.N.Value.M parameters.
struct Filter {
  std::string name;
  std::vector<std::string> values;
};
inline void add_filters(QueryParams& params, const std::vector<Filter>& filters,
                        const std::string& prefix = "Filter") {
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string base = prefix + "." + std::to_string(i + 1);
    params.emplace_back(base + ".Name", filters[i].name);
    for (size_t j = 0; j < filters[i].values.size(); ++j)
      params.emplace_back(base + ".Value." + std::to_string(j + 1), filters[i].values[j]);
  }
}

}  // namespace aura::aws
