#include "operator/common/duration.h"

#include <cctype>

namespace aura {

using std::chrono::seconds;

std::optional<seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    long long n = 0;
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 100LL * 365 * 24 * 3600) return std::nullopt;  // far beyond any sane lifetime
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    const char unit = text[i++];
    if (unit == 'h')
      total += n * 3600;
    else if (unit == 'm')
      total += n * 60;
    else if (unit == 's')
      total += n;
    else
      return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return seconds(total);
}

}  // namespace aura
